import { isNegation, termsOf, tokenize } from '../kb/vocabulary.ts';

/** A phrase as the author wrote it and as the terms it is matched by. */
export interface CompiledPhrase {
  text: string;
  terms: string[];
  /** Matched word for word, small words included. */
  exact: boolean;
}

/**
 * Most phrases match on their meaningful words only, so "token has expired" also finds "the
 * token expired". A phrase keeps its small words when they carry the meaning: a negation ("no
 * credentials were provided") or a name such as `NotBeforeError` that would shrink to "error".
 */
export function compilePhrase(text: string): CompiledPhrase {
  const words = tokenize(text);
  const content = termsOf(text);
  const exact = words.some(isNegation) || (words.length > 1 && content.length < 2);
  return { text, terms: exact ? termsOf(text, true) : content, exact };
}

export function compilePhrases(phrases: string[]): CompiledPhrase[] {
  return phrases.map(compilePhrase).filter((phrase) => phrase.terms.length > 0);
}

/**
 * The terms of one or more texts with their positions, so that hundreds of phrases can be
 * checked against a long paste without rescanning it for each phrase.
 */
export class TermPositions {
  private readonly content: Map<string, number[]>;
  private readonly all: Map<string, number[]>;

  constructor(texts: string[]) {
    this.content = positionsOf(texts, false);
    this.all = positionsOf(texts, true);
  }

  /** Whether the phrase's terms occur one after another somewhere. */
  matches(phrase: CompiledPhrase): boolean {
    const positions = phrase.exact ? this.all : this.content;
    const [first, ...rest] = phrase.terms;
    const starts = first === undefined ? undefined : positions.get(first);
    if (!starts) return false;
    if (rest.length === 0) return true;
    const followers = rest.map((term) => positions.get(term));
    if (followers.some((list) => !list)) return false;
    const sets = followers.map((list) => new Set(list));
    return starts.some((start) => sets.every((set, index) => set.has(start + index + 1)));
  }
}

function positionsOf(texts: string[], keepStopWords: boolean): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  let offset = 0;
  for (const text of texts) {
    for (const term of termsOf(text, keepStopWords)) {
      let list = positions.get(term);
      if (!list) positions.set(term, (list = []));
      list.push(offset);
      offset += 1;
    }
    // A gap between texts keeps a phrase from spanning two of them.
    offset += 1;
  }
  return positions;
}
