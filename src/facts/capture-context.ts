import { isFailing } from './failing-exchange.ts';
import { durationInWords, registrableDomain } from './jwt.ts';
import { isTokenRequest } from './token-request.ts';
import { type Exchange, type Fact, headerValue, type Observation } from './types.ts';

/** At least this many 429 answers in one capture is a storm, not a blip. */
const STORM_SIZE = 3;
/** A redirect that lost the credential is looked for among this many entries before the failure. */
const REDIRECT_LOOKBACK = 20;

function isSuccess(exchange: Exchange): boolean {
  const status = exchange.response?.status ?? 0;
  return status >= 200 && status < 400;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function cookieNames(exchange: Exchange): Set<string> {
  const cookie = headerValue(exchange.request?.headers, 'cookie') ?? '';
  return new Set(
    cookie
      .split(';')
      .map((part) => part.split('=')[0]!.trim())
      .filter(Boolean),
  );
}

const hasAuthorization = (exchange: Exchange): boolean =>
  Boolean(headerValue(exchange.request?.headers, 'authorization')?.trim());

/**
 * Facts that only the whole capture can show: what earlier requests carried that the failing
 * one lacks, the preflight before a blocked call, a redirect that dropped the credential, the
 * same endpoint working earlier, and storms of 429s.
 */
export function captureContextFacts(observation: Observation): Fact[] {
  const facts: Fact[] = [];
  const exchanges = observation.exchanges;
  const add = (id: string, entry: number, detail: string): void => {
    facts.push({ id, source: 'request', entry, detail });
  };
  // Each URL is parsed once; each failing exchange looks back only at its own host.
  const urls = exchanges.map((exchange) => parse(exchange.request?.url ?? ''));
  const byHost = new Map<string, number[]>();
  urls.forEach((url, position) => {
    if (!url) return;
    const list = byHost.get(url.host) ?? [];
    list.push(position);
    byHost.set(url.host, list);
  });
  exchanges.forEach((exchange, position) => {
    if (!isFailing(exchange) || !exchange.request) return;
    const url = urls[position];
    if (!url) return;
    // Earlier exchanges with the same host, nearest first.
    const beforePositions = byHost
      .get(url.host)!
      .filter((other) => other < position)
      .reverse();
    const before = beforePositions.map((other) => exchanges[other]!);

    const workedAt = beforePositions.find(
      (other) =>
        isSuccess(exchanges[other]!) &&
        exchanges[other]!.request!.method === exchange.request!.method &&
        urls[other]?.pathname === url.pathname,
    );
    const worked = workedAt === undefined ? undefined : exchanges[workedAt]!;
    if (worked) {
      const gap =
        exchange.startedAt && worked.startedAt
          ? ` ${durationInWords(exchange.startedAt.getTime() - worked.startedAt.getTime())} earlier`
          : '';
      add(
        'endpoint.worked-earlier',
        exchange.index,
        `${exchange.request.method} ${url.pathname} succeeded at entry ${worked.index}${gap}`,
      );
    }

    if (!hasAuthorization(exchange) && !observation.capture?.sanitized && !isTokenRequest(exchange.request)) {
      const redirect = exchanges
        .slice(Math.max(0, position - REDIRECT_LOOKBACK), position)
        .reverse()
        .find((other) => other.redirectTo && sameResource(other.redirectTo, url) && hasAuthorization(other));
      if (redirect) {
        add(
          'redirect.dropped-credential',
          exchange.index,
          `entry ${redirect.index} (${redirect.response?.status}) redirected to ${url.origin}${url.pathname} and the Authorization header it carried was not sent again`,
        );
        add(
          'auth.header-missing',
          exchange.index,
          `entry ${exchange.index} carries no Authorization header after the redirect`,
        );
      } else {
        const carried = before.find(hasAuthorization);
        if (carried)
          add(
            'auth.header-missing',
            exchange.index,
            `entry ${exchange.index} carries no Authorization header, while entry ${carried.index} to ${url.host} did`,
          );
      }
    }

    const previous = before.find((other) => cookieNames(other).size > 0);
    if (previous && !observation.capture?.sanitized) {
      const cookies = cookieNames(exchange);
      const dropped = [...cookieNames(previous)].filter((name) => !cookies.has(name));
      if (dropped.length > 0)
        add(
          'cookie.dropped',
          exchange.index,
          `entry ${exchange.index} no longer sends the cookie${dropped.length > 1 ? 's' : ''} ${dropped.slice(0, 5).join(', ')} that entry ${previous.index} sent`,
        );
    }

    readSameSiteWithheld(exchange, before, url, add);

    if (exchange.request.method !== 'OPTIONS') readPreflight(exchange, before, url, add);
    else if ((exchange.response?.status ?? 0) >= 400)
      add(
        'cors.preflight-failed',
        exchange.index,
        `the preflight OPTIONS ${url.pathname} itself failed with ${exchange.response?.status}: preflights carry no credentials, so it must not require them`,
      );
  });

  const storm = exchanges.filter((exchange) => exchange.response?.status === 429);
  if (storm.length >= STORM_SIZE) {
    const first = storm[0]!;
    const last = storm.at(-1)!;
    const span =
      first.startedAt && last.startedAt
        ? ` within ${durationInWords(last.startedAt.getTime() - first.startedAt.getTime())}`
        : '';
    add(
      'ratelimit.storm',
      first.index,
      `${storm.length} responses were 429 Too Many Requests${span} (entries ${storm
        .slice(0, 5)
        .map((exchange) => exchange.index)
        .join(', ')}${storm.length > 5 ? ', …' : ''})`,
    );
  }
  return facts;
}

/**
 * A cookie set earlier by this host without `SameSite=None` (browsers read a missing attribute
 * as `Lax`) is not sent on a cross-site request: one whose Origin or Referer is another site.
 */
function readSameSiteWithheld(
  exchange: Exchange,
  before: Exchange[],
  url: URL,
  add: (id: string, entry: number, detail: string) => void,
): void {
  const from = headerValue(exchange.request?.headers, 'origin') ?? headerValue(exchange.request?.headers, 'referer');
  const fromHost = from ? parse(from)?.hostname : undefined;
  if (!fromHost || registrableDomain(fromHost) === registrableDomain(url.hostname)) return;
  const sent = cookieNames(exchange);
  for (const earlier of before) {
    for (const header of earlier.response?.headers ?? []) {
      if (!/^set-cookie$/i.test(header.name)) continue;
      for (const line of header.value.split('\n')) {
        const name = line.split('=')[0]!.trim();
        const sameSite = /;\s*samesite\s*=\s*(\w+)/i.exec(line)?.[1]?.toLowerCase() ?? 'lax (the default)';
        if (!name || sent.has(name) || sameSite === 'none') continue;
        add(
          'cookie.samesite-withheld',
          exchange.index,
          `the cookie ${name} set by entry ${earlier.index} has SameSite=${sameSite === 'lax (the default)' ? "Lax (no attribute: the browsers' default)" : sameSite}, and entry ${exchange.index} is a cross-site request from ${fromHost}, so the browser did not send it`,
        );
        return;
      }
    }
  }
}

function sameResource(target: string, url: URL): boolean {
  const parsed = parse(target);
  return Boolean(parsed && parsed.host === url.host && parsed.pathname === url.pathname);
}

/** The preflight before a blocked or failed cross-origin call, and what it did not allow. */
function readPreflight(
  exchange: Exchange,
  sameHostBefore: Exchange[],
  url: URL,
  add: (id: string, entry: number, detail: string) => void,
): void {
  const preflight = sameHostBefore.find(
    (other) => other.request?.method === 'OPTIONS' && sameResource(other.request.url, url),
  );
  if (!preflight) return;
  const status = preflight.response?.status ?? 0;
  if (status === 0 || status >= 400) {
    add(
      'cors.preflight-failed',
      exchange.index,
      `the preflight at entry ${preflight.index} failed with status ${status}, so the browser never sent ${exchange.request!.method} ${url.pathname}`,
    );
    return;
  }
  const requested = (headerValue(preflight.request?.headers, 'access-control-request-headers') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const allowedRaw = headerValue(preflight.response?.headers, 'access-control-allow-headers') ?? '';
  const allowed = allowedRaw
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  // A wildcard does not cover Authorization (Fetch standard): it must be listed by name.
  const missing = requested.filter(
    (name) => !allowed.includes(name) && !(allowed.includes('*') && name !== 'authorization'),
  );
  if (missing.length > 0) {
    add(
      'cors.preflight-missing-header',
      exchange.index,
      `the preflight at entry ${preflight.index} did not allow ${missing.map((name) => `\`${name}\``).join(', ')} (Access-Control-Allow-Headers: ${allowedRaw || 'none'}), so the browser blocked entry ${exchange.index}`,
    );
  }
  const origin = headerValue(exchange.request?.headers, 'origin') ?? headerValue(preflight.request?.headers, 'origin');
  const allowOrigin = headerValue(preflight.response?.headers, 'access-control-allow-origin');
  if (origin && allowOrigin !== undefined && allowOrigin !== '*' && allowOrigin !== origin) {
    add(
      'cors.origin-not-allowed',
      exchange.index,
      `the preflight at entry ${preflight.index} allows origin ${allowOrigin}, not ${origin}`,
    );
  } else if (origin && allowOrigin === undefined) {
    add(
      'cors.origin-not-allowed',
      exchange.index,
      `the preflight at entry ${preflight.index} sent no Access-Control-Allow-Origin for ${origin}`,
    );
  }
}
