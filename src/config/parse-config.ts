import { z } from 'zod';
import { type AnalyticsConfig, DEFAULT_ANALYTICS, readAnalyticsConfig } from './analytics.ts';
import { type AuthConfig, readAuthConfig } from './auth.ts';
import { ConfigError, DEFAULT_LIMITS, type Limits, readLimits } from './limits.ts';
import { readWidgetOrigins } from './origins.ts';
import { type ProxySettings, ProxyTrust, readPublicOrigin } from './proxy.ts';
import { DEFAULT_SERVER_CONFIG, readServerConfig, type ServerConfig } from './server.ts';

/**
 * Every setting fixpath reads, validated once at the entry: the Node server and the CLI pass
 * `process.env`, the Worker its vars and secrets. Nothing else reads the environment; the
 * entries hand the typed `Config` on. Every bad setting is reported at once, each by name.
 */
export interface Config {
  /** How the Node server listens and stops (ignored on Workers). */
  server: ServerConfig;
  /** ARTICLES_DIR: where the Node server and the CLI read articles. */
  articlesDir: string;
  /**
   * LIBRARY_FILE: the prebuilt library (`npm run build`) the Node server starts from, reading
   * again only the articles that changed since; `none` to always build at start.
   */
  libraryFile: string | null;
  limits: Limits;
  auth: AuthConfig;
  /** WIDGET_ORIGINS: websites allowed to call from a browser. */
  widgetOrigins: Set<string>;
  /** PUBLIC_ORIGIN and TRUST_PROXY. */
  proxy: ProxySettings;
  /** ANALYTICS, DATA_DIR, retention and batching of the event store. */
  analytics: AnalyticsConfig;
}

/** The Node server, the Worker, or the CLI (which serves nothing: its server and sign-in settings are not read). */
export type Runtime = 'node' | 'worker' | 'cli';

/**
 * An isolate's memory is 128 MB: a capture is held as bytes, text and parsed tree at once, so
 * uploads are capped far lower on Workers than on Node unless the operator says otherwise.
 */
const RUNTIME_DEFAULTS: Record<Runtime, Record<string, string>> = {
  node: {},
  worker: { MAX_UPLOAD_MB: '20' },
  cli: {},
};

/** The environment arrives untyped (a Worker's env also holds bindings): settings are its strings. */
const Environment = z
  .record(z.string(), z.unknown())
  .transform((env) =>
    Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
  );

/** What the entry knows of the machine: the CPUs Node may use (the default WORKERS). */
export interface Machine {
  cpus: number;
}

export function parseConfig(env: unknown, runtime: Runtime, machine: Machine = { cpus: 1 }): Config {
  // process.env and a Worker's env are not plain objects: their own entries are the settings.
  const parsed = Environment.safeParse(typeof env === 'object' && env !== null ? { ...env } : env);
  if (!parsed.success) throw new ConfigError('the environment is not a set of named settings');
  const settings: Record<string, string | undefined> = { ...RUNTIME_DEFAULTS[runtime], ...parsed.data };
  const problems: string[] = [];
  const read = <T>(reader: () => T, fallback: T): T => {
    try {
      return reader();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
      return fallback;
    }
  };
  const serves = runtime !== 'cli';
  const server = serves
    ? read(() => readServerConfig(settings, machine.cpus), DEFAULT_SERVER_CONFIG)
    : DEFAULT_SERVER_CONFIG;
  // Without sign-in, only a Node server on loopback or a Worker run by `wrangler dev` with LOCAL_MODE is local.
  const host = runtime === 'worker' ? (settings.LOCAL_MODE === 'true' ? '127.0.0.1' : 'workers.dev') : server.host;
  const local: AuthConfig = { mode: 'local' };
  const config: Config = {
    server,
    articlesDir: settings.ARTICLES_DIR || 'articles',
    libraryFile: settings.LIBRARY_FILE === 'none' ? null : settings.LIBRARY_FILE || 'dist/library.bin',
    limits: read(() => readLimits(settings), DEFAULT_LIMITS),
    auth: serves ? read(() => readAuthConfig(settings, host), local) : local,
    widgetOrigins: read(() => readWidgetOrigins(settings.WIDGET_ORIGINS), new Set<string>()),
    proxy: {
      publicOrigin: read(() => readPublicOrigin(settings.PUBLIC_ORIGIN), null),
      trust: read(() => ProxyTrust.parse(settings.TRUST_PROXY), ProxyTrust.none()),
    },
    analytics: read(() => readAnalyticsConfig(settings), DEFAULT_ANALYTICS),
  };
  if (problems.length > 0) throw new ConfigError(problems.join('; '));
  return config;
}
