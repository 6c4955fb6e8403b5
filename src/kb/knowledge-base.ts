import { type ParsedArticle, parseArticle } from './parse-article.ts';
import type { Article, ArticleProblem, ArticleSource, Cause } from './types.ts';

/** Every article that loaded, indexed for lookup, and what was wrong with the rest. */
export interface KnowledgeBase {
  articles: Article[];
  bySlug: ReadonlyMap<string, Article>;
  causes: Cause[];
  byCauseId: ReadonlyMap<string, Cause>;
  problems: ArticleProblem[];
}

/**
 * Validate a set of article sources into a knowledge base. A broken article is reported and
 * left out; the rest serve. Cross-article rules (unique slugs, unique cause ids, known related
 * slugs) are checked here because one file cannot see the others.
 */
export function buildKnowledgeBase(
  sources: ArticleSource[],
  parse: (source: ArticleSource) => ParsedArticle = parseArticle,
): KnowledgeBase {
  const problems: ArticleProblem[] = [];
  const articles: Article[] = [];
  const bySlug = new Map<string, Article>();
  const byCauseId = new Map<string, Cause>();
  const sorted = [...sources].sort((a, b) => a.file.localeCompare(b.file));
  for (const source of sorted) {
    const { article, problems: found } = parse(source);
    problems.push(...found);
    if (!article) continue;
    const clash = bySlug.get(article.slug);
    if (clash) {
      problems.push({
        file: source.file,
        line: 1,
        field: 'slug',
        message: `slug "${article.slug}" is already used by ${clash.file}; this article is not served`,
        severity: 'error',
      });
      continue;
    }
    const takenCause = article.causes.find((cause) => byCauseId.has(cause.id));
    if (takenCause) {
      const owner = bySlug.get(byCauseId.get(takenCause.id)!.articleSlug)!;
      problems.push({
        file: source.file,
        line: 1,
        field: 'causes.id',
        message: `cause "${takenCause.id}" is already declared by ${owner.file}; this article is not served`,
        severity: 'error',
      });
      continue;
    }
    articles.push(article);
    bySlug.set(article.slug, article);
    for (const cause of article.causes) byCauseId.set(cause.id, cause);
  }
  checkQuestions(articles, problems);
  const internal = new Set(
    articles.filter((article) => article.visibility === 'internal').map((article) => article.slug),
  );
  articles.forEach((article, position) => {
    for (const slug of article.related) {
      if (!bySlug.has(slug)) {
        problems.push({
          file: article.file,
          line: 1,
          field: 'related',
          message: `related article "${slug}" does not exist`,
          severity: 'warning',
        });
      }
    }
    if (article.visibility === 'public' && internal.size > 0) {
      const hidden = hideInternalReferences(article, internal, problems);
      articles[position] = hidden;
      bySlug.set(hidden.slug, hidden);
    }
  });
  return { articles, bySlug, causes: articles.flatMap((article) => article.causes), byCauseId, problems };
}

/** A question shared by id must offer the same options everywhere, or the answers cannot be compared. */
function checkQuestions(articles: Article[], problems: ArticleProblem[]): void {
  const first = new Map<string, { options: string; file: string }>();
  for (const article of articles) {
    for (const cause of article.causes) {
      for (const question of cause.questions) {
        const options = JSON.stringify(question.options);
        const seen = first.get(question.id);
        if (!seen) first.set(question.id, { options, file: article.file });
        else if (seen.options !== options) {
          problems.push({
            file: article.file,
            line: 1,
            field: 'causes.questions',
            message: `question "${question.id}" offers other options than in ${seen.file}; the chat uses that file's`,
            severity: 'warning',
          });
        }
      }
    }
  }
}

const links = new WeakMap<Article, string[]>();

/** The articles an article's text links to, by slug: read from its body once per article object. */
export function articleLinks(article: Article): string[] {
  let found = links.get(article);
  if (!found) {
    found = [...new Set(Array.from(article.body.matchAll(ARTICLE_LINK), (match) => match[2]!))];
    links.set(article, found);
  }
  return found;
}

/** Links already known (a prebuilt library stores them), so the body need not be read for them. */
export function rememberLinks(article: Article, slugs: string[]): void {
  links.set(article, slugs);
}

const ARTICLE_LINK = /\[([^[\]]{0,1000})\]\(\/articles\/([a-z0-9-]{1,200})(#[^()]{0,200})?\)/g;

/**
 * A public article must not point at an internal one: the public would see its slug and title
 * in a link. Such links become plain text and such related entries are dropped, for everyone,
 * and the author is told.
 */
function hideInternalReferences(article: Article, internal: Set<string>, problems: ArticleProblem[]): Article {
  // Most articles link to no internal one: known from their links alone, without reading their text.
  if (!articleLinks(article).some((slug) => internal.has(slug)) && !article.related.some((slug) => internal.has(slug)))
    return article;
  const linked = new Set<string>();
  const strip = (markdown: string): string =>
    markdown.replace(ARTICLE_LINK, (match, text: string, slug: string) => {
      if (!internal.has(slug)) return match;
      linked.add(slug);
      return text;
    });
  // A changed copy, never the parsed article itself: a cached parse may serve the next build.
  const hidden: Article = {
    ...article,
    body: strip(article.body),
    sections: article.sections.map((section) => ({ ...section, markdown: strip(section.markdown) })),
    steps: article.steps.map((step) => ({ ...step, markdown: strip(step.markdown) })),
    related: article.related.filter((slug) => {
      if (internal.has(slug)) linked.add(slug);
      return !internal.has(slug);
    }),
  };
  for (const slug of linked) {
    problems.push({
      file: article.file,
      line: 1,
      field: 'body',
      message: `public article refers to internal article "${slug}"; the reference is hidden so the public never sees it`,
      severity: 'warning',
    });
  }
  return linked.size > 0 ? hidden : article;
}

/** A problem as one line, the way linters print them: `file:line field: message`. */
export function formatProblem(problem: ArticleProblem): string {
  return `${problem.file}:${problem.line} ${problem.severity} ${problem.field}: ${problem.message}`;
}
