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
  | 'not-found';

export class InputError extends Error {
  override readonly name = 'InputError';
  constructor(
    readonly code: InputErrorCode,
    message: string,
  ) {
    super(message);
  }
}
