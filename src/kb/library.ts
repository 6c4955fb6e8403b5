import { buildKnowledgeBase, type KnowledgeBase } from './knowledge-base.ts';
import type { ParsedArticle } from './parse-article.ts';
import { buildSearchIndex, type SearchIndex, updateSearchIndex } from './search-index.ts';
import type { ArticleSource } from './types.ts';

/** A knowledge base and its search index: what every request reads, swapped whole on reload. */
export interface Library {
  kb: KnowledgeBase;
  index: SearchIndex;
  loadedAt: Date;
}

export function buildLibrary(
  sources: ArticleSource[],
  loadedAt: Date,
  parse?: (source: ArticleSource) => ParsedArticle,
): Library {
  const kb = buildKnowledgeBase(sources, parse);
  return { kb, index: buildSearchIndex(kb), loadedAt };
}

/**
 * The library after a change: files whose text did not change keep their parsed article (from
 * `parse`, which the caller caches), and the index is updated from the previous one for the
 * articles that did change.
 */
export function rebuildLibrary(
  previous: Library,
  sources: ArticleSource[],
  parse: (source: ArticleSource) => ParsedArticle,
  loadedAt: Date,
): Library {
  const kb = buildKnowledgeBase(sources, parse);
  return { kb, index: updateSearchIndex(previous, kb), loadedAt };
}
