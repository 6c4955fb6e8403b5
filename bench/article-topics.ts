import { COMMERCE_TOPICS } from './topics/commerce.ts';
import { DATA_TOPICS } from './topics/data.ts';
import { DEVELOPER_TOPICS } from './topics/developer.ts';
import { IDENTITY_TOPICS } from './topics/identity.ts';
import { PRODUCT_TOPICS } from './topics/product.ts';

/**
 * The topic families of a generated company knowledge base: billing, shipping, SSO, webhooks
 * and twenty more, each with its own products, nouns, verbs, settings, error codes and failure
 * wordings. Lists are ordered most used first (generation picks from them with Zipf weights).
 * Messages and sentences take `{slots}` (see article-prose.ts and generate-articles.ts).
 */

export interface Failure {
  /** Part of the cause id: `{family}-{id}-{article}`. */
  id: string;
  title: string;
  statuses: number[];
  /** Machine error codes the product prints for it. */
  codes: string[];
  /** Error texts as customers paste them. */
  messages: string[];
  /** Why it happens, in a sentence or two. */
  explanation: string;
  /** Resolution step titles, in order. */
  fixes: string[];
  /** `auth` for failures that are authentication or authorization; the rest are lookalikes. */
  kind?: 'auth';
}

export interface TopicFamily {
  id: string;
  area: string;
  codePrefix: string;
  /** The API path segment: /v2/{resource}. */
  resource: string;
  products: string[];
  nouns: string[];
  verbs: string[];
  settings: string[];
  places: string[];
  sentences: string[];
  failures: Failure[];
  /** Code blocks only this area would show, fenced with their language. */
  snippets: string[];
}

export const TOPIC_FAMILIES: TopicFamily[] = [
  ...COMMERCE_TOPICS,
  ...IDENTITY_TOPICS,
  ...DEVELOPER_TOPICS,
  ...DATA_TOPICS,
  ...PRODUCT_TOPICS,
];
