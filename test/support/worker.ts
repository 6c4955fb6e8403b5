import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { onLines, ROOT, type RunningServer, stopProcess } from './server.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * Start the Worker in the real Workers runtime (workerd, through `wrangler dev`), with the
 * given vars (and optionally a wrangler.toml environment), and wait until it answers.
 */
export async function startWorker(
  vars: Record<string, string> = {},
  environment?: 'contract' | 'limits',
): Promise<RunningServer> {
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
    // A wrangler.toml environment: the same Worker with other Rate Limiting budgets.
    ...(environment ? ['--env', environment] : []),
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ];
  const child = spawn('npx', args, {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const logs: string[] = [];
  onLines(child.stdout!, (line) => logs.push(line));
  onLines(child.stderr!, (line) => logs.push(line));
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${logs.join('\n')}`);
    try {
      // Any answer means it is listening; a misconfigured Worker answers 503.
      const response = await fetch(`${url}/healthz`);
      await response.arrayBuffer();
      break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 90_000) throw new Error(`the Worker did not start in 90 s:\n${logs.join('\n')}`);
    await new Promise((done) => setTimeout(done, 250));
  }
  return {
    url,
    logs,
    process: child,
    // wrangler starts workerd as its own child: end the whole process group.
    stop: () => stopProcess(child, () => process.kill(-child.pid!, 'SIGTERM')),
  };
}
