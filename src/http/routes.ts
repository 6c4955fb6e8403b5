import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  ArticleListResponse,
  ArticleResponse,
  ChatRequest,
  ChatResponse,
  ClientEventRequest,
  DiagnoseRequest,
  DiagnosisResponse,
  FeedbackReceived,
  FeedbackRequest,
  GapDraftResponse,
  GapIgnoreRequest,
  GapIgnoreResponse,
  GapListResponse,
  GapsQuery,
  HealthResponse,
  InsightsQuery,
  InsightsSummaryResponse,
  MeResponse,
  ProblemResponse,
  SanitizeResponse,
  SearchQuery,
  SearchResponse,
  SessionDataResponse,
  SessionDeletedResponse,
  SuggestQuery,
  SuggestResponse,
} from './schemas.ts';

/**
 * Every route the API serves, one `createRoute` definition each: the app routes and validates
 * from these, and the OpenAPI document and `/docs` are generated from them.
 */

/** Who is asking, so votes count once and insights can tell channels apart; both optional. */
const ClientHeaders = z.object({
  'x-fixpath-session': z.string().optional().meta({
    description:
      'A random id the client keeps for its visit (8 to 64 letters, digits, - or _); hashed with a daily salt before it is kept.',
  }),
  'x-fixpath-channel': z
    .string()
    .optional()
    .meta({ description: 'Which client is calling: `widget`, `console` or `cli`; anything else counts as the API.' }),
});

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
    headers: ClientHeaders,
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
  request: {
    headers: ClientHeaders,
    body: { required: true, content: { 'application/json': { schema: ChatRequest } } },
  },
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
  request: { query: SearchQuery, headers: ClientHeaders },
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
  summary: 'A vote: right cause? did this step fix it? was this article helpful?',
  description:
    'One vote per session (`X-Fixpath-Session`) and item; a later vote replaces the earlier one. A "no" may say why (`reason`) and add a comment, which is redacted before it is stored.',
  request: {
    headers: ClientHeaders,
    body: { required: true, content: { 'application/json': { schema: FeedbackRequest } } },
  },
  responses: withAccessProblems({
    202: json('Received.', FeedbackReceived),
    400: problem('Malformed JSON, or a body that is not UTF-8.'),
    404: problem('The article, cause or step is not in this knowledge base.'),
    413: problem('Feedback is at most 4 KiB.'),
    422: problem('Not a feedback event.'),
  }),
});

export const clientEventRoute = createRoute({
  method: 'post',
  path: '/v1/events',
  operationId: 'sendClientEvent',
  tags: ['Articles'],
  summary: 'An article opened in the widget or the console',
  description:
    'Sent as `text/plain` too, so a page can send it as it closes without a preflight. Nothing is kept when analytics are off.',
  request: {
    headers: ClientHeaders,
    body: {
      required: true,
      content: {
        'application/json': { schema: ClientEventRequest },
        'text/plain': { schema: z.string().meta({ description: 'The same JSON.' }) },
      },
    },
  },
  responses: withAccessProblems({
    202: json('Received.', FeedbackReceived),
    400: problem('Malformed JSON, or a body that is not UTF-8.'),
    404: problem('The article is not in this knowledge base.'),
    413: problem('An event is at most 4 KiB.'),
    422: problem('Not a client event.'),
  }),
});

const INSIGHTS_PROBLEMS = {
  401: problem('No token: insights are for support agents.'),
  403: problem('The token does not carry the agent role (AUTH_AGENT_ROLE).'),
  409: problem(
    'Analytics are off (ANALYTICS=off, or no D1 binding on Workers) or its D1 database is not migrated: nothing is kept to report.',
  ),
  422: problem('A bad date or span.'),
};
const csv = (description: string) => ({ description, content: { 'text/csv': { schema: z.string() } } });

export const insightsSummaryRoute = createRoute({
  method: 'get',
  path: '/v1/insights/summary',
  operationId: 'getInsightsSummary',
  tags: ['Insights'],
  summary: 'Outcomes, resolutions and causes over a span of days',
  security: AGENTS_ONLY,
  request: { query: InsightsQuery },
  responses: withAccessProblems({
    200: {
      description: 'The summary (`format=csv`: one row per day, then one per cause).',
      content: { ...json('', InsightsSummaryResponse).content, ...csv('').content },
    },
    ...INSIGHTS_PROBLEMS,
  }),
});

export const insightsGapsRoute = createRoute({
  method: 'get',
  path: '/v1/insights/gaps',
  operationId: 'listInsightGaps',
  tags: ['Insights'],
  summary: 'What fixpath could not settle, grouped by error signature',
  security: AGENTS_ONLY,
  request: { query: GapsQuery },
  responses: withAccessProblems({
    200: {
      description: 'Gaps, most frequent first (`format=csv`: one row per gap).',
      content: { ...json('', GapListResponse).content, ...csv('').content },
    },
    ...INSIGHTS_PROBLEMS,
  }),
});

const GapParams = z.object({
  id: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'a gap id: 16 hex digits')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const gapDraftRoute = createRoute({
  method: 'get',
  path: '/v1/insights/gaps/{id}/draft',
  operationId: 'getGapDraft',
  tags: ['Insights'],
  summary: "A draft article for a gap, with the signature's signals in its frontmatter",
  security: AGENTS_ONLY,
  request: { params: GapParams },
  responses: withAccessProblems({
    200: json('The draft, and the frontmatter change for the nearest existing cause.', GapDraftResponse),
    404: problem('No gap has this id.'),
    ...INSIGHTS_PROBLEMS,
  }),
});

export const gapIgnoreRoute = createRoute({
  method: 'post',
  path: '/v1/insights/gaps/{id}/ignore',
  operationId: 'ignoreGap',
  tags: ['Insights'],
  summary: 'Ignore a gap (it stays ignored), or take it back with `{"ignored": false}`',
  security: AGENTS_ONLY,
  request: {
    params: GapParams,
    body: { required: false, content: { 'application/json': { schema: GapIgnoreRequest } } },
  },
  responses: withAccessProblems({
    200: json('Its status now.', GapIgnoreResponse),
    404: problem('No gap has this id.'),
    ...INSIGHTS_PROBLEMS,
  }),
});

const SessionParams = z.object({
  session: z
    .string()
    .regex(/^[\w-]{8,64}$/, "the client's session id (8 to 64 letters, digits, - or _)")
    .openapi({ param: { name: 'session', in: 'path' } }),
});

export const sessionExportRoute = createRoute({
  method: 'get',
  path: '/v1/insights/sessions/{session}',
  operationId: 'exportSession',
  tags: ['Insights'],
  summary: 'Everything kept about one session (data-subject access)',
  description:
    "The session id is the one the customer's widget shows (its `X-Fixpath-Session`); it is hashed per day before anything is kept, so only its owner can name it.",
  security: AGENTS_ONLY,
  request: { params: SessionParams },
  responses: withAccessProblems({ 200: json('Its events and votes.', SessionDataResponse), ...INSIGHTS_PROBLEMS }),
});

export const sessionDeleteRoute = createRoute({
  method: 'delete',
  path: '/v1/insights/sessions/{session}',
  operationId: 'deleteSession',
  tags: ['Insights'],
  summary: 'Delete everything kept about one session (data-subject erasure)',
  security: AGENTS_ONLY,
  request: { params: SessionParams },
  responses: withAccessProblems({ 200: json('What was deleted.', SessionDeletedResponse), ...INSIGHTS_PROBLEMS }),
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
