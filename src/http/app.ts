import { OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context, Hono, TypedResponse } from 'hono';
import { LinearRouter } from 'hono/router/linear-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import type { JSONParsed } from 'hono/utils/types';
import { type ChatContext, type ChatMessage, type ChatReply, converse } from '../chat/converse.ts';
import { DEFAULT_LIMITS, type Limits } from '../config/limits.ts';
import { type ProxySettings, ProxyTrust } from '../config/proxy.ts';
import { answer, type DiagnoseContext, type Diagnosis, observe, score } from '../diagnose/diagnose.ts';
import { InputError } from '../errors.ts';
import { sanitizeHar } from '../har/sanitize-har.ts';
import type { EventStore } from '../insights/event-store.ts';
import { type AnswerFacts, chatFacts, diagnosisFacts, excerptOf, nearestOf } from '../insights/recorder.ts';
import { type Library, withArticleText } from '../kb/library.ts';
import { readEach } from '../kb/record-table.ts';
import { searchArticles, suggestArticles } from '../kb/search-articles.ts';
import type { Article } from '../kb/types.ts';
import { Redactor } from '../redact/redactor.ts';
import { type AppEnv, authenticate, type RateLimits, rateLimit, requireAgent } from './access.ts';
import { createVerifier, type Verifier } from './auth.ts';
import { checkDiagnoseContentType, readDiagnoseBody } from './diagnose-body.ts';
import { type ClientIdentity, clientIdentity, type InsightsSetting, mountInsightsRoutes } from './insights-routes.ts';
import { mountReadingItsBody, refuseInvalid } from './mount.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { renderArticlePage } from './pages/article-page.ts';
import { renderDocsPage } from './pages/docs-page.ts';
import { renderHomePage } from './pages/home-page.ts';
import { handleError, problemOf, problemResponse, problemType } from './problems.ts';
import { clientView } from './proxy.ts';
import { decodeUtf8, parseJsonSafely, readBodyBytes } from './read-body.ts';
import { type Digest, ResponseCache, webCryptoDigest } from './response-cache.ts';
import {
  articlePageRoute,
  articleRoute,
  articlesRoute,
  chatRoute,
  consoleScriptRoute,
  diagnoseRoute,
  docsRoute,
  healthRoute,
  homeRoute,
  meRoute,
  openApiRoute,
  sanitizeRoute,
  searchRoute,
  suggestRoute,
  widgetScriptRoute,
} from './routes.ts';
import { type ArticleResponse, ChatRequest, validate } from './schemas.ts';
import {
  crossOriginScript,
  originGuard,
  pageHeaders,
  RateLimiter,
  type RateLimitStore,
  securityHeaders,
} from './security.ts';

const DEFAULT_SEARCH_RESULTS = 10;
const DEFAULT_SUGGESTIONS = 8;

/** One access-log line; never holds a secret (no bodies, no headers, no query strings). */
export interface AccessLogEntry {
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
}

export interface AppDeps {
  /** The library in force; read per request so that a reload swaps it atomically. */
  library: () => Library;
  limits?: Limits;
  /** The clock, injected so tests can freeze it. */
  now?: () => Date;
  log?: (entry: AccessLogEntry) => void;
  /**
   * Reads a request body up to a byte limit (refusing more with `tooLarge`, which names the
   * limit's setting). The default reads
   * the Web Request; Node passes one that reads its IncomingMessage directly, which is many
   * times cheaper there.
   */
  readBody?: (c: Context, maxBytes: number, limitName: string) => Promise<Uint8Array<ArrayBuffer>>;
  /** How cache keys are made (SHA-256); Node passes its synchronous hash, the default is Web Crypto. */
  digest?: Digest;
  /** Fired for unexpected errors, with the request id, for the operator's log. */
  onUnexpectedError?: (error: unknown, requestId: string) => void;
  /** Verifies agents' tokens; without one fixpath is in local mode, where every caller is an agent. */
  verifier?: Verifier;
  /** Websites allowed to call the API from a browser (WIDGET_ORIGINS). */
  widgetOrigins?: Set<string>;
  /** Budgets for public clients; the defaults come from the limits. */
  rateLimits?: RateLimits;
  /** The address the connection came from: the socket's on Node; on Workers, Cloudflare's CF-Connecting-IP (the default). */
  peerAddress?: (c: Context) => string | undefined;
  /** PUBLIC_ORIGIN and TRUST_PROXY (see proxy.ts); by default each request's own origin and no trusted proxy. */
  proxy?: ProxySettings;
  /** Where rate-limit budgets are kept: this instance's memory by default, the Rate Limiting binding on Workers. */
  rateLimitStore?: RateLimitStore;
  /** The bundled browser code: the help widget and the agent console (`npm run build`). */
  assets?: { widget: string; console: string };
  /** The event store behind insights and feedback, or why there is none (ANALYTICS=off, no D1 binding). */
  insights?: InsightsSetting;
  /** Votes, for the operator's log (no comment, no session). */
  onFeedback?: (event: { helpful: boolean; article?: string; cause?: string; audience: 'public' | 'agent' }) => void;
}

/** The whole HTTP API; pure: the entries decide where articles come from and how to serve. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const now = deps.now ?? (() => new Date());
  const cacheKey = async (...parts: Array<string | Uint8Array>): Promise<string> =>
    (deps.digest ?? webCryptoDigest)(parts);
  // Routes are mounted from their definitions (routes.ts), which also make the OpenAPI document.
  // Hono's "quick" routers: registering routes costs next to nothing and matching is linear
  // over a few dozen routes, where the default builds a regular expression on the first request,
  // which a new Worker isolate pays on a request that has 10 ms of CPU in all.
  const app = new OpenAPIHono<AppEnv>({ router: new SmartRouter({ routers: [new LinearRouter(), new TrieRouter()] }) });
  // Request ids: unique per instance without a random draw per request. Drawn on the first
  // request, not here: a Worker may build an app in its global scope, where random values are refused.
  let instanceId: string | undefined;
  let requestCount = 0;
  let openApiDocument: Record<string, unknown> | undefined;
  const openApi = (): Record<string, unknown> => (openApiDocument ??= buildOpenApiDocument(app.openAPIRegistry));

  app.use('*', async (c, next) => {
    const started = performance.now();
    const sent = c.req
      .header('x-request-id')
      ?.slice(0, 64)
      .replace(/[^\w.-]/g, '');
    if (!sent) {
      requestCount += 1;
      instanceId ??= crypto.randomUUID().slice(0, 8);
    }
    const requestId = sent || `${instanceId}-${requestCount.toString(36)}`;
    c.set('requestId', requestId);
    // Set before the handler builds its response: changing a finished response forces a copy.
    c.header('x-request-id', requestId);
    await next();
    deps.log?.({
      requestId,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });

  const proxy = deps.proxy ?? { publicOrigin: null, trust: ProxyTrust.none() };
  const peerAddress = deps.peerAddress ?? ((c: Context) => c.req.header('cf-connecting-ip'));
  app.use('*', async (c, next) => {
    c.set('client', clientView(c.req.raw, peerAddress(c), proxy));
    await next();
  });

  app.use('*', securityHeaders());
  app.use(
    '*',
    originGuard(
      { allowed: deps.widgetOrigins ?? new Set(), ownOrigin: (c) => (c as Context<AppEnv>).get('client').origin },
      (c, origin) =>
        problemResponse(c, {
          type: problemType(c, 'origin-not-allowed'),
          title: 'Origin not allowed',
          status: 403,
          detail: `browser calls from ${JSON.stringify(origin.slice(0, 100))} are not allowed; the site's origin must be listed in WIDGET_ORIGINS`,
          instance: c.req.path,
        }),
    ),
  );
  app.use('*', authenticate(deps.verifier ?? createVerifier({ mode: 'local' })));
  const rules = deps.rateLimits ?? {
    requests: { limit: limits.rateLimitPerMinute, windowSeconds: 60 },
    uploads: { limit: limits.uploadRateLimitPerMinute, windowSeconds: 60 },
  };
  app.use('*', rateLimit(deps.rateLimitStore ?? new RateLimiter(), rules));

  app.onError((error, c) => {
    if (!(error instanceof InputError)) deps.onUnexpectedError?.(redactedError(error), c.get('requestId'));
    return handleError(error, c);
  });
  app.notFound((c) =>
    problemResponse(
      c,
      problemOf(
        new InputError(
          'not-found',
          `nothing is served at ${c.req.method} ${c.req.path}; the API reference is at /docs`,
        ),
        c.req.path,
      ),
    ),
  );

  app.openapi(homeRoute, async (c) => {
    const library = deps.library();
    const page = await withArticleText(library, () =>
      renderHomePage(
        library.kb.articles.filter((article) => c.get('audience').includeInternal || article.visibility === 'public'),
      ),
    );
    return c.html(page, 200, pageHeaders);
  });

  app.openapi({ ...meRoute, middleware: requireAgent() }, (c) => {
    const agent = c.get('agent')!;
    return c.json({ subject: agent.subject, roles: agent.roles, mode: (deps.verifier ?? { mode: 'local' }).mode }, 200);
  });

  const insights: InsightsSetting = deps.insights ?? { off: 'no event store was configured' };
  const store = 'store' in insights ? insights.store : null;
  const excerpts = 'store' in insights && insights.excerpts;

  app.openapi(healthRoute, async (c) => {
    const library = deps.library();
    const { kb, loadedAt } = library;
    // The build's problems may still be in the static assets (a Worker reads them when first asked).
    const problems = await withArticleText(library, () => kb.problems);
    const hasErrors = problems.some((problem) => problem.severity === 'error');
    return c.json(
      {
        status: hasErrors ? ('degraded' as const) : ('ok' as const),
        articles: kb.articles.length,
        causes: kb.causes.length,
        loadedAt: loadedAt.toISOString(),
        analytics: store
          ? { enabled: true, unflushed: store.unflushed }
          : { enabled: false, reason: (insights as { off: string }).off },
        problems,
      },
      200,
    );
  });

  // One cache for all routes, emptied whenever a reload swaps the library; beside it, the facts
  // each cached answer gives the event store, so a repeated paste is counted like the first.
  const cache = new ResponseCache(limits.responseCacheEntries);
  const answerFacts = new ResponseCache<AnswerFacts>(store ? limits.responseCacheEntries : 0);
  const searchTotals = new ResponseCache<number>(store ? limits.responseCacheEntries : 0);
  let cachedFor: Library | null = null;
  const cacheOf = (library: Library): ResponseCache => {
    if (library !== cachedFor) {
      cache.clear();
      answerFacts.clear();
      searchTotals.clear();
      cachedFor = library;
    }
    return cache;
  };
  const encoder = new TextEncoder();
  // An encoded answer, typed as backed by a plain ArrayBuffer (what TextEncoder makes) on every runtime's typings.
  const encode = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(text) as Uint8Array<ArrayBuffer>;
  /** JSON serialised once (and perhaps cached) as bytes, typed as the value it was made from so routes check it against their schema. */
  const jsonResponse = <T>(c: Context, body: Uint8Array<ArrayBuffer>) =>
    c.body(body, 200, { 'content-type': 'application/json' }) as unknown as TypedResponse<JSONParsed<T>, 200, 'json'>;
  /** Answer from the cache, or compute, remember and answer. */
  const cachedJson = async <T>(c: Context, library: Library, parts: string[], compute: () => T) => {
    const key = await cacheKey(...parts);
    const cached = cacheOf(library).get(key);
    if (cached !== undefined) return jsonResponse<T>(c, cached);
    const body = encode(JSON.stringify(await withArticleText(library, compute)));
    cacheOf(library).set(key, body);
    return jsonResponse<T>(c, body);
  };

  app.openapi(
    searchRoute,
    async (c) => {
      const audience = c.get('audience');
      const query = c.req.valid('query');
      const q = checkQuery(query.q, limits);
      const limit = Math.min(query.limit ?? DEFAULT_SEARCH_RESULTS, limits.maxSearchResults);
      const library = deps.library();
      const parts = ['search', q, String(limit), String(audience.includeInternal)];
      let total: number | undefined;
      const response = await cachedJson(c, library, parts, () => {
        const found = q ? searchArticles(library, q, limit, audience) : { total: 0, hits: [] };
        total = found.total;
        return { query: q, ...found };
      });
      if (store && q) {
        // A repeated search is answered from the cache: its count of hits is remembered beside it.
        const key = await cacheKey('search-total', ...parts);
        if (total !== undefined) searchTotals.set(key, total);
        else total = searchTotals.get(key) ?? searchArticles(library, q, 1, audience).total;
        store.record({
          ...clientIdentity(c),
          type: 'search',
          results: total,
          outcome: total === 0 ? 'none' : 'results',
        });
      }
      return response;
    },
    refuseInvalid('the search query is not valid'),
  );

  app.openapi(
    suggestRoute,
    (c) => {
      const audience = c.get('audience');
      const query = c.req.valid('query');
      const q = checkQuery(query.q, limits);
      const limit = Math.min(query.limit ?? DEFAULT_SUGGESTIONS, limits.maxSearchResults);
      const library = deps.library();
      return cachedJson(c, library, ['suggest', q, String(limit), String(audience.includeInternal)], () => ({
        query: q,
        suggestions: q ? suggestArticles(library, q, limit, audience) : [],
      }));
    },
    refuseInvalid('the suggest query is not valid'),
  );

  // Whether a body is a capture is known once it is read: read up to the larger limit.
  const uploadLimit = Math.max(limits.maxBodyBytes, limits.maxUploadBytes);
  const uploadLimitName = limits.maxUploadBytes >= limits.maxBodyBytes ? 'MAX_UPLOAD_MB' : 'MAX_BODY_BYTES';
  const readBody = (c: Context, maxBytes: number, limitName: string): Promise<Uint8Array<ArrayBuffer>> =>
    deps.readBody ? deps.readBody(c, maxBytes, limitName) : readBodyBytes(c.req.raw, maxBytes, limitName);
  const readUpload = async (c: Context): Promise<{ contentType: string; bytes: Uint8Array<ArrayBuffer> | null }> => {
    const contentType = c.req.header('content-type') ?? '';
    checkDiagnoseContentType(contentType);
    return { contentType, bytes: await readBody(c, uploadLimit, uploadLimitName) };
  };
  const harLimits = { maxEntries: limits.maxHarEntries };

  mountReadingItsBody(app, diagnoseRoute, async (c) => {
    const audience = c.get('audience');
    const handle = await readUpload(c);
    // Captures are too large to be worth remembering; pastes repeat.
    const cacheable = handle.bytes!.byteLength <= limits.maxBodyBytes;
    const key = cacheable
      ? await cacheKey('diagnose', handle.contentType, handle.bytes!, String(audience.includeInternal))
      : '';
    const library = deps.library();
    const cached = cacheable ? cacheOf(library).get(key) : undefined;
    if (cached !== undefined) {
      const facts = answerFacts.get(key);
      if (store && facts) store.record({ ...clientIdentity(c), type: 'diagnose', ...facts });
      return jsonResponse<Diagnosis>(c, cached);
    }
    const input = readDiagnoseBody(handle.contentType, handle, limits);
    // An answer that compared a token with the current time is only true now: not cached.
    let usedClock = false;
    const clock = (): Date => {
      usedClock = true;
      return now();
    };
    let nearest: string | undefined;
    const context: DiagnoseContext = {
      kb: library.kb,
      index: library.index,
      clock,
      includeInternal: audience.includeInternal,
      harLimits,
      ...(store ? { inspect: (scores) => (nearest = nearestOf(scores)) } : {}),
    };
    // Scored again only while the records it reads are fetched (once, in a Worker's first
    // requests), its facts not worked out again; the answer alone is computed again while its
    // article text is.
    const observed = observe(input, context);
    const assessment = await withArticleText(library, () => score(observed, context));
    const diagnosis = await withArticleText(library, () => answer(assessment, context));
    const body = encode(JSON.stringify(diagnosis));
    let facts: AnswerFacts | undefined;
    if (store) {
      facts = diagnosisFacts(diagnosis, nearest);
      if (excerpts && facts.outcome === 'abstained')
        facts.excerpt = excerptOf(input.text ?? (input.error ? JSON.stringify(input.error) : undefined));
      store.record({ ...clientIdentity(c), type: 'diagnose', ...facts });
    }
    if (cacheable && !usedClock) {
      cacheOf(library).set(key, body);
      if (facts) answerFacts.set(key, facts);
    }
    return jsonResponse<Diagnosis>(c, body);
  });

  mountReadingItsBody(app, chatRoute, async (c) => {
    const audience = c.get('audience');
    const handle = await readUpload(c);
    if (!/json/i.test(handle.contentType))
      throw new InputError(
        'unsupported-media-type',
        'send the conversation as application/json: {"messages": [...], "context": {...}}',
      );
    const text = decodeUtf8(handle.bytes!);
    handle.bytes = null;
    const request = validate(ChatRequest, parseJsonSafely(text, limits.maxJsonDepth), 'the chat request is not valid');
    const library = deps.library();
    const sent = request.context ?? { answers: {}, asked: [], tried: [] };
    let seen: { diagnosis: Diagnosis; nearest: string | undefined } | undefined;
    const reply = await withArticleText(library, () =>
      converse(request.messages, sent, {
        kb: library.kb,
        diagnoseContext: {
          kb: library.kb,
          index: library.index,
          clock: now,
          includeInternal: audience.includeInternal,
          harLimits,
        },
        linkBase: c.get('client').origin,
        observe: (diagnosis, scores) => (seen = { diagnosis, nearest: scores && nearestOf(scores) }),
      }),
    );
    if (store) recordChatTurn(store, clientIdentity(c, 'chat'), sent, reply, seen, excerpts ? request.messages : null);
    return c.json(seen?.diagnosis.signature ? { ...reply, signature: seen.diagnosis.signature } : reply, 200);
  });

  mountReadingItsBody(app, sanitizeRoute, async (c) => {
    const handle = await readUpload(c);
    const input = readDiagnoseBody(handle.contentType, handle, limits, 'sanitize');
    if (input.har === undefined)
      throw new InputError(
        'invalid-input',
        'send a HAR capture: the .har file as the body, {"har": …}, or a multipart "file" field',
      );
    const { har, manifest } = sanitizeHar(input.har, { limits: harLimits });
    if (c.req.query('format') === 'har')
      return c.json(har as { log: unknown }, 200, { 'content-disposition': 'attachment; filename="sanitized.har"' });
    return c.json({ har, manifest }, 200);
  });

  app.openapi(articlesRoute, async (c) => {
    const audience = c.get('audience');
    const library = deps.library();
    const articles = await withArticleText(library, () =>
      library.kb.articles
        .filter((article) => audience.includeInternal || article.visibility === 'public')
        .map(articleSummary),
    );
    return c.json({ total: articles.length, articles }, 200);
  });

  app.openapi(articleRoute, async (c) => {
    const audience = c.get('audience');
    const library = deps.library();
    const body = await withArticleText(library, () => {
      const article = findArticle(library, c.req.param('slug'), audience.includeInternal);
      return JSON.stringify({
        ...articleSummary(article),
        related: relatedOf(library, article, audience.includeInternal).map((other) => ({
          slug: other.slug,
          title: other.title,
          url: `/articles/${other.slug}`,
        })),
        sections: article.sections,
        causes: article.causes.map((cause) => ({
          id: cause.id,
          title: cause.title,
          description: cause.description,
          steps: cause.stepIds.map((id) => article.steps.find((step) => step.id === id)!),
        })),
        markdown: article.body,
      });
    });
    return jsonResponse<z.infer<typeof ArticleResponse>>(c, encode(body));
  });

  app.openapi(articlePageRoute, async (c) => {
    const audience = c.get('audience');
    const library = deps.library();
    const page = await withArticleText(library, () => {
      const article = findArticle(library, c.req.param('slug'), audience.includeInternal);
      return renderArticlePage(article, relatedOf(library, article, audience.includeInternal));
    });
    return c.html(page, 200, pageHeaders);
  });

  const script = (body: string | undefined, headers: Record<string, string>) => (c: Context) => {
    if (!body) throw new InputError('not-found', 'the browser code is not built; run `npm run build`');
    return c.body(body, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      ...headers,
    });
  };
  app.openapi(widgetScriptRoute, script(deps.assets?.widget, crossOriginScript));
  app.openapi(consoleScriptRoute, script(deps.assets?.console, {}));

  mountInsightsRoutes(app, {
    library: deps.library,
    insights,
    readBody,
    ...(deps.onFeedback ? { onFeedback: deps.onFeedback } : {}),
  });

  app.openapi(openApiRoute, (c) => c.json(openApi(), 200));
  app.openapi(docsRoute, (c) => c.html(renderDocsPage(openApi()), 200, pageHeaders));

  return app;
}

/**
 * A chat turn's events: the turn itself; a confirmed resolution when the person says the steps
 * worked; a hand-off when they ask for a person. The chat keeps no state, so what the turn is
 * about comes from the context the client sent back.
 */
function recordChatTurn(
  store: EventStore,
  identity: ClientIdentity,
  sent: ChatContext,
  reply: ChatReply,
  seen: { diagnosis: Diagnosis; nearest: string | undefined } | undefined,
  messages: ChatMessage[] | null,
): void {
  const facts = chatFacts(reply, seen?.diagnosis, seen?.nearest);
  if (messages && facts.outcome === 'abstained')
    facts.excerpt = excerptOf(messages.filter((message) => message.role === 'user').at(-1)?.text);
  store.record({ ...identity, type: 'chat', ...facts });
  if (reply.resolved)
    store.record({ ...identity, type: 'resolution', outcome: 'confirmed', cause: sent.offered ?? undefined });
  if (reply.handoff)
    store.record({
      ...identity,
      type: 'handoff',
      cause: sent.offered ?? sent.tried.at(-1),
      signature: seen?.diagnosis.signature,
      nearest: facts.nearest ?? seen?.diagnosis.causes[0]?.id,
    });
}

function checkQuery(q: string, limits: Limits): string {
  const trimmed = q.trim();
  if (trimmed.length > limits.maxQueryChars) {
    throw new InputError(
      'invalid-input',
      `the query is ${trimmed.length} characters, more than the ${limits.maxQueryChars} allowed (MAX_QUERY_CHARS); use fewer words`,
    );
  }
  return trimmed;
}

function findArticle(library: Library, slug: string, includeInternal: boolean): Article {
  const article = library.kb.bySlug.get(slug.toLowerCase());
  if (!article || (article.visibility === 'internal' && !includeInternal)) {
    throw new InputError('not-found', `no article has the slug "${slug.slice(0, 100)}"; GET /v1/articles lists them`);
  }
  return article;
}

function relatedOf(library: Library, article: Article, includeInternal: boolean): Article[] {
  return readEach(article.related, (slug) => library.kb.bySlug.get(slug)).filter(
    (other): other is Article => Boolean(other) && (includeInternal || other!.visibility === 'public'),
  );
}

function articleSummary(article: Article) {
  return {
    slug: article.slug,
    title: article.title,
    summary: article.summary,
    url: `/articles/${article.slug}`,
    tags: article.tags,
    updated: article.updated,
    visibility: article.visibility,
    causes: article.causes.map((cause) => ({ id: cause.id, title: cause.title })),
  };
}

/** An unexpected error as the operator's log may keep it: its message can quote input, so it is redacted. */
function redactedError(error: unknown): Error {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'non-Error value thrown';
  const redacted = new Error(new Redactor().text(message, 'log'));
  redacted.name = error instanceof Error ? error.name : 'Error';
  return redacted;
}
