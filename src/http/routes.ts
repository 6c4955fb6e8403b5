import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  ArticleListResponse,
  ArticleResponse,
  ChatRequest,
  ChatResponse,
  DiagnoseRequest,
  DiagnosisResponse,
  FeedbackReceived,
  FeedbackRequest,
  HealthResponse,
  MeResponse,
  ProblemResponse,
  SanitizeResponse,
  SearchQuery,
  SearchResponse,
  SuggestQuery,
  SuggestResponse,
} from './schemas.ts';

/**
 * Every route the API serves, one `createRoute` definition each: the app routes and validates
 * from these, and the OpenAPI document and `/docs` are generated from them.
 */

/** The security scheme agents sign in with (a JWT in `Authorization: Bearer`). */
export const BEARER_AUTH = 'bearerAuth';

/** For routes only agents may call; every other route takes a token optionally (see the document's default). */
const AGENTS_ONLY = [{ [BEARER_AUTH]: [] }];

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemResponse } },
});
const json = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { 'application/json': { schema } },
});
const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const script = (description: string) => ({ description, content: { 'text/javascript': { schema: z.string() } } });

/** What the middleware in front of every route may answer: sign-in, the origin allowlist, rate limits, failures. */
const ACCESS_PROBLEMS = {
  400: 'The Authorization header is malformed (not one Bearer token), or a token was sent in the URL.',
  401: 'A token was sent and is not valid: expired, not yet valid, wrong issuer or audience, or a bad signature.',
  403: 'A browser call from a website not listed in WIDGET_ORIGINS.',
  429: 'This client sent too many requests (public callers only; agents are not limited); wait the seconds in Retry-After.',
  500: 'fixpath failed to answer; the error is logged with the request id.',
  503: "Sign-in is unavailable for now (the identity provider's key set cannot be fetched; retry after Retry-After), or the Worker is not configured.",
} as const;

type ProblemResponses = { [Status in keyof typeof ACCESS_PROBLEMS]: ReturnType<typeof problem> };

/** A route's own responses, with the access problems every route may answer; a status both have says both. */
function withAccessProblems<R extends Record<number, { description: string }>>(
  own: R,
): Omit<ProblemResponses, keyof R> & R {
  const merged: Record<number, { description: string }> = { ...own };
  for (const [status, description] of Object.entries(ACCESS_PROBLEMS)) {
    const code = Number(status);
    merged[code] = merged[code]
      ? {
          ...merged[code],
          description: `${merged[code].description} Or ${description.charAt(0).toLowerCase()}${description.slice(1)}`,
        }
      : problem(description);
  }
  return merged as Omit<ProblemResponses, keyof R> & R;
}

export const diagnoseRoute = createRoute({
  method: 'post',
  path: '/v1/diagnose',
  operationId: 'diagnose',
  tags: ['Diagnosis'],
  summary: 'Name the root cause of a failure',
  description:
    'Give a symptom in words, an error response, a HAR capture, or paste anything (free text, a JSON error body, a raw HTTP response, `curl -v` output, a HAR). Returns the ranked causes with evidence and resolution steps; `causes` is empty when nothing fits. HAR captures may be up to MAX_UPLOAD_MB; other bodies up to MAX_BODY_BYTES.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': { schema: DiagnoseRequest },
        'text/plain': {
          schema: z.string().meta({
            example:
              'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"',
          }),
        },
        'multipart/form-data': {
          schema: z.object({
            file: z.string().meta({ format: 'binary', description: 'A .har capture or a saved response.' }),
            text: z.string().optional(),
          }),
        },
      },
    },
  },
  responses: withAccessProblems({
    200: json('The diagnosis.', DiagnosisResponse),
    400: problem('Malformed JSON or multipart form, or a body that is not UTF-8.'),
    413: problem('The body or text is larger than the configured limit.'),
    415: problem('The content type is not one of the accepted ones.'),
    422: problem('The JSON is well formed but not a valid diagnose request.'),
  }),
});

export const chatRoute = createRoute({
  method: 'post',
  path: '/v1/chat',
  operationId: 'chat',
  tags: ['Diagnosis'],
  summary: 'Guided troubleshooting, one turn at a time',
  description:
    'Send the conversation so far and the context the previous reply returned. The reply either gives the steps of the cause it is sure of (then asks whether they worked), asks the question that best separates the candidates (with quick-reply options), or hands over to a person with a summary. The server keeps no state between turns.',
  request: { body: { required: true, content: { 'application/json': { schema: ChatRequest } } } },
  responses: withAccessProblems({
    200: json('The next turn.', ChatResponse),
    400: problem('Malformed JSON.'),
    413: problem('The conversation is larger than the configured limit.'),
    415: problem('Not JSON.'),
    422: problem('Not a valid conversation.'),
  }),
});

export const sanitizeRoute = createRoute({
  method: 'post',
  path: '/v1/har/sanitize',
  operationId: 'sanitizeHar',
  tags: ['Diagnosis'],
  summary: 'Remove every secret from a HAR capture',
  description:
    'Send the .har file as the body (application/json or text/plain), {"har": …}, or a multipart "file" field. Returns the sanitized capture and a manifest of what was removed (names and counts, never values); `?format=har` returns the bare capture to save as a file.',
  request: {
    query: z.object({
      format: z.string().optional().meta({
        description: '`har`: answer with the bare sanitized capture, as a file to save; other values are ignored.',
        example: 'har',
      }),
    }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({ log: z.unknown() }).meta({ description: 'The .har file itself, or `{"har": …}`.' }),
        },
        'text/plain': { schema: z.string().meta({ description: 'The .har file as text.' }) },
        'multipart/form-data': { schema: z.object({ file: z.string().meta({ format: 'binary' }) }) },
      },
    },
  },
  responses: withAccessProblems({
    200: json(
      'The sanitized capture and its manifest; with `?format=har`, the bare capture (any HAR) as an attachment.',
      z.union([SanitizeResponse, z.object({ log: z.unknown() })]),
    ),
    400: problem('Malformed JSON or multipart form, or a body that is not UTF-8.'),
    413: problem('The capture is larger than MAX_UPLOAD_MB.'),
    415: problem('The content type is not one of the accepted ones.'),
    422: problem('The body is not a HAR capture; the detail names the entry and field.'),
  }),
});

export const searchRoute = createRoute({
  method: 'get',
  path: '/v1/search',
  operationId: 'searchArticles',
  tags: ['Articles'],
  summary: 'Search the articles',
  request: { query: SearchQuery },
  responses: withAccessProblems({
    200: json('Hits, best first.', SearchResponse),
    422: problem('Missing or invalid query parameters.'),
  }),
});

export const suggestRoute = createRoute({
  method: 'get',
  path: '/v1/suggest',
  operationId: 'suggestArticles',
  tags: ['Articles'],
  summary: 'Autocomplete a half-typed query',
  request: { query: SuggestQuery },
  responses: withAccessProblems({
    200: json('Article titles the query leads to.', SuggestResponse),
    422: problem('Missing or invalid query parameters.'),
  }),
});

export const articlesRoute = createRoute({
  method: 'get',
  path: '/v1/articles',
  operationId: 'listArticles',
  tags: ['Articles'],
  summary: 'List the articles',
  description: 'Public articles; a signed-in agent also gets the internal ones.',
  responses: withAccessProblems({ 200: json('Every article the caller may read.', ArticleListResponse) }),
});

const SlugParams = z.object({
  slug: z.string().meta({ description: "The article's slug, as in its file name.", example: 'expired-access-token' }),
});

export const articleRoute = createRoute({
  method: 'get',
  path: '/v1/articles/{slug}',
  operationId: 'getArticle',
  tags: ['Articles'],
  summary: 'One article with its sections, causes and steps',
  request: { params: SlugParams },
  responses: withAccessProblems({
    200: json('The article.', ArticleResponse),
    404: problem('No article has this slug (or it is internal and the caller is not an agent).'),
  }),
});

export const articlePageRoute = createRoute({
  method: 'get',
  path: '/articles/{slug}',
  operationId: 'getArticlePage',
  tags: ['Pages'],
  summary: 'One article as a readable HTML page',
  request: { params: SlugParams },
  responses: withAccessProblems({ 200: html('HTML page.'), 404: problem('No article has this slug.') }),
});

export const feedbackRoute = createRoute({
  method: 'post',
  path: '/v1/feedback',
  operationId: 'sendFeedback',
  tags: ['Articles'],
  summary: '"Was this helpful?"',
  request: { body: { required: true, content: { 'application/json': { schema: FeedbackRequest } } } },
  responses: withAccessProblems({
    202: json('Received.', FeedbackReceived),
    400: problem('Malformed JSON, or a body that is not UTF-8.'),
    404: problem('The article or cause is not in this knowledge base.'),
    413: problem('Feedback is at most 4 KiB.'),
    422: problem('Not a feedback event.'),
  }),
});

export const meRoute = createRoute({
  method: 'get',
  path: '/v1/me',
  operationId: 'getMe',
  tags: ['Agents'],
  summary: 'The signed-in agent',
  description: 'Who the token belongs to. Only agents may call it; in local mode every caller is the agent `local`.',
  security: AGENTS_ONLY,
  responses: withAccessProblems({
    200: json('The agent.', MeResponse),
    401: problem('No token: this route is for support agents.'),
    403: problem('The token does not carry the agent role (AUTH_AGENT_ROLE).'),
  }),
});

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['Service'],
  summary: 'Health and knowledge-base problems',
  responses: withAccessProblems({ 200: json('Service health.', HealthResponse) }),
});

export const openApiRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  tags: ['Service'],
  summary: 'This document',
  responses: withAccessProblems({ 200: json('The OpenAPI 3.1 document.', z.record(z.string(), z.unknown())) }),
});

export const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'getDocsPage',
  tags: ['Pages'],
  summary: 'The API reference as a page',
  responses: withAccessProblems({ 200: html('HTML page, with a section for every problem type.') }),
});

export const homeRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'getConsolePage',
  tags: ['Pages'],
  summary: 'The agent console',
  responses: withAccessProblems({ 200: html('HTML page.') }),
});

export const widgetScriptRoute = createRoute({
  method: 'get',
  path: '/widget.js',
  operationId: 'getWidgetScript',
  tags: ['Pages'],
  summary: 'The help widget script, for other websites',
  responses: withAccessProblems({
    200: script('JavaScript.'),
    404: problem('The browser code is not built (`npm run build`).'),
  }),
});

export const consoleScriptRoute = createRoute({
  method: 'get',
  path: '/console.js',
  operationId: 'getConsoleScript',
  tags: ['Pages'],
  summary: "The agent console's script",
  responses: withAccessProblems({
    200: script('JavaScript.'),
    404: problem('The browser code is not built (`npm run build`).'),
  }),
});
