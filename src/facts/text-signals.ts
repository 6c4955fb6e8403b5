import type { FactSet } from './types.ts';

/** HTTP statuses that mean something in an error report; anything else is just a number. */
const ERROR_STATUSES = new Set([
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424,
  425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** Words people use for a status instead of its number. */
const STATUS_WORDS: Array<[RegExp, number]> = [
  [/\bunauthori[sz]ed\b/i, 401],
  [/\bforbidden\b/i, 403],
  [/\btoo many requests\b/i, 429],
  [/\b(?:status(?: code)?|returns?|got|get|with)\s+0\b|\(failed\)|net::ERR_FAILED/i, 0],
];

/**
 * Statuses a person mentions in free text: `401`, `HTTP 403`, "unauthorized". Numbers that
 * are part of something else (`:443`, `IDX10223`, `2026-04-01`) are not statuses.
 */
export function readStatusesInText(text: string): number[] {
  const found = new Set<number>();
  for (const match of text.slice(0, 65_536).matchAll(/(?<![\w:.\-/])([1-5]\d\d)(?![\w.\-/:])/g)) {
    const status = Number(match[1]);
    if (ERROR_STATUSES.has(status)) found.add(status);
  }
  for (const [pattern, status] of STATUS_WORDS) {
    if (pattern.test(text.slice(0, 65_536))) found.add(status);
  }
  return [...found];
}

/** Error codes defined by OAuth 2.0 (RFC 6749, 6750) and OpenID Connect, recognised in free text. */
const OAUTH_ERROR_CODES =
  /\b(invalid_request|invalid_token|insufficient_scope|invalid_client|invalid_grant|unauthorized_client|unsupported_grant_type|invalid_scope|access_denied|login_required|interaction_required|consent_required|expired_token)\b/gi;

/** OAuth error codes named in a text, each recorded once per exchange. */
export function readErrorCodesInText(text: string, set: FactSet, where: string, entry?: number): void {
  for (const match of text.matchAll(OAUTH_ERROR_CODES)) {
    const code = match[1]!.toLowerCase();
    if (!set.errorCodes.some((found) => found.code === code && found.entry === entry))
      set.errorCodes.push({ code, where, ...(entry !== undefined ? { entry } : {}) });
  }
}

const HOW_TO =
  /^\s*(?:how (?:do|can|should|would) (?:i|we|you|one)|how to|where (?:do|can) (?:i|we)|is (?:it|there a way) (?:possible )?to|can (?:i|we) (?:change|set|add|configure|make|turn|enable|disable|export|invite))\b/i;
const FAILURE =
  /\b(?:error|errors|fail\w*|denied|reject\w*|invalid|expired|unauthori[sz]ed|forbidden|blocked|broken|doesn'?t work|not working|stopped|can'?t|cannot|won'?t|401|403|429)\b/i;

/** "How do I change the session timeout?" is a question for the docs, not a failure to diagnose. */
export function isHowToQuestion(text: string): boolean {
  return HOW_TO.test(text) && !FAILURE.test(text.slice(0, 2000));
}
