import {
  base64url,
  type CryptoKey,
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';

/** Where the key set is and how often it may be fetched. */
export interface KeySetOptions {
  url: URL;
  /** A fetch (connection, headers and body) that takes longer fails. */
  timeoutMs: number;
  /** After any fetch starts, no other starts for this long. */
  cooldownMs: number;
  /** A set older than this is refreshed in the background; the old set keeps serving. */
  maxAgeMs: number;
  now: () => number;
}

/** The key set could not be fetched, so a token naming a key not in hand cannot be checked. */
export class KeySetUnavailable extends Error {
  override readonly name = 'KeySetUnavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export type KeyLookup = (protectedHeader: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;
type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

interface Attempt {
  startedAt: number;
  done: Promise<void>;
}

const ACCEPT = 'application/json, application/jwk-set+json';
/** How long past its timeout an unsettled fetch is given up on (on Workers, a fetch whose request ended never settles). */
const ABANDON_AFTER_TIMEOUT_MS = 1_000;
/** `iat` is in whole seconds: a token stamped in the second a fetch started may still be newer than it. */
const IAT_RESOLUTION_MS = 1_000;

/**
 * The identity provider's key set, fetched and kept here rather than by jose's remote set, so
 * that an outage is told as an outage. A token whose `kid` is not in the set in hand is refused
 * as a bad token only when a successful fetch made after the token was issued lacks its key;
 * when the set could not be fetched, or predates the token and the cooldown forbids fetching
 * again, the answer is "unavailable" with when to retry. Fetches, failed or not, start at most
 * once per cooldown whoever asks, concurrent askers share one, and known keys need none.
 */
export function createKeySet(options: KeySetOptions): KeyLookup {
  const { url, timeoutMs, cooldownMs, maxAgeMs, now } = options;
  let keys: LocalKeySet | undefined;
  /** When the fetch that brought the set in hand started. */
  let fetchedAt = -Infinity;
  let lastStartedAt = -Infinity;
  /** Why the latest fetch failed; undefined once it succeeded. */
  let lastFailure: string | undefined;
  let attempts = 0;
  let inFlight: Attempt | undefined;

  function pending(): Attempt | undefined {
    if (inFlight && now() >= inFlight.startedAt + timeoutMs + ABANDON_AFTER_TIMEOUT_MS) {
      inFlight = undefined;
      lastFailure = `did not answer within ${timeoutMs} ms`;
    }
    return inFlight;
  }

  function startFetchIfAllowed(): Attempt | undefined {
    if (pending() || now() < lastStartedAt + cooldownMs) return undefined;
    const sequence = ++attempts;
    const startedAt = now();
    lastStartedAt = startedAt;
    const attempt: Attempt = {
      startedAt,
      done: downloadKeySet(url, timeoutMs).then(
        (fetched) => {
          if (sequence !== attempts) return;
          keys = fetched;
          fetchedAt = startedAt;
          lastFailure = undefined;
        },
        (error: unknown) => {
          if (sequence === attempts) lastFailure = error instanceof Error ? error.message : 'could not be fetched';
        },
      ),
    };
    void attempt.done.finally(() => {
      if (inFlight === attempt) inFlight = undefined;
    });
    inFlight = attempt;
    return attempt;
  }

  function unavailable(why = lastFailure ?? 'has not been fetched yet'): KeySetUnavailable {
    const waitMs = Math.max(lastStartedAt + cooldownMs - now(), 0);
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new KeySetUnavailable(
      `the identity provider's key set ${why}, so this token's key cannot be checked; try again in ${seconds} s`,
      seconds,
    );
  }

  /** Whether the token may have been signed with a key published after the set in hand was fetched. */
  function mayPredate(token: FlattenedJWSInput): boolean {
    const issuedAt = issuedAtMs(token);
    return issuedAt !== undefined && issuedAt + IAT_RESOLUTION_MS > fetchedAt;
  }

  /** Wait for the shared fetch, but never longer than a fetch may take. */
  async function settled(attempt: Attempt): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs + ABANDON_AFTER_TIMEOUT_MS);
    });
    try {
      return await Promise.race([attempt.done.then(() => true as const), gaveUp]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Join the fetch under way or start one if the cooldown allows; true once one has settled. */
  async function refresh(): Promise<boolean> {
    const attempt = pending() ?? startFetchIfAllowed();
    if (!attempt) return false;
    if (!(await settled(attempt))) throw unavailable();
    return true;
  }

  return async (protectedHeader, token) => {
    let refreshedForThisToken = false;
    if (!keys) {
      refreshedForThisToken = await refresh();
    } else if (now() >= fetchedAt + maxAgeMs) {
      startFetchIfAllowed();
    }
    if (!keys) throw unavailable();
    try {
      return await keys(protectedHeader, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    }
    if (!refreshedForThisToken) refreshedForThisToken = await refresh();
    if (lastFailure !== undefined || !keys) throw unavailable();
    if (!refreshedForThisToken && mayPredate(token))
      throw unavailable('in hand was fetched before this token was issued and the next fetch is not due yet');
    // A fetch made after the token was issued does not publish its key: the token is what is wrong.
    return keys(protectedHeader, token);
  };
}

/** The token's `iat` in milliseconds, read before its signature is checked: used only to decide whether to wait for a fetch. */
function issuedAtMs(token: FlattenedJWSInput): number | undefined {
  try {
    const claims: unknown = JSON.parse(new TextDecoder().decode(base64url.decode(token.payload)));
    const iat = (claims as { iat?: unknown } | null)?.iat;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : undefined;
  } catch {
    return undefined;
  }
}

async function downloadKeySet(url: URL, timeoutMs: number): Promise<LocalKeySet> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { method: 'GET', headers: { accept: ACCEPT }, redirect: 'manual', signal });
  } catch {
    throw new Error(signal.aborted ? `did not answer within ${timeoutMs} ms` : 'could not be reached');
  }
  if (response.status < 200 || response.status > 299) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new Error(signal.aborted ? `did not answer within ${timeoutMs} ms` : 'did not answer with JSON');
  }
  try {
    return createLocalJWKSet(body as JSONWebKeySet);
  } catch {
    throw new Error('did not answer with a JSON Web Key Set (an object with a "keys" list)');
  }
}
