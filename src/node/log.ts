import type { AccessLogEntry } from '../http/app.ts';

/**
 * One JSON object per line on stdout: what an operator's log pipeline expects. Lines written
 * during one turn of the event loop leave in one write, so logging does not cost a system call
 * per request.
 */
const LOG_FLUSH_MS = 50;
let pendingLines: string[] = [];
/** The worker that writes, in a cluster: every line names it. */
let worker: number | undefined;
let workerField = '';
let write = (text: string): void => void process.stdout.write(text);
let delivered = (): Promise<void> => Promise.resolve();

/** Where a cluster worker's lines go, and how it knows they have arrived. */
export interface LogChannel {
  write: (text: string) => void;
  /** Resolves once everything written so far has reached its reader. */
  delivered: () => Promise<void>;
}

/**
 * In a cluster worker: every line says which worker wrote it, and leaves through `channel`
 * (to the primary, which alone writes the shared stdout: writes of several processes to one
 * pipe may interleave mid-line once they pass the pipe's atomic size, and a batch of lines does).
 */
export function logAsWorker(id: number, channel: LogChannel): void {
  worker = id;
  workerField = `,"worker":${id}`;
  write = channel.write;
  delivered = channel.delivered;
}

export function log(event: Record<string, unknown>): void {
  queueLine(JSON.stringify(worker === undefined ? { time: isoNow(), ...event } : { time: isoNow(), worker, ...event }));
}

/**
 * The access log line, one per request, written field by field: building and serialising a
 * merged object for it cost more than a cached search answer's own work.
 */
export function logRequest(entry: AccessLogEntry): void {
  queueLine(
    `{"time":"${isoNow()}"${workerField},"level":"info","event":"request","requestId":${JSON.stringify(entry.requestId)},"method":${JSON.stringify(entry.method)},"route":${JSON.stringify(entry.route)},"status":${entry.status},"durationMs":${entry.durationMs}}`,
  );
}

/** Write the queued lines now: before the process exits, or when a line must not wait. */
export function flushLog(): void {
  if (pendingLines.length === 0) return;
  const lines = pendingLines;
  pendingLines = [];
  write(lines.join(''));
}

/** Write the queued lines and wait until they have reached the log: before the process exits. */
export async function flushLogAndWait(): Promise<void> {
  flushLog();
  await delivered();
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
