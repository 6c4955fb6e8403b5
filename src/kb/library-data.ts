import type { KnowledgeBase } from './knowledge-base.ts';
import type { Library } from './library.ts';
import { INDEX_FORMAT, loadSearchIndex, type SerialisedIndex, serialiseSearchIndex } from './search-index.ts';
import type { Article, ArticleProblem } from './types.ts';

/**
 * A library as plain data: validated articles and their prebuilt index. `npm run build` writes
 * it; the Worker imports it, so an edge location answers without parsing a single article.
 * Loading needs neither gray-matter nor a file system.
 */
export interface LibraryData {
  format: number;
  builtAt: string;
  articles: Article[];
  problems: ArticleProblem[];
  index: SerialisedIndex;
}

export function serialiseLibrary(library: Library): LibraryData {
  return {
    format: INDEX_FORMAT,
    builtAt: library.loadedAt.toISOString(),
    articles: library.kb.articles,
    problems: library.kb.problems,
    index: serialiseSearchIndex(library.index),
  };
}

export function loadLibrary(data: LibraryData): Library {
  if (data.format !== INDEX_FORMAT)
    throw new Error(`library data: format ${data.format} is not ${INDEX_FORMAT}; run \`npm run build\` again`);
  const kb: KnowledgeBase = {
    articles: data.articles,
    bySlug: new Map(data.articles.map((article) => [article.slug, article])),
    causes: data.articles.flatMap((article) => article.causes),
    byCauseId: new Map(data.articles.flatMap((article) => article.causes.map((cause) => [cause.id, cause] as const))),
    problems: data.problems,
  };
  return { kb, index: loadSearchIndex(data.index), loadedAt: new Date(data.builtAt) };
}
