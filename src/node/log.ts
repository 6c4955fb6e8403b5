import type { AccessLogEntry } from '../http/app.ts';

/**
 * One JSON object per line on stdout: what an operator's log pipeline expects. Lines written
 * during one turn of the event loop leave in one write, so logging does not cost a system call
 * per request.
 */
const LOG_FLUSH_MS = 50;
let pendingLines: string[] = [];

export function log(event: Record<string, unknown>): void {
  queueLine(JSON.stringify({ time: isoNow(), ...event }));
}

/**
 * The access log line, one per request, written field by field: building and serialising a
 * merged object for it cost more than a cached search answer's own work.
 */
export function logRequest(entry: AccessLogEntry): void {
  queueLine(
    `{"time":"${isoNow()}","level":"info","event":"request","requestId":${JSON.stringify(entry.requestId)},"method":${JSON.stringify(entry.method)},"route":${JSON.stringify(entry.route)},"status":${entry.status},"durationMs":${entry.durationMs}}`,
  );
}

/** Write the queued lines now: before the process exits, or when a line must not wait. */
export function flushLog(): void {
  if (pendingLines.length === 0) return;
  const lines = pendingLines;
  pendingLines = [];
  process.stdout.write(lines.join(''));
}

function queueLine(line: string): void {
  if (pendingLines.length === 0) setTimeout(flushLog, LOG_FLUSH_MS).unref();
  pendingLines.push(`${line}\n`);
}

let clockMs = 0;
let clockText = '';
/** The time in ISO 8601, formatted once per millisecond however many lines share it. */
function isoNow(): string {
  const now = Date.now();
  if (now !== clockMs) {
    clockMs = now;
    clockText = new Date(now).toISOString();
  }
  return clockText;
}
