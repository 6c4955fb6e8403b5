import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { InputError, type InputErrorCode } from '../errors.ts';
import { Redactor } from '../redact/redactor.ts';

/** Base of the problem `type` URIs; each code has a section in the API reference. */
export const PROBLEM_TYPE_BASE = '/docs#problem-';

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
};

/** Every problem type the API answers with, for the reference page. */
export function problemTypes(): Array<{ code: string; status: number; title: string }> {
  return (Object.keys(TITLE_OF) as InputErrorCode[]).map((code) => ({ code, status: STATUS_OF[code], title: TITLE_OF[code] }));
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
    detail: redactor.text(problem.detail, 'problem'),
    ...(problem.instance ? { instance: redactor.url(problem.instance, 'problem') } : {}),
    ...(problem.errors ? { errors: problem.errors.map((error) => ({ ...error, detail: redactor.text(error.detail, 'problem') })) } : {}),
  };
  return c.body(JSON.stringify(safe), problem.status as ContentfulStatusCode, { 'content-type': 'application/problem+json', ...headers });
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

/** The one place that turns any error into a response: known codes map to statuses, the rest to a bare 500. */
export function handleError(error: unknown, c: Context): Response {
  if (error instanceof ValidationError) return problemResponse(c, problemOf(error, c.req.path, error.errors));
  if (error instanceof InputError) return problemResponse(c, problemOf(error, c.req.path));
  return problemResponse(c, {
    type: `${PROBLEM_TYPE_BASE}internal`,
    title: 'Internal error',
    status: 500,
    detail: 'fixpath failed to answer this request; the error has been logged. Try again, and report it if it persists.',
    instance: c.req.path,
  });
}
