/** What the knowledge base is made of, after validation. */

export type Visibility = 'public' | 'internal';

export interface Signals {
  /** HTTP statuses where the cause shows up. */
  status: number[];
  /** Machine error codes (`error` fields, `WWW-Authenticate` error attribute), lower case. */
  error: string[];
  /** Literal error texts and symptom descriptions, matched word by word. */
  phrases: string[];
  /**
   * Mechanism words: how people tell this cause in their own words, one to three words each
   * (preflight, SameSite, `trust proxy`, clock, sandbox). Each counts a little, and less when
   * other causes declare the same word, so a story is read without its canonical phrase.
   */
  words: string[];
  /** Fact ids the engine extracts (`jwt.expired`, `auth.scheme-missing`, …). */
  facts: string[];
}

export interface Step {
  id: string;
  title: string;
  markdown: string;
}

/**
 * `auth`: an authentication or authorization failure. `lookalike`: a neighbour that looks like
 * one and is not (an exhausted quota, a TLS failure); leading with it means "not an auth problem".
 */
export type CauseKind = 'auth' | 'lookalike';

export interface Cause {
  id: string;
  kind: CauseKind;
  title: string;
  description: string;
  signals: Signals;
  /** Step ids in the order that fixes this cause. */
  stepIds: string[];
  articleSlug: string;
  /** Questions that tell this cause apart, with the answer it gives. */
  questions: CauseQuestion[];
}

/**
 * A question the chat can ask, as one cause declares it: the same `id` under several causes is
 * one question; each cause says which of its options it gives ("expect"), and every other
 * option counts against it.
 */
export interface CauseQuestion {
  id: string;
  ask: string;
  options: string[];
  expect: string[];
  /** Ways people answer in their own words, per option ("never worked" → "From the very first call"). */
  hints?: Record<string, string[]>;
}

export interface Section {
  /** Anchor id: the `{#id}` the author gave, or one derived from the heading. */
  id: string;
  heading: string;
  level: number;
  markdown: string;
}

export interface Article {
  slug: string;
  /** Path the article was read from, relative to the articles folder. */
  file: string;
  title: string;
  summary: string;
  visibility: Visibility;
  tags: string[];
  updated: string | null;
  related: string[];
  causes: Cause[];
  sections: Section[];
  steps: Step[];
  /** Markdown body without frontmatter. */
  body: string;
}

export type ProblemSeverity = 'error' | 'warning';

/** Something wrong with one article, located well enough for its author to fix it. */
export interface ArticleProblem {
  file: string;
  line: number;
  field: string;
  message: string;
  severity: ProblemSeverity;
}

/** A source file handed to the loader; where it came from is the entry's business. */
export interface ArticleSource {
  /** Path relative to the articles folder, e.g. `expired-access-token.md`. */
  file: string;
  text: string;
  /** Why the file could not be read (its text is then empty); reported as a problem for that file. */
  unreadable?: string;
  /**
   * The text's digest (`textDigest`), when the text itself was let go: a server keeps only the
   * digests of thousands of files it has already parsed, and reads a file again when it changes.
   */
  digest?: string;
}
