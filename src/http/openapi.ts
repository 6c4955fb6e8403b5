import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  ArticleListResponse,
  ArticleResponse,
  DiagnoseRequest,
  DiagnosisResponse,
  HealthResponse,
  FeedbackRequest,
  ProblemResponse,
  ChatRequest,
  ChatResponse,
  SanitizeResponse,
  SearchQuery,
  SearchResponse,
  SuggestQuery,
  SuggestResponse,
} from './schemas.ts';

export const API_VERSION = '0.1.0';

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemResponse } } });
const json = (description: string, schema: z.ZodType) => ({ description, content: { 'application/json': { schema } } });

/** The OpenAPI 3.1 document, built from the same schemas that validate requests. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerPath({
    method: 'post',
    path: '/v1/diagnose',
    summary: 'Name the root cause of a failure',
    description:
      'Give a symptom in words, an error response, a HAR capture, or paste anything (free text, a JSON error body, a raw HTTP response, `curl -v` output, a HAR). Returns the ranked causes with evidence and resolution steps; `causes` is empty when nothing fits. HAR captures may be up to MAX_UPLOAD_MB; other bodies up to MAX_BODY_BYTES.',
    request: {
      body: {
        required: true,
        content: {
          'application/json': { schema: DiagnoseRequest },
          'text/plain': { schema: z.string().meta({ example: 'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"' }) },
          'multipart/form-data': { schema: z.object({ file: z.string().meta({ format: 'binary', description: 'A .har capture or a saved response.' }), text: z.string().optional() }) },
        },
      },
    },
    responses: {
      200: json('The diagnosis.', DiagnosisResponse),
      400: problem('Malformed JSON or multipart form, or a body that is not UTF-8.'),
      413: problem('The body or text is larger than the configured limit.'),
      415: problem('The content type is not one of the accepted ones.'),
      422: problem('The JSON is well formed but not a valid diagnose request.'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/chat',
    summary: 'Guided troubleshooting, one turn at a time',
    description:
      'Send the conversation so far and the context the previous reply returned. The reply either gives the steps of the cause it is sure of (then asks whether they worked), asks the question that best separates the candidates (with quick-reply options), or hands over to a person with a summary. The server keeps no state between turns.',
    request: { body: { required: true, content: { 'application/json': { schema: ChatRequest } } } },
    responses: { 200: json('The next turn.', ChatResponse), 400: problem('Malformed JSON.'), 415: problem('Not JSON.'), 422: problem('Not a valid conversation.') },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/har/sanitize',
    summary: 'Remove every secret from a HAR capture',
    description:
      'Send the .har file as the body (application/json or text/plain), {"har": …}, or a multipart "file" field. Returns the sanitized capture and a manifest of what was removed (names and counts, never values); `?format=har` returns the bare capture to save as a file.',
    request: {
      query: z.object({ format: z.enum(['har']).optional() }),
      body: { required: true, content: { 'application/json': { schema: z.object({ log: z.unknown() }) }, 'multipart/form-data': { schema: z.object({ file: z.string().meta({ format: 'binary' }) }) } } },
    },
    responses: {
      200: json('The sanitized capture and its manifest.', SanitizeResponse),
      400: problem('Malformed JSON or multipart form, or a body that is not UTF-8.'),
      413: problem('The capture is larger than MAX_UPLOAD_MB.'),
      415: problem('The content type is not one of the accepted ones.'),
      422: problem('The body is not a HAR capture; the detail names the entry and field.'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/search',
    summary: 'Search the articles',
    request: { query: SearchQuery },
    responses: { 200: json('Hits, best first.', SearchResponse), 422: problem('Missing or invalid query parameters.') },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/suggest',
    summary: 'Autocomplete a half-typed query',
    request: { query: SuggestQuery },
    responses: { 200: json('Article titles the query leads to.', SuggestResponse), 422: problem('Missing or invalid query parameters.') },
  });
  registry.registerPath({ method: 'get', path: '/v1/articles', summary: 'List the articles', responses: { 200: json('Every article.', ArticleListResponse) } });
  registry.registerPath({
    method: 'post',
    path: '/v1/feedback',
    summary: '"Was this helpful?"',
    request: { body: { required: true, content: { 'application/json': { schema: FeedbackRequest } } } },
    responses: { 202: { description: 'Received.' }, 404: problem('The article or cause is not in this knowledge base.'), 422: problem('Not a feedback event.') },
  });
  registry.registerPath({ method: 'get', path: '/v1/me', summary: 'The signed-in agent', responses: { 200: { description: '{"subject", "roles", "mode"}' }, 401: problem('No or invalid token.'), 403: problem('The token lacks the agent role.') } });
  registry.registerPath({ method: 'get', path: '/widget.js', summary: 'The help widget script, for other websites', responses: { 200: { description: 'JavaScript.' } } });
  registry.registerPath({
    method: 'get',
    path: '/v1/articles/{slug}',
    summary: 'One article with its sections, causes and steps',
    request: { params: z.object({ slug: z.string().meta({ example: 'expired-access-token' }) }) },
    responses: { 200: json('The article.', ArticleResponse), 404: problem('No article has this slug.') },
  });
  registry.registerPath({
    method: 'get',
    path: '/articles/{slug}',
    summary: 'One article as a readable HTML page',
    request: { params: z.object({ slug: z.string() }) },
    responses: { 200: { description: 'HTML page.', content: { 'text/html': { schema: z.string() } } }, 404: problem('No article has this slug.') },
  });
  registry.registerPath({ method: 'get', path: '/healthz', summary: 'Health and knowledge-base problems', responses: { 200: json('Service health.', HealthResponse) } });
  registry.registerPath({ method: 'get', path: '/openapi.json', summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1 document.' } } });
  registry.registerPath({ method: 'get', path: '/docs', summary: 'The API reference as a page', responses: { 200: { description: 'HTML page.' } } });

  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'fixpath API',
      version: API_VERSION,
      description: 'Names the root cause of API authentication and authorization failures and returns the steps that fix it.',
    },
    servers: [{ url: '/' }],
  }) as unknown as Record<string, unknown>;
}
