/**
 * Public GET answers that depend only on the URL and the library (search, suggestions, the
 * article list, articles as JSON and as pages) are kept in the Workers Cache API, the data
 * centre's cache, so a popular search is answered without running the Worker's search again.
 * Requests that carry credentials are never cached or served from the cache: an agent's
 * answers include internal articles. The key holds the library's build and the caller's
 * `Origin` (the CORS headers differ by it), so a deploy or another site never gets a stale or a
 * foreign copy. Headers that describe one request (its id, the caller's rate-limit budget) are
 * not stored.
 */

const CACHEABLE = /^\/(?:v1\/(?:search|suggest|articles(?:\/[\w-]{1,200})?)|articles\/[\w-]{1,200})$/;
const PER_REQUEST_HEADERS = ['x-request-id', 'ratelimit', 'ratelimit-policy', 'set-cookie'];

export interface EdgeCache {
  match(request: Request): Promise<Response | undefined>;
  put(request: Request, response: Response): Promise<void>;
}

export interface EdgeCacheOptions {
  /** Identifies the library: a new build never answers from an old one's copies. */
  version: string;
  /** How long a copy is kept, in seconds. */
  maxAgeSeconds: number;
}

/** The cache key for a request, or null when its answer must not be cached. */
export function cacheKeyOf(request: Request, options: EdgeCacheOptions): Request | null {
  if (request.method !== 'GET' || request.headers.has('authorization') || request.headers.has('cookie')) return null;
  const url = new URL(request.url);
  if (!CACHEABLE.test(url.pathname)) return null;
  url.searchParams.sort();
  url.searchParams.set('__library', options.version);
  url.searchParams.set('__origin', request.headers.get('origin') ?? '');
  return new Request(url.toString(), { method: 'GET' });
}

/**
 * Answer from the cache when it has a copy; otherwise ask `origin`, and keep a successful
 * answer (in the background, through `keep`). Answers say whether they came from the cache in
 * `x-fixpath-cache` (HIT or MISS).
 */
export async function cached(
  request: Request,
  cache: EdgeCache,
  options: EdgeCacheOptions,
  origin: () => Promise<Response>,
  keep: (work: Promise<unknown>) => void,
): Promise<Response> {
  const key = cacheKeyOf(request, options);
  if (!key) return origin();
  const hit = await cache.match(key);
  if (hit) {
    const response = new Response(hit.body, hit);
    response.headers.set('x-fixpath-cache', 'HIT');
    return response;
  }
  const response = await origin();
  if (response.status !== 200) return response;
  const copy = new Response(response.clone().body, response);
  for (const name of PER_REQUEST_HEADERS) copy.headers.delete(name);
  copy.headers.set('cache-control', `public, max-age=${options.maxAgeSeconds}`);
  keep(cache.put(key, copy));
  const answer = new Response(response.body, response);
  answer.headers.set('x-fixpath-cache', 'MISS');
  return answer;
}
