import type { AppDeps } from './app.ts';

/**
 * The app's events as log lines, the same on every runtime: the entry says how a line is
 * written (Node's buffered stdout, the Worker's console), this says what it holds. Only the
 * error's message is kept: errors that reach here have been redacted by the app.
 */
export function eventLogHooks(
  write: (entry: Record<string, unknown>) => void,
): Pick<AppDeps, 'onFeedback' | 'onUnexpectedError'> {
  return {
    onFeedback: (event) => write({ level: 'info', event: 'feedback', ...event }),
    onUnexpectedError: (error, requestId) =>
      write({
        level: 'error',
        event: 'unexpected-error',
        requestId,
        message: error instanceof Error ? error.message : String(error),
      }),
  };
}
