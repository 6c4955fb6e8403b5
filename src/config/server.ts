import { ConfigError, readMebibytes, readWholeNumber } from './limits.ts';

/**
 * How the Node server listens, how long it waits for slow clients, and how it stops: every
 * setting named here with its default, read from the environment and validated in one step.
 */
export interface ServerConfig {
  port: number;
  host: string;
  /** Largest request head (request line and headers); Node answers 431 beyond it. */
  maxHeaderBytes: number;
  /** Time a client has to send a request's head; past it Node answers 408 and closes. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request, body included; past it Node answers 408 and closes. */
  requestTimeoutMs: number;
  /** After SIGTERM or SIGINT, time left to in-flight requests before every connection is cut and the process exits. */
  shutdownTimeoutMs: number;
  /** After the signal, idle keep-alive connections stay open this long (at most the deadline), so a request already on its way is answered rather than reset. */
  shutdownIdleGraceMs: number;
  /** A body left unsent when the answer was given (a 413, 415, 401…) is read and dropped up to this many bytes, so a client that sends it all before reading gets the answer; 0 turns it off. */
  refusedBodyDrainBytes: number;
  /** …and for at most this long. */
  refusedBodyDrainMs: number;
  /** Processes that serve: 1 serves from this process alone; more run a cluster of that many workers on one port. */
  workers: number;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  port: 8787,
  host: '127.0.0.1',
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  shutdownTimeoutMs: 10_000,
  shutdownIdleGraceMs: 1_000,
  refusedBodyDrainBytes: 64 * 1024 * 1024,
  refusedBodyDrainMs: 5_000,
  workers: 1,
};

const MIN_HEADER_BYTES = 1024;
/**
 * Most workers WORKERS may ask for. Each holds its own knowledge base and index in memory, and
 * one primary answers every worker's rate-limit questions and writes every event: past this many
 * processes that one thread, not the cores, sets the pace.
 */
export const MAX_WORKERS = 64;

/**
 * Read the server settings from the environment; a bad value stops start-up with its name.
 * `cpus` is the machine's (the entry asks Node): WORKERS defaults to it, up to MAX_WORKERS.
 */
export function readServerConfig(env: Record<string, string | undefined>, cpus = 1): ServerConfig {
  const config = { ...DEFAULT_SERVER_CONFIG, workers: Math.min(Math.max(1, Math.floor(cpus)), MAX_WORKERS) };
  const set = (variable: string, read: (raw: string) => void): void => {
    const raw = env[variable];
    if (raw !== undefined && raw !== '') read(raw);
  };
  set('PORT', (raw) => {
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new ConfigError(`PORT must be a port number (0-65535), not "${raw}"`);
    config.port = port;
  });
  set('HOST', (raw) => (config.host = raw));
  set(
    'MAX_HEADER_BYTES',
    (raw) => (config.maxHeaderBytes = readWholeNumber('MAX_HEADER_BYTES', raw, MIN_HEADER_BYTES)),
  );
  set('HEADERS_TIMEOUT_MS', (raw) => (config.headersTimeoutMs = readWholeNumber('HEADERS_TIMEOUT_MS', raw, 1)));
  set('REQUEST_TIMEOUT_MS', (raw) => (config.requestTimeoutMs = readWholeNumber('REQUEST_TIMEOUT_MS', raw, 1)));
  set('SHUTDOWN_TIMEOUT_MS', (raw) => (config.shutdownTimeoutMs = readWholeNumber('SHUTDOWN_TIMEOUT_MS', raw, 1)));
  set(
    'SHUTDOWN_IDLE_GRACE_MS',
    (raw) => (config.shutdownIdleGraceMs = readWholeNumber('SHUTDOWN_IDLE_GRACE_MS', raw, 0)),
  );
  set(
    'REFUSED_BODY_DRAIN_MB',
    (raw) => (config.refusedBodyDrainBytes = readMebibytes('REFUSED_BODY_DRAIN_MB', raw, 0)),
  );
  set('REFUSED_BODY_DRAIN_MS', (raw) => (config.refusedBodyDrainMs = readWholeNumber('REFUSED_BODY_DRAIN_MS', raw, 0)));
  set('WORKERS', (raw) => {
    const workers = Number(raw);
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS)
      throw new ConfigError(
        `WORKERS must be a whole number of processes from 1 to ${MAX_WORKERS} (1 serves from one process; the default is the number of CPUs), not "${raw}"`,
      );
    config.workers = workers;
  });
  // Node refuses a head timeout longer than the whole request's.
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not be longer than REQUEST_TIMEOUT_MS (${config.requestTimeoutMs})`,
    );
  }
  return config;
}
