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
};

const MIN_HEADER_BYTES = 1024;

/** Read the server settings from the environment; a bad value stops start-up with its name. */
export function readServerConfig(env: Record<string, string | undefined>): ServerConfig {
  const config = { ...DEFAULT_SERVER_CONFIG };
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
  // Node refuses a head timeout longer than the whole request's.
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not be longer than REQUEST_TIMEOUT_MS (${config.requestTimeoutMs})`,
    );
  }
  return config;
}
