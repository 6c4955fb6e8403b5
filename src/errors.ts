/**
 * Errors about what the caller sent, with stable codes. The HTTP layer maps codes to statuses
 * in one place; the CLI maps them to exit codes. Messages say what to fix.
 */
export type InputErrorCode =
  | 'empty-input'
  | 'invalid-json'
  | 'invalid-input'
  | 'unsupported-input'
  | 'unsupported-media-type'
  | 'body-too-large'
  | 'text-too-long'
  | 'invalid-encoding'
  | 'invalid-multipart'
  | 'not-found'
  | 'analytics-off';

export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: InputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The body's bytes are not UTF-8. */
export function notUtf8(): InputError {
  return new InputError('invalid-encoding', 'the body is not valid UTF-8; save or send it as UTF-8 text');
}

/** A JSON document nested deeper than MAX_JSON_DEPTH allows. */
export function nestedTooDeep(maxDepth: number): InputError {
  return new InputError(
    'invalid-input',
    `the JSON is nested more than the ${maxDepth} levels allowed (MAX_JSON_DEPTH)`,
  );
}
