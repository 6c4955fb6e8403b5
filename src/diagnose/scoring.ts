/**
 * How much each kind of evidence counts toward a cause, in one documented object. Scores add
 * up; a cause needs `minimumScore` to be named at all, so a bare "401" or a sentence that
 * only shares common words with an article leads to an honest "no cause found".
 */
export const SCORING = {
  /** The response status is one the cause shows up with. */
  status: 1,
  /** …when the status was only mentioned in words ("returns 401", "unauthorized"). */
  statusInferred: 0.75,
  /**
   * More for a real response status few causes show up with: this divided by the number of
   * causes declaring it, so a 407 or a 503 (one cause each) speaks louder than a 401 (most
   * causes). A status only mentioned in words does not get it: stories name numbers loosely.
   */
  rareStatus: 1.5,
  /** A real response status the cause never shows up with (a 500 is not a token problem). */
  statusMismatch: -3,
  statusMismatchInferred: -1.5,
  /** An auth-family status the cause's article does not list (AWS answers 400 for an expired token). */
  statusMismatchNear: -0.5,
  /** A machine error code the cause declares (`invalid_grant`, `insufficient_scope`). */
  errorCode: 2,
  /** The first literal phrase of the cause found in the input. */
  phrase: 3,
  /** Each further distinct phrase, up to `maxExtraPhrases`. */
  extraPhrase: 1.25,
  maxExtraPhrases: 3,
  /** Phrases whose words occur close together but not in order count this much less. */
  nearPhraseFactor: 0.6,
  /**
   * A mechanism word the cause declares, found in the input: each counts 1 / (the number of
   * causes that declare it), so "preflight" speaks for one cause and "session" for several.
   */
  word: 1.25,
  /** The words' sum counts up to this many points. */
  maxWordPoints: 3,
  /** A fact the cause declares (`jwt.expired`), extracted from the input itself. */
  fact: 5,
  /** The request failed in the network or TLS layer (DNS, refused, certificate), before any auth. */
  networkError: -4,
  /** The text asks how to do something and reports no failure. */
  howToQuestion: -3,
  /** Text relevance (0..1) of the input to the cause's article, times this. */
  textRelevance: 3.5,
  /** Below this relevance the text match is noise and counts nothing. */
  minimumRelevance: 0.3,
  /** Raw BM25+ score (as the term index computes it) at which the best text match counts in full. */
  fullRelevanceScore: 150,
  /** Fewest points a cause needs to be named. */
  minimumScore: 3,
  /**
   * Fewest points for a cause whose evidence is all soft (the words fit, a status was mentioned)
   * with no error code, known wording or fact of its own: a story must fit clearly to be named.
   * A lookalike needs only `minimumScore`: naming it raises no false alarm.
   */
  minimumSoftScore: 3.5,
  /** Causes scoring below this share of the best one are left out. */
  keepRatio: 0.4,
  /** Most causes returned. */
  maxCauses: 5,
  /** Confidence = (1 - e^(-score / confidenceScale)) weighted by the cause's share. */
  confidenceScale: 6,
} as const;

export type Scoring = typeof SCORING;
