import { stemmer } from 'stemmer';

/**
 * The words of API-auth troubleshooting, shared by the search index and by phrase matching so
 * that an article phrase, a pasted error and a typed query meet on the same terms.
 */

/** Words that carry no meaning for finding a cause. */
const STOP_WORDS = new Set(
  `a about after again all also am an and any are as at be been being but by can could
  did do does doing done for from get gets getting got had has have having he her here his how i
  if in into is it its itself just me my myself no nor not of off on once only or other our ours
  out over own same she should so some such than that the their them then there these they this
  those through to too under until up very was we were what when where which while who whom why
  will with without would you your yours yourself us im ive dont doesnt didnt cant isnt wasnt arent never cannot
  since every each still even yet now today yesterday tomorrow morning evening week weeks day days
  ok okay fine just really actually basically please thanks hi hello etc eg ie fwiw btw`
    .split(/\s+/)
    .filter(Boolean),
);

/**
 * Words that mean the same thing in this field. Each maps to the canonical term both sides of
 * a comparison use, before stemming.
 */
// A Map, not an object: a word such as "constructor" must not find Object's own members.
const SYNONYMS = new Map<string, string>(
  Object.entries({
    unauthorized: '401',
    unauthorised: '401',
    unauthenticated: '401',
    forbidden: '403',
    expired: 'expire',
    expires: 'expire',
    expiry: 'expire',
    expiration: 'expire',
    expiring: 'expire',
    expir: 'expire',
    jwt: 'token',
    jwts: 'token',
    tokens: 'token',
    auth: 'auth',
    authn: 'auth',
    authz: 'auth',
    authorization: 'auth',
    authorisation: 'auth',
    authentication: 'auth',
    authenticate: 'auth',
    authenticated: 'auth',
    authenticating: 'auth',
    authorize: 'auth',
    authorise: 'auth',
    authorized: 'auth',
    authorised: 'auth',
    logged: 'log',
    login: 'log',
    logon: 'log',
    signin: 'log',
    throttled: 'throttle',
    throttling: 'throttle',
    cookies: 'cookie',
  }),
);

const HAS_CASE_CHANGE = /\p{Ll}\p{Lu}/u;

/**
 * Names written in camelCase that are one word to the people who write them: `SameSite` is
 * "samesite", not "same" (a stop word) and "site"; `withCredentials` is one setting.
 */
const COMPOUND_WORDS = new Set([
  'samesite',
  'withcredentials',
  'httponly',
  'xmlhttprequest',
  'oauth',
  'openid',
  'webhook',
  'webhooks',
]);

/** Maximum length of a single term; longer runs (base64 blobs, signatures) are not words. */
const MAX_TERM_LENGTH = 40;

/**
 * Split text into raw words: runs of letters and digits, with camelCase split so that
 * `TokenExpiredError` reads as three words. Identifiers such as `IDX10223` stay whole.
 */
export function tokenize(text: string): string[] {
  const words: string[] = [];
  // "isn't", "doesn’t" → "is not", "does not": the negation survives as a word of its own.
  for (const match of text.replace(/n['’]t\b/gi, ' not').matchAll(/[\p{L}\p{N}]+/gu)) {
    const run = match[0];
    if (!IDEOGRAPHIC.test(run)) {
      pushWord(run, words);
      continue;
    }
    for (const part of run.match(IDEOGRAPHIC_PARTS) ?? []) {
      if (IDEOGRAPHIC.test(part)) words.push(part);
      else pushWord(part, words);
    }
  }
  return words;
}

/**
 * Chinese, Japanese and Korean are written without spaces between words (Korean joins its
 * particles to the word), so each of their characters is a word of its own here, and a word
 * such as 过期 or 만료 is matched as its characters one after another.
 */
const IDEOGRAPHIC = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const IDEOGRAPHIC_PARTS =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;

function pushWord(run: string, words: string[]): void {
  if (run.length > MAX_TERM_LENGTH) return;
  if (!HAS_CASE_CHANGE.test(run) || COMPOUND_WORDS.has(run.toLowerCase())) words.push(run);
  else for (const part of run.split(/(?<=\p{Ll})(?=\p{Lu})/u)) words.push(part);
}

/** Words already normalised; a knowledge base has a few tens of thousands of distinct words. */
const termCache = new Map<string, string | null>();
const MAX_CACHED_TERMS = 200_000;

/** Normalise one raw word to its index term, or `null` for a word that carries no meaning. */
export function processTerm(word: string): string | null {
  let term = termCache.get(word);
  if (term === undefined) {
    term = normaliseWord(word);
    if (termCache.size >= MAX_CACHED_TERMS) termCache.clear();
    termCache.set(word, term);
  }
  return term;
}

/**
 * A number gets a mark so that no term looks like an array index. The first index (MiniSearch)
 * kept matches in objects keyed by term, where V8 stores "401" as a sparse array slot and lists
 * it first; the term index keeps the mark so that its terms, and the evidence that shows them,
 * stay what they were.
 */
function markNumber(term: string): string {
  return /^\d+$/.test(term) ? `${term}_` : term;
}

function normaliseWord(word: string): string | null {
  const lower = word.toLowerCase();
  if (STOP_WORDS.has(lower)) return null;
  const canonical = SYNONYMS.get(lower);
  if (canonical) return markNumber(canonical);
  // A bare small number ("2 days", "step 3") says nothing; statuses and codes are kept.
  if (/^\d{1,2}$/.test(lower) || /^v\d{1,2}$/.test(lower)) return null;
  if (/\d/.test(lower)) return markNumber(lower);
  const stem = stemmer(lower);
  return SYNONYMS.get(stem) ?? stem;
}

/**
 * The terms of a text, in order. Stop words are removed unless `keepStopWords`, which keeps
 * them lower-cased: "not before" and "no credentials" need their small words to mean anything.
 */
export function termsOf(text: string, keepStopWords = false): string[] {
  const terms: string[] = [];
  for (const word of tokenize(text)) {
    const term = processTerm(word) ?? (keepStopWords && !isFiller(word) ? keptWord(word) : null);
    if (term) terms.push(term);
  }
  return terms;
}

/** Articles and auxiliaries: even a word-for-word match reads past them ("no credentials were provided"). */
const FILLER = new Set([
  'a',
  'an',
  'the',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'has',
  'have',
  'had',
  'do',
  'does',
  'did',
]);

export function isFiller(word: string): boolean {
  return FILLER.has(word.toLowerCase());
}

/** A stop word kept for meaning; every negation reads as `not` ("no", "never", "without"). */
function keptWord(word: string): string {
  const lower = word.toLowerCase();
  return NEGATIONS.has(lower) ? 'not' : lower;
}

const NEGATIONS = new Set([
  'no',
  'not',
  'nor',
  'never',
  'without',
  'cannot',
  'cant',
  'dont',
  'doesnt',
  'didnt',
  'isnt',
  'wasnt',
  'arent',
]);

/** Whether a word turns the meaning of what follows around. */
export function isNegation(word: string): boolean {
  return NEGATIONS.has(word.toLowerCase());
}
