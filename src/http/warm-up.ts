import { converse } from '../chat/converse.ts';
import { DEFAULT_LIMITS } from '../config/limits.ts';
import { parseConfig } from '../config/parse-config.ts';
import { diagnose } from '../diagnose/diagnose.ts';
import { diagnosisFacts } from '../insights/recorder.ts';
import { buildLibrary, type Library } from '../kb/library.ts';
import { loadLibrary, serialiseLibrary } from '../kb/library-data.ts';
import { searchArticles, suggestArticles } from '../kb/search-articles.ts';
import { createApp } from './app.ts';
import { createVerifier } from './auth.ts';
import { readDiagnoseBody } from './diagnose-body.ts';
import { renderArticlePage } from './pages/article-page.ts';
import { parseJsonSafely } from './read-body.ts';
import { ChatRequest, validate } from './schemas.ts';

/**
 * One small article, never served, the pattern of the warm-up's library (see `PRODUCTS`): what
 * it diagnoses and searches. It declares what the engine reads (statuses, codes, phrases, words,
 * facts, steps, questions) so that every part of a diagnosis runs.
 */
const ARTICLE = `---
title: "Warm-up: the widget token has lapsed"
summary: A token for the widget service is used after its lifetime; get a new one.
visibility: public
tags: [warm-up, 401]
causes:
  - id: warm-up-token-lapsed
    title: Widget token lapsed
    signals:
      words: [lapsed, expired, after an hour]
      status: [401]
      error: [invalid_token, widget_token_lapsed]
      phrases: ["widget token lapsed", "token is expired"]
      facts: [jwt.expired]
    steps: [get-new-token]
    questions:
      - id: timing
        ask: "When does it fail?"
        options: ["It worked, then failed after a while", "From the very first call"]
        expect: ["It worked, then failed after a while"]
  - id: warm-up-service-down
    kind: lookalike
    title: Widget service unavailable
    signals:
      words: [unavailable, outage]
      status: [503]
      phrases: ["widget service unavailable"]
    steps: [wait-for-service]
---

## Symptoms

Calls to the widget service answer \`401\` with \`invalid_token\` an hour after sign-in.

## Root causes

The token lapsed; or the service itself is down.

## Resolution steps

### 1. Get a new token {#get-new-token}

Sign in again and send the new token.

### 2. Wait for the service {#wait-for-service}

Check the status page and retry later.

## Verification

The call answers \`200\`.

## Prevention

Refresh tokens before they lapse.
`;

/** What the warm-up diagnoses: each kind of body `POST /v1/diagnose` takes. */
const DIAGNOSE_BODIES: Array<{ contentType: string; body: unknown }> = [
  {
    contentType: 'application/json',
    body: { text: 'Since this morning the widget token lapsed after an hour and every call fails' },
  },
  {
    contentType: 'application/json',
    body: { error: { status: 401, body: '{"error":"invalid_token","error_description":"The token is expired"}' } },
  },
  { contentType: 'application/json', body: { har: captureOf(401, '{"error":"invalid_token"}') } },
  {
    contentType: 'text/plain',
    body: 'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\n\r\nwidget service unavailable',
  },
];
/**
 * How often the route requests run: once compiles their code; more runs let V8 move the hottest
 * of it past its interpreter. Measured in `npm run bench:worker` (main thread, 2,000 articles,
 * mean of 16 isolates): the first request cost 24.6 ms after 5 passes, 21.8 after 15 and 21.4
 * after 30, for 85 and 200 ms more start-up than 5 passes.
 */
const ROUTE_PASSES = 15;
/**
 * The direct steps run what the routes run, so they need not run often: they compile the code
 * where a route request would stop short of it. Two passes instead of 15 saved 36 ms of start-up
 * and cost the first request nothing measurable (20.4 ms against 22.5, the same within the noise).
 */
const DIRECT_PASSES = 2;
const CHAT = { messages: [{ role: 'user', text: 'the widget stopped working with a 401 after an hour' }] };
const SEARCHES = ['widget token lapsd', 'widg'];

/** A one-request HAR 1.2 capture, as a browser exports it. */
function captureOf(status: number, body: string): unknown {
  const headers = [{ name: 'content-type', value: 'application/json' }];
  return {
    log: {
      version: '1.2',
      creator: { name: 'fixpath warm-up', version: '1' },
      entries: [
        {
          startedDateTime: '1970-01-01T00:00:00.000Z',
          time: 12,
          request: {
            method: 'GET',
            url: 'https://widgets.invalid/v1/widgets',
            httpVersion: 'HTTP/1.1',
            headers: [{ name: 'accept', value: 'application/json' }],
            queryString: [],
            cookies: [],
            headersSize: -1,
            bodySize: 0,
          },
          response: {
            status,
            statusText: '',
            httpVersion: 'HTTP/1.1',
            headers,
            cookies: [],
            content: { size: body.length, mimeType: 'application/json', text: body },
            redirectURL: '',
            headersSize: -1,
            bodySize: body.length,
          },
          cache: {},
          timings: { send: 0, wait: 12, receive: 0 },
        },
      ],
    },
  };
}

/**
 * What the warm-up's articles are about: the one article, once per product, so that the
 * library has some breadth. A diagnosis's loops (postings, candidate causes, phrase groups)
 * then run many times over during the warm-up, enough for V8 to compile them past its
 * baseline tier; over a single article they ran a few times each. Sixty-four articles took
 * about a quarter off the first request at 2,000 articles (`npm run bench:worker`, 43.7 to 33.8
 * ms of main-thread CPU); 150 and 300 did no better and cost more start-up.
 */
const PRODUCTS = ['widget', 'report', 'invoice', 'gateway', 'ledger', 'portal', 'mailer', 'upload'];
const AREAS = ['', 'admin', 'mobile', 'partner', 'export', 'billing', 'webhook', 'search'];

/** The warm-up's own library, built, stored and loaded back as a deployed one is. */
export function warmUpLibrary(): Library {
  const files = AREAS.flatMap((area) =>
    PRODUCTS.map((product) => {
      const name = area ? `${area} ${product}` : product;
      const id = name.replace(' ', '-');
      return {
        file: `warm-up-${id}.md`,
        text: ARTICLE.replaceAll('widget_', `${id.replace('-', '_')}_`)
          .replaceAll('widget', name)
          .replaceAll('warm-up-', `warm-up-${id}-`),
      };
    }),
  );
  const built = buildLibrary(files, new Date(0));
  return loadLibrary(serialiseLibrary(built));
}

/**
 * What the warm-up sends through an app of its own: each kind of request a new isolate's first
 * one is likely to be. Bodies are handed to the app directly (`AppDeps.readBody`): a global
 * scope refuses a Request with a body.
 */
const ROUTE_REQUESTS: Array<{ method: 'GET' | 'POST'; path: string; contentType?: string; body?: string }> = [
  ...DIAGNOSE_BODIES.map(({ contentType, body }) => ({
    method: 'POST' as const,
    path: '/v1/diagnose',
    contentType,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })),
  { method: 'POST', path: '/v1/chat', contentType: 'application/json', body: JSON.stringify(CHAT) },
  ...SEARCHES.flatMap((query) => [
    { method: 'GET' as const, path: `/v1/search?q=${encodeURIComponent(query)}` },
    { method: 'GET' as const, path: `/v1/suggest?q=${encodeURIComponent(query)}` },
  ]),
  { method: 'GET', path: '/v1/articles/warm-up-widget' },
  { method: 'GET', path: '/articles/warm-up-widget' },
  { method: 'GET', path: '/healthz' },
];

export const WARM_UP_ROUTES = ROUTE_REQUESTS.length;

export interface WarmedUp {
  /** How many of the direct steps ran (`WARM_UP_STEPS`). */
  steps: number;
  /**
   * How many of the route requests got as far as the library (`WARM_UP_ROUTES`), past the
   * middleware, validation and body reading, and were answered with success where a response
   * could be built. Settles before the global scope ends (nothing in it waits for I/O); never
   * rejects.
   */
  routes: Promise<number>;
}

/**
 * Run the code a request runs, a few times, on a library of its own, so that a new isolate's first
 * real request does not pay for compiling it (tens of milliseconds of CPU, where the Workers
 * Free plan allows 10 per request). A Worker calls it in its global scope, whose CPU counts
 * against the start-up limit (1 s) and not against any request.
 *
 * The global scope refuses I/O, random values, and a Request or Response with a body. So the
 * direct steps call what the routes call (read a body, diagnose, converse, search, render a
 * page), and then each kind of request goes through an app of its own: the middleware, the
 * validation and the handler run, and only building the response is refused (in a Node process,
 * which refuses nothing, the app answers). In `npm run bench:worker` that took our share of an
 * isolate's first request (main thread, beside a do-nothing Worker) from 8.2 to 4.6 ms for the
 * bundled articles and from 20.5 to 16.7 ms at 2,000. Nothing it reads holds a secret to tag,
 * and its requests carry their own request id, so no random value is drawn. Never throws.
 */
export function warmUp(): WarmedUp {
  let ran = 0;
  const step = (work: () => unknown): void => {
    try {
      work();
      ran += 1;
    } catch {
      // A step that fails only leaves the first real request to compile what it needs.
    }
  };
  let library: Library | undefined;
  step(() => {
    library = warmUpLibrary();
  });
  if (!library) return { steps: ran, routes: Promise.resolve(0) };
  const { kb, index } = library;
  const audience = { includeInternal: false };
  const context = { kb, index, clock: () => new Date(0), ...audience, harLimits: { maxEntries: 100 } };
  const encoder = new TextEncoder();
  for (const { contentType, body } of DIAGNOSE_BODIES)
    step(() => {
      for (let pass = 0; pass < DIRECT_PASSES; pass += 1) {
        const bytes = new Uint8Array(encoder.encode(typeof body === 'string' ? body : JSON.stringify(body)));
        const input = readDiagnoseBody(contentType, { bytes }, DEFAULT_LIMITS);
        const diagnosis = diagnose(input, context);
        diagnosisFacts(diagnosis, undefined);
        encoder.encode(JSON.stringify(diagnosis));
      }
    });
  step(() => {
    const request = validate(
      ChatRequest,
      parseJsonSafely(JSON.stringify(CHAT), DEFAULT_LIMITS.maxJsonDepth),
      'the chat request is not valid',
    );
    JSON.stringify(converse(request.messages, { answers: {}, asked: [], tried: [] }, { kb, diagnoseContext: context }));
  });
  for (const query of SEARCHES)
    step(() => {
      for (let pass = 0; pass < DIRECT_PASSES; pass += 1) {
        JSON.stringify(searchArticles(library!, query, 10, audience));
        JSON.stringify(suggestArticles(library!, query, 10, audience));
      }
    });
  step(() => renderArticlePage(kb.articles[0]!, []));
  // Reading the settings runs their schemas; these settings are the Worker's own defaults.
  step(() => parseConfig({ LOCAL_MODE: 'true' }, 'worker'));
  return { steps: ran, routes: warmUpRoutes(library) };
}

export const WARM_UP_STEPS = 1 + DIAGNOSE_BODIES.length + 1 + SEARCHES.length + 2;

/** Each of `ROUTE_REQUESTS`, `ROUTE_PASSES` times, through an app of its own around `library`. */
async function warmUpRoutes(library: Library): Promise<number> {
  let body = new Uint8Array(0);
  let reached = false;
  let app: ReturnType<typeof createApp>;
  try {
    // Mounting the routes (their schemas, the OpenAPI registry) is most of what building an app costs.
    app = createApp({
      library: () => {
        reached = true;
        return library;
      },
      verifier: createVerifier({ mode: 'local' }),
      readBody: async () => body,
    });
  } catch {
    return 0;
  }
  const encoder = new TextEncoder();
  const reachedBy = new Set<number>();
  for (let pass = 0; pass < ROUTE_PASSES; pass += 1)
    for (const [which, request] of ROUTE_REQUESTS.entries()) {
      body = new Uint8Array(encoder.encode(request.body ?? ''));
      reached = false;
      let answered = true;
      try {
        const response = await app.fetch(
          new Request(`https://warm-up.invalid${request.path}`, {
            method: request.method,
            headers: {
              'x-request-id': 'warm-up',
              ...(request.contentType ? { 'content-type': request.contentType } : {}),
            },
          }),
          {},
        );
        await response.arrayBuffer();
        answered = response.ok;
      } catch {
        // Refused where the response is built, in a global scope: what came before has run.
      }
      if (reached && answered) reachedBy.add(which);
    }
  return reachedBy.size;
}
