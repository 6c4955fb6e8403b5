import { randomUUID } from 'node:crypto';
import type { RunningServer } from './server.ts';

/** Long enough for the Node server's 50 ms flush and for wrangler relaying workerd's console. */
const LOG_WAIT_MS = 10_000;
const POLL_MS = 25;
/** A failure shows this many of the latest lines: a fuzzed server has logged thousands. */
const LINES_SHOWN = 60;

export type LogEvent = Record<string, unknown>;

/** The JSON events in a server's log, in order; wrangler may prefix and colour the lines. */
export function logEvents(server: RunningServer): LogEvent[] {
  return (
    server.logs
      .join('\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: wrangler's terminal colours start with ESC
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n')
      .flatMap((line) => {
        const start = line.indexOf('{"time"');
        if (start < 0) return [];
        try {
          return [JSON.parse(line.slice(start)) as LogEvent];
        } catch {
          return [];
        }
      })
  );
}

/** Poll the log until an event passes `found`; fail naming `what` and showing the log. */
export async function waitForLogLine(
  server: RunningServer,
  what: string,
  found: (event: LogEvent) => boolean,
  timeoutMs = LOG_WAIT_MS,
): Promise<LogEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = logEvents(server).find(found);
    if (event) return event;
    if (Date.now() >= deadline) {
      const shown = server.logs.length > LINES_SHOWN ? `, the last ${LINES_SHOWN} shown` : '';
      throw new Error(
        `no log line for ${what} within ${timeoutMs} ms; the log (${server.logs.length} lines${shown}):\n${server.logs.slice(-LINES_SHOWN).join('\n')}`,
      );
    }
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
}

/** An `x-request-id` no other request carries, so that its access-log line can be waited for. */
export function uniqueRequestId(label: string): string {
  // The server keeps 64 characters of [\w.-] and drops the rest: a label it changed would never be found.
  if (!/^[\w.-]{1,50}$/.test(label))
    throw new Error(`request id label ${JSON.stringify(label)} must be 1-50 of [A-Za-z0-9_.-]`);
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/**
 * Wait for the access-log line of the request sent with this `x-request-id`. The Node server
 * writes its lines in the order they were logged, so by then everything logged while serving
 * the requests answered before this one is in the log too, and an absence can be asserted.
 */
export function waitForRequestLine(
  server: RunningServer,
  requestId: string,
  timeoutMs = LOG_WAIT_MS,
): Promise<LogEvent> {
  return waitForLogLine(
    server,
    `request ${requestId}`,
    (event) => event.event === 'request' && event.requestId === requestId,
    timeoutMs,
  );
}
