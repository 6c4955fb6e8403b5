import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { InputError, type InputErrorCode } from '../errors.ts';
import { LibraryUnavailable } from '../kb/library-data.ts';
import { Redactor } from '../redact/redactor.ts';

/**
 * Where problem types are documented: each code has a section in the API reference. A `type`
 * written with this relative base is made absolute by `problemResponse`, through `problemType`.
 */
export const PROBLEM_TYPE_BASE = '/docs#problem-';

/**
 * A problem type's absolute URI (RFC 9457 §3.1.1): its section of this service's API reference,
 * on the origin the client used (PUBLIC_ORIGIN, or what a trusted proxy says; see proxy.ts).
 */
export function problemType(c: Context, code: string): string {
  const client = (c as Context<{ Variables: { client?: { origin: string } } }>).get('client');
  return new URL(`${PROBLEM_TYPE_BASE}${code}`, client?.origin ?? c.req.url).href;
}

const STATUS_OF: Record<InputErrorCode, ContentfulStatusCode> = {
  'empty-input': 422,
  'invalid-json': 400,
  'invalid-input': 422,
  'unsupported-input': 422,
  'unsupported-media-type': 415,
  'body-too-large': 413,
  'text-too-long': 413,
  'invalid-encoding': 400,
  'invalid-multipart': 400,
  'not-found': 404,
  'analytics-off': 409,
};

const TITLE_OF: Record<InputErrorCode, string> = {
  'empty-input': 'Nothing to diagnose',
  'invalid-json': 'Malformed JSON',
  'invalid-input': 'Invalid request',
  'unsupported-input': 'Unsupported input',
  'unsupported-media-type': 'Unsupported content type',
  'body-too-large': 'Request body too large',
  'text-too-long': 'Text too long',
  'invalid-encoding': 'Body is not UTF-8',
  'invalid-multipart': 'Malformed multipart form',
  'not-found': 'Not found',
  'analytics-off': 'Analytics are off',
};

/** When each problem is answered, in words, for the reference page. */
const WHEN: Record<InputErrorCode, string> = {
  'empty-input': 'the request has nothing to diagnose',
  'invalid-json': 'the body is not well-formed JSON; the detail gives the line and column',
  'invalid-input': 'the JSON or query is well formed but not valid; `errors[]` points at each field',
  'unsupported-input': 'the input is well formed but is not something fixpath can read',
  'unsupported-media-type': 'the content type is not one the route accepts',
  'body-too-large': 'the body is larger than MAX_BODY_BYTES, or a capture larger than MAX_UPLOAD_MB',
  'text-too-long': 'the text is longer than MAX_TEXT_CHARS',
  'invalid-encoding': 'the body is not UTF-8',
  'invalid-multipart': 'the multipart form is malformed or has no valid boundary',
  'not-found': 'no route, article or cause has that name',
  'analytics-off':
    'insights were asked for, but nothing is kept: ANALYTICS=off, a Worker without the D1 binding DB, or a D1 database whose migrations were not applied (`wrangler d1 migrations apply DB`)',
};

/** Problems answered before a route runs (sign-in, origins, rate limits) or when nothing else fits. */
const ACCESS_PROBLEM_TYPES: Array<{ code: string; status: number; title: string; when: string }> = [
  {
    code: 'invalid-request',
    status: 400,
    title: 'Invalid sign-in request',
    when: 'the Authorization header is not one Bearer token, or a token was sent in the URL',
  },
  {
    code: 'unauthenticated',
    status: 401,
    title: 'Sign-in required',
    when: 'an agents-only route was called without a token',
  },
  {
    code: 'invalid-token',
    status: 401,
    title: 'Invalid token',
    when: 'the token is expired, not yet valid, for another issuer or audience, or badly signed',
  },
  {
    code: 'insufficient-scope',
    status: 403,
    title: 'Not allowed',
    when: 'the token does not carry the agent role an agents-only route needs',
  },
  {
    code: 'origin-not-allowed',
    status: 403,
    title: 'Origin not allowed',
    when: 'a browser called from a website not listed in WIDGET_ORIGINS',
  },
  {
    code: 'rate-limited',
    status: 429,
    title: 'Too many requests',
    when: 'a public client used up its budget; Retry-After says when to try again',
  },
  {
    code: 'internal',
    status: 500,
    title: 'Internal error',
    when: 'fixpath failed; the error is logged with the request id',
  },
  {
    code: 'unavailable',
    status: 503,
    title: 'Sign-in unavailable',
    when: "the identity provider's key set cannot be fetched; Retry-After says when to try again",
  },
  {
    code: 'library-unavailable',
    status: 503,
    title: 'Articles unavailable',
    when: "a Worker could not read its knowledge base's static assets; Retry-After says when to try again",
  },
  {
    code: 'misconfigured',
    status: 503,
    title: 'fixpath is not configured',
    when: 'the Worker cannot start with its settings; the detail names the setting',
  },
];

/** Every problem type the API answers with, for the reference page. */
export function problemTypes(): Array<{ code: string; status: number; title: string; when: string }> {
  return [
    ...(Object.keys(TITLE_OF) as InputErrorCode[]).map((code) => ({
      code,
      status: STATUS_OF[code],
      title: TITLE_OF[code],
      when: WHEN[code],
    })),
    ...ACCESS_PROBLEM_TYPES,
  ];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  /** For validation problems: where in the input, and what is wrong there. */
  errors?: Array<{ pointer: string; detail: string }>;
}

export function problemOf(error: InputError, instance?: string, errors?: Problem['errors']): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${error.code}`,
    title: TITLE_OF[error.code],
    status: STATUS_OF[error.code],
    detail: error.message,
    ...(instance ? { instance } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** Every problem leaves through the redactor: a detail or a path may quote what the caller sent. */
export function problemResponse(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  const redactor = new Redactor();
  const safe: Problem = {
    ...problem,
    type: problem.type.startsWith(PROBLEM_TYPE_BASE)
      ? problemType(c, problem.type.slice(PROBLEM_TYPE_BASE.length))
      : problem.type,
    detail: redactor.text(problem.detail, 'problem'),
    ...(problem.instance ? { instance: redactor.url(problem.instance, 'problem') } : {}),
    ...(problem.errors
      ? { errors: problem.errors.map((error) => ({ ...error, detail: redactor.text(error.detail, 'problem') })) }
      : {}),
  };
  return c.body(JSON.stringify(safe), problem.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
    ...headers,
  });
}

/** A validation failure with a list of pointers into the input. */
export class ValidationError extends InputError {
  constructor(
    message: string,
    readonly errors: Array<{ pointer: string; detail: string }>,
  ) {
    super('invalid-input', message);
  }
}

/** A failed read of static assets is usually brief. */
const LIBRARY_RETRY_AFTER_SECONDS = 5;

/** The one place that turns any error into a response: known codes map to statuses, the rest to a bare 500. */
export function handleError(error: unknown, c: Context): Response {
  if (error instanceof ValidationError) return problemResponse(c, problemOf(error, c.req.path, error.errors));
  if (error instanceof InputError) return problemResponse(c, problemOf(error, c.req.path));
  if (error instanceof LibraryUnavailable)
    return problemResponse(
      c,
      {
        type: `${PROBLEM_TYPE_BASE}library-unavailable`,
        title: 'Articles unavailable',
        status: 503,
        detail: `${error.message}; try again shortly`,
        instance: c.req.path,
      },
      { 'retry-after': String(LIBRARY_RETRY_AFTER_SECONDS) },
    );
  return problemResponse(c, {
    type: `${PROBLEM_TYPE_BASE}internal`,
    title: 'Internal error',
    status: 500,
    detail:
      'fixpath failed to answer this request; the error has been logged. Try again, and report it if it persists.',
    instance: c.req.path,
  });
}
