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
