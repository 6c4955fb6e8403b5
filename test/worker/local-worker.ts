import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onLines, ROOT, type RunningServer, stopProcess } from '../support/server.ts';

/** The wrangler.toml environments the tests run: `contract` has a local D1 as DB, `limits` has none. */
export type TestEnvironment = 'contract' | 'limits';

export interface LocalWorkerOptions {
  /** A wrangler.toml environment: the same Worker with other budgets and bindings. */
  environment?: TestEnvironment;
  /** Apply migrations/ to the local D1 before starting (`false`: leave it empty, as before the first `apply`). */
  migrate?: boolean;
  /** Let the test fire the cron trigger: GET /__scheduled runs the `scheduled` handler. */
  testScheduled?: boolean;
}

/** A Worker in workerd, and the folder its local D1 and Cache API live in. */
export interface LocalWorker extends RunningServer {
  state: string;
}

const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };

/** `wrangler d1 migrations apply DB --local`: the schema in migrations/, applied to a local D1 in `state`. */
export async function applyMigrations(state: string, environment?: TestEnvironment): Promise<void> {
  await promisify(execFile)(
    'npx',
    ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', ...envArgs(environment), '--persist-to', state],
    { cwd: ROOT, env: WRANGLER_ENV },
  );
}

const envArgs = (environment?: TestEnvironment): string[] => (environment ? ['--env', environment] : []);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * Start the Worker in the real Workers runtime (workerd, through `wrangler dev`) with the given
 * vars, and wait until it answers. Its local state (the D1 database, the Cache API) lives in a
 * folder of its own, removed when it stops, so runs never see each other's events or copies;
 * with `migrate`, `wrangler d1 migrations apply DB --local` prepares the database first, as an
 * operator does with `--remote`. Nothing here needs the network.
 */
export async function startLocalWorker(
  vars: Record<string, string> = {},
  options: LocalWorkerOptions = {},
): Promise<LocalWorker> {
  // The free port is found before wrangler binds it: another process may take it in between.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(vars, options);
    } catch (error) {
      if (attempt >= PORT_ATTEMPTS || !String(error).includes('Address already in use')) throw error;
    }
  }
}

/** How many ports `startLocalWorker` tries when the one it found is taken before wrangler binds it. */
const PORT_ATTEMPTS = 3;

async function startOnce(vars: Record<string, string>, options: LocalWorkerOptions): Promise<LocalWorker> {
  const state = mkdtempSync(join(tmpdir(), 'fixpath-workerd-'));
  try {
    if (options.migrate) await applyMigrations(state, options.environment);
    const port = await freePort();
    const args = [
      'wrangler',
      'dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--log-level',
      'log',
      '--persist-to',
      state,
      ...envArgs(options.environment),
      ...(options.testScheduled ? ['--test-scheduled'] : []),
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ];
    const child = spawn('npx', args, {
      cwd: ROOT,
      env: WRANGLER_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const logs: string[] = [];
    onLines(child.stdout!, (line) => logs.push(line));
    onLines(child.stderr!, (line) => logs.push(line));
    // wrangler starts workerd as its own child: end the whole process group, then drop the state.
    const stop = async (): Promise<void> => {
      await stopProcess(child, () => process.kill(-child.pid!, 'SIGTERM'));
      rmSync(state, { recursive: true, force: true });
    };
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${logs.join('\n')}`);
      try {
        // Any answer means it is listening; a misconfigured Worker answers 503.
        await (await fetch(`${url}/healthz`)).arrayBuffer();
        break;
      } catch {
        // not listening yet
      }
      if (Date.now() - started > 90_000) {
        await stop();
        throw new Error(`the Worker did not start in 90 s:\n${logs.join('\n')}`);
      }
      await new Promise((done) => setTimeout(done, 250));
    }
    return { url, logs, process: child, stop, state };
  } catch (error) {
    rmSync(state, { recursive: true, force: true });
    throw error;
  }
}
