import { buildKnowledgeBase, type KnowledgeBase } from './knowledge-base.ts';
import { buildSearchIndex, type SearchIndex } from './search-index.ts';
import type { ArticleSource } from './types.ts';

/** A knowledge base and its search index: what every request reads, swapped whole on reload. */
export interface Library {
  kb: KnowledgeBase;
  index: SearchIndex;
  loadedAt: Date;
}

export function buildLibrary(sources: ArticleSource[], loadedAt: Date): Library {
  const kb = buildKnowledgeBase(sources);
  return { kb, index: buildSearchIndex(kb), loadedAt };
}
