import { extractFacts } from '../facts/extract-facts.ts';
import type { DecodedToken, Exchange, Observation } from '../facts/types.ts';
import { parseWwwAuthenticate, type Challenge } from '../facts/www-authenticate.ts';
import type { KnowledgeBase } from '../kb/knowledge-base.ts';
import type { SearchIndex } from '../kb/search-index.ts';
import type { Article } from '../kb/types.ts';
import { redactText } from '../redact/redact-secrets.ts';
import { observeInput, type DiagnoseInput } from './observe-input.ts';
import { CauseCatalogue, scoreCauses, type Evidence } from './score-causes.ts';

export interface ArticleRef {
  slug: string;
  title: string;
  url: string;
}

export interface CauseAnswer {
  id: string;
  title: string;
  confidence: number;
  article: ArticleRef;
  evidence: Evidence[];
  steps: Array<{ id: string; title: string; markdown: string }>;
}

export interface Finding {
  entry: number;
  method: string | null;
  url: string | null;
  status: number | null;
  wwwAuthenticate: Challenge[];
  tokens: DecodedToken[];
  bodyExcerpt: string | null;
}

export interface Diagnosis {
  input: { kind: Observation['kind']; entries: number; failing: number };
  causes: CauseAnswer[];
  findings: Finding[];
  articles: ArticleRef[];
}

export interface DiagnoseContext {
  kb: KnowledgeBase;
  index: SearchIndex;
  /** The clock, called only for inputs that carry no time of their own. */
  clock: () => Date;
  includeInternal: boolean;
}

const BODY_EXCERPT_CHARS = 500;
const RELATED_ARTICLES = 3;
const catalogues = new WeakMap<KnowledgeBase, CauseCatalogue>();

/** Compile a knowledge base's causes once; a reloaded knowledge base gets its own. */
function catalogueFor(kb: KnowledgeBase): CauseCatalogue {
  let catalogue = catalogues.get(kb);
  if (!catalogue) catalogues.set(kb, (catalogue = new CauseCatalogue(kb)));
  return catalogue;
}

export function articleRef(article: Article): ArticleRef {
  return { slug: article.slug, title: article.title, url: `/articles/${article.slug}` };
}

/** normalise → extract facts → score causes → answer. */
export function diagnose(input: DiagnoseInput, context: DiagnoseContext): Diagnosis {
  const observation = observeInput(input);
  return diagnoseObservation(observation, context);
}

export function diagnoseObservation(observation: Observation, context: DiagnoseContext): Diagnosis {
  const facts = extractFacts(observation, { clock: context.clock });
  const { causes: scored, textRanking } = scoreCauses(facts, catalogueFor(context.kb), context.index, { includeInternal: context.includeInternal });
  const showEntries = observation.kind === 'har';
  const causes = scored.map(({ cause, confidence, evidence }): CauseAnswer => {
    const article = context.kb.bySlug.get(cause.articleSlug)!;
    const steps = cause.stepIds.map((id) => article.steps.find((step) => step.id === id)!).filter(Boolean);
    return {
      id: cause.id,
      title: cause.title,
      confidence,
      article: articleRef(article),
      evidence: evidence.map(({ entry, ...rest }) => ({ ...rest, detail: redactText(rest.detail), ...(showEntries && entry !== undefined ? { entry } : {}) })),
      steps: steps.map((step) => ({ id: step.id, title: step.title, markdown: step.markdown })),
    };
  });
  const failing = observation.exchanges.filter(isFailing);
  const findings = failing.map((exchange) => findingOf(exchange, facts.tokens));
  return {
    input: { kind: observation.kind, entries: observation.exchanges.length, failing: failing.length },
    causes,
    findings,
    articles: relatedArticles(causes, textRanking, context),
  };
}

function isFailing(exchange: Exchange): boolean {
  const status = exchange.response?.status;
  return status === undefined || status === 0 || status >= 400;
}

function findingOf(exchange: Exchange, tokens: DecodedToken[]): Finding {
  const response = exchange.response;
  const request = exchange.request;
  const challenges = (response?.headers ?? [])
    .filter((header) => /^www-authenticate$/i.test(header.name))
    .flatMap((header) => parseWwwAuthenticate(header.value))
    .map((challenge) => ({ ...challenge, params: Object.fromEntries(Object.entries(challenge.params).map(([name, value]) => [name, redactText(value)])) }));
  const body = response?.body;
  return {
    entry: exchange.index,
    method: request?.method ?? null,
    url: request ? redactText(request.url) : null,
    status: response?.status ?? null,
    wwwAuthenticate: challenges,
    tokens,
    bodyExcerpt: body ? redactText(body.slice(0, BODY_EXCERPT_CHARS)) + (body.length > BODY_EXCERPT_CHARS ? '…' : '') : null,
  };
}

/** Further reading: the top cause's related articles, then the articles the input's words fit best. */
function relatedArticles(causes: CauseAnswer[], textRanking: string[], context: DiagnoseContext): ArticleRef[] {
  if (causes.length === 0) return [];
  const shown = new Set(causes.map((cause) => cause.article.slug));
  const related: ArticleRef[] = [];
  const push = (article: Article | undefined): void => {
    if (!article || shown.has(article.slug) || related.length >= RELATED_ARTICLES) return;
    if (article.visibility === 'internal' && !context.includeInternal) return;
    shown.add(article.slug);
    related.push(articleRef(article));
  };
  const top = context.kb.bySlug.get(causes[0]!.article.slug);
  for (const slug of top?.related ?? []) push(context.kb.bySlug.get(slug));
  for (const causeId of textRanking) push(context.kb.bySlug.get(context.kb.byCauseId.get(causeId)?.articleSlug ?? ''));
  return related;
}
