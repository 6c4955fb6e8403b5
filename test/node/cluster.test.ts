import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { RawConnection } from '../support/raw-http.ts';
import { onLines, ROOT, type RunningServer, startServer, stopProcess, waitFor } from '../support/server.ts';
import {
  type LogEvent,
  logEvents,
  uniqueRequestId,
  waitForLogLine,
  waitForRequestLine,
} from '../support/server-log.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The worker that answered, from its access-log line. */
  worker: number;
}

/**
 * One request on a connection of its own (the cluster hands each new connection to the next
 * worker), and the worker that answered it, read from the access log.
 */
async function ask(
  server: RunningServer,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const requestId = uniqueRequestId('cluster');
  const { status, headers, body } = await new Promise<Omit<Answer, 'worker'>>((resolve, reject) => {
    const outgoing = httpRequest(
      `${server.url}${path}`,
      { method: init.method ?? 'GET', headers: { ...init.headers, 'x-request-id': requestId }, agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
  const line = await waitForRequestLine(server, requestId);
  assert.equal(typeof line.worker, 'number', `the access-log line names its worker: ${JSON.stringify(line)}`);
  return { status, headers, body, worker: line.worker as number };
}

const diagnose = (server: RunningServer, text: string): Promise<Answer> =>
  ask(server, '/v1/diagnose', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });

/** Ask until every worker in `workers` has answered; returns the answers. */
async function askEveryWorker(workers: number[], send: () => Promise<Answer>, attempts = 20): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    answers.push(await send());
    if (workers.every((worker) => answers.some((answer) => answer.worker === worker))) return answers;
  }
  assert.fail(
    `not every worker of ${workers.join(', ')} answered: ${answers.map((answer) => answer.worker).join(', ')}`,
  );
}

const eventsNamed = (server: RunningServer, name: string): LogEvent[] =>
  logEvents(server).filter((event) => event.event === name);

const exitOf = (server: RunningServer): Promise<number | null> =>
  server.process.exitCode !== null
    ? Promise.resolve(server.process.exitCode)
    : new Promise((resolve) => server.process.once('exit', (code) => resolve(code)));

const kill = (server: RunningServer): void => {
  if (server.process.exitCode === null) server.process.kill('SIGKILL');
};

const NEW_ARTICLE = `---
title: Numbat gateway drops the region header
summary: The numbat gateway needs the region header on every call.
---
## Symptoms
The numbat gateway answers 401.
## Resolution steps
### Send the region header {#send-region}
\`curl -H 'x-numbat-region: eu' https://api.example.com\`
`;

describe('WORKERS=2: a cluster of two workers on one port', () => {
  let server: RunningServer;
  let articles: string;

  before(async () => {
    articles = await mkdtemp(join(tmpdir(), 'fixpath-cluster-articles-'));
    await cp(join(ROOT, 'articles'), articles, { recursive: true });
    // Events are written only when something asks for them (a summary, the shutdown).
    server = await startServer({ WORKERS: '2', ARTICLES_DIR: articles, ANALYTICS_FLUSH_MS: '600000' });
  });
  after(async () => {
    await server.stop();
    await rm(articles, { recursive: true, force: true });
  });

  it("starts both, says so once, and every line is one JSON object; the workers' lines name their worker", async () => {
    const listening = eventsNamed(server, 'listening');
    assert.equal(listening.length, 1, 'one "listening" line, once every worker listens');
    assert.equal(listening[0]!.workers, 2);
    assert.equal(listening[0]!.worker, undefined, "the primary's own lines name no worker");
    assert.deepEqual(
      eventsNamed(server, 'worker-ready')
        .map((event) => event.worker)
        .sort(),
      [1, 2],
    );
    const answers = await askEveryWorker([1, 2], () => ask(server, '/healthz'));
    assert.ok(answers.every((answer) => answer.status === 200));
    // A burst: each worker writes its lines in batches far past a pipe's atomic 4 KiB.
    const burst = await Promise.all(
      Array.from({ length: 400 }, (_, index) => fetch(`${server.url}/v1/suggest?q=token${index % 7}`)),
    );
    assert.ok(burst.every((response) => response.status === 200));
    const requestId = uniqueRequestId('after-burst');
    await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': requestId } });
    await waitForRequestLine(server, requestId);
    const stdout = server.logs.filter((line) => line.startsWith('{'));
    assert.equal(logEvents(server).length, stdout.length, 'no line was cut or interleaved with another');
    for (const event of eventsNamed(server, 'request')) assert.ok(event.worker === 1 || event.worker === 2);
  });

  it('counts events recorded through both workers in one summary, whichever worker reads it', async () => {
    const before = (await diagnosesToday(server)).total;
    const answers = await askEveryWorker([1, 2], () => diagnose(server, 'the jwt expired an hour ago, 401'));
    const views = await askEveryWorker([1, 2], () =>
      ask(server, '/v1/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'view', article: 'expired-access-token', via: 'search' }),
      }),
    );
    assert.ok(answers.every((answer) => answer.status === 200));
    assert.ok(views.every((answer) => answer.status === 202));
    // The primary holds them in memory (ANALYTICS_FLUSH_MS is long), and tells every worker how many.
    const held = answers.length + views.length;
    const told = new Set<number>();
    await waitFor(async () => {
      const answer = await ask(server, '/healthz');
      if ((JSON.parse(answer.body) as { analytics: { unflushed: number } }).analytics.unflushed === held)
        told.add(answer.worker);
      return told.size === 2;
    }, 5_000);
    for (const reader of [1, 2]) {
      const read = await diagnosesToday(server, reader);
      assert.equal(read.total, before + answers.length, `worker ${reader} reads every diagnosis`);
      assert.equal(read.views, views.length);
    }
  });

  it('reloads a new article in every worker', async () => {
    await writeFile(join(articles, 'numbat-region.md'), NEW_ARTICLE);
    await waitFor(
      async () =>
        [1, 2].every((worker) =>
          eventsNamed(server, 'articles-reloaded').some(
            (event) => event.worker === worker && (event.changed as string[]).includes('numbat-region.md'),
          ),
        ),
      5_000,
    );
    const answers = await askEveryWorker([1, 2], () => ask(server, '/v1/articles/numbat-region'));
    assert.ok(
      answers.every((answer) => answer.status === 200),
      answers.map((a) => `${a.worker}: ${a.status}`).join(', '),
    );
  });

  it('replaces a killed worker, and the new one answers', async () => {
    const ready = eventsNamed(server, 'worker-ready');
    const victim = ready.find((event) => event.worker === 1)!;
    process.kill(victim.pid as number, 'SIGKILL');
    const exited = await waitForLogLine(server, 'worker 1 exiting', (event) => event.event === 'worker-exited');
    assert.equal(exited.worker, 1);
    assert.equal(exited.signal, 'SIGKILL');
    assert.equal(exited.restartInMs, 100);
    const replaced = await waitForLogLine(
      server,
      'a third worker ready',
      (event) => event.event === 'worker-ready' && event.worker === 3,
      20_000,
    );
    assert.notEqual(replaced.pid, victim.pid);
    const answers = await askEveryWorker([2, 3], () => ask(server, '/v1/articles/numbat-region'));
    assert.ok(answers.every((answer) => answer.status === 200 && answer.worker !== 1));
  });
});

/** Today's diagnoses and views as the summary counts them, read through `worker` when given. */
async function diagnosesToday(server: RunningServer, worker?: number): Promise<{ total: number; views: number }> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const answer = await ask(server, '/v1/insights/summary');
    if (worker !== undefined && answer.worker !== worker) continue;
    assert.equal(answer.status, 200, answer.body);
    const summary = JSON.parse(answer.body) as { diagnoses: { total: number }; views: number };
    return { total: summary.diagnoses.total, views: summary.views };
  }
  assert.fail(`worker ${worker} never answered the summary`);
}

describe('WORKERS=2: rate limits', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({
      WORKERS: '2',
      AUTH_JWT_SECRET: 'cluster-test-secret-0123456789abcdefghijkl',
      AUTH_ISSUER: 'https://login.example.com/',
      AUTH_AUDIENCE: 'fixpath',
      RATE_LIMIT_PER_MINUTE: '6',
    });
  });
  after(() => server.stop());

  it('limits a client at the same count whichever worker answers', async () => {
    const answers: Answer[] = [];
    for (let index = 0; index < 9; index += 1) answers.push(await ask(server, '/v1/articles'));
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200, 200, 200, 200, 429, 429, 429],
    );
    const workers = (status: number) => new Set(answers.filter((a) => a.status === status).map((a) => a.worker));
    assert.deepEqual([...workers(200)].sort(), [1, 2], 'both workers took from the one budget');
    assert.deepEqual([...workers(429)].sort(), [1, 2], 'and both refused once it was spent');
    assert.deepEqual(
      answers.slice(0, 6).map((answer) => /r=(\d+)/.exec(String(answer.headers.ratelimit))?.[1]),
      ['5', '4', '3', '2', '1', '0'],
    );
  });
});

describe('WORKERS=2: stopping', () => {
  it('SIGTERM: every worker answers what is in flight, the events are written, and the primary exits 0', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fixpath-cluster-data-'));
    const server = await startServer({ WORKERS: '2', DATA_DIR: dataDir, ANALYTICS_FLUSH_MS: '600000' });
    const client = await RawConnection.open(server.url);
    try {
      const text = `TokenExpiredError: jwt expired ${'.'.repeat(200_000)}`;
      await client.write(
        `POST /v1/diagnose HTTP/1.1\r\nHost: fixpath\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n`,
      );
      await client.write(text.slice(0, 100_000));
      const exited = exitOf(server);
      server.process.kill('SIGTERM');
      await waitForLogLine(server, 'shutting down', (event) => event.event === 'shutting-down');
      for (let offset = 100_000; offset < text.length; offset += 25_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.ok(await client.write(text.slice(offset, offset + 25_000)), 'the worker kept reading');
      }
      const response = await client.readResponse();
      assert.equal(response.status, 200);
      assert.equal(response.headers.connection, 'close');
      assert.equal(await exited, 0);
      const stopped = eventsNamed(server, 'stopped');
      assert.deepEqual(stopped.map((event) => event.worker ?? 'primary').sort(), [1, 2, 'primary'].sort());
      assert.ok(stopped.every((event) => event.cutConnections !== true));
      assert.equal(stopped.at(-1)!.worker, undefined, "the primary's line is the last");
      const database = new DatabaseSync(join(dataDir, 'fixpath.db'));
      const { kept } = database.prepare('SELECT count(*) AS kept FROM events').get() as { kept: number };
      database.close();
      assert.equal(kept, 1, 'the answered diagnosis was written');
    } finally {
      client.close();
      kill(server);
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('gives up, stops the cluster and exits 1 when workers keep dying', async () => {
    const server = await startServer({ WORKERS: '2' });
    try {
      const exited = exitOf(server);
      const killed = new Set<number>();
      // Each worker is killed as soon as it is ready: six deaths within a minute.
      await waitFor(async () => {
        for (const event of eventsNamed(server, 'worker-ready')) {
          const pid = event.pid as number;
          if (killed.has(pid) || killed.size >= 6) continue;
          killed.add(pid);
          process.kill(pid, 'SIGKILL');
        }
        return eventsNamed(server, 'workers-crash-loop').length > 0;
      }, 40_000);
      assert.equal(await exited, 1);
      assert.deepEqual(
        eventsNamed(server, 'worker-exited').map((event) => event.restartInMs),
        [100, 200, 400, 800, 1600],
      );
      assert.match(String(eventsNamed(server, 'workers-crash-loop')[0]!.message), /6 workers died within a minute/);
      assert.equal(eventsNamed(server, 'stopped').at(-1)!.level, 'error');
    } finally {
      kill(server);
    }
  });

  it('exits 1 at start-up when the workers cannot listen, saying why', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      await assert.rejects(startServer({ WORKERS: '2', PORT: String(port) }), (error: Error) => {
        assert.match(error.message, /server exited with 1/);
        assert.match(error.message, /"worker":\d,"level":"error","event":"start-failed","message":".*EADDRINUSE/);
        assert.match(error.message, /"event":"start-failed".*exited before it was listening/);
        return true;
      });
    } finally {
      taken.close();
    }
  });
});

describe("WORKERS under another supervisor's cluster (pm2's cluster mode)", () => {
  it('serves as one process, saying WORKERS is ignored', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fixpath-foreign-cluster-'));
    const primary = join(directory, 'primary.mjs');
    await writeFile(
      primary,
      `import cluster from 'node:cluster';
cluster.setupPrimary({ exec: ${JSON.stringify(join(ROOT, 'src', 'node.ts'))}, execArgv: ['--import', 'tsx'] });
cluster.fork();
`,
    );
    const child = spawn(process.execPath, [primary], {
      cwd: ROOT,
      env: { ...process.env, WORKERS: '2', PORT: '0', HOST: '127.0.0.1', DATA_DIR: directory },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line:\n${lines.join('\n')}`)), 20_000);
        onLines(child.stdout!, (line) => {
          lines.push(line);
          const event = JSON.parse(line) as { event?: string; url?: string };
          if (event.event === 'listening') {
            clearTimeout(timer);
            resolve(event.url!);
          }
        });
      });
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.ok(lines.some((line) => line.includes('"event":"workers-ignored"')));
      assert.ok(!lines.some((line) => line.includes('"event":"cluster-starting"')), 'it forked nothing');
    } finally {
      await stopProcess(child, () => child.kill('SIGKILL'));
      await rm(directory, { recursive: true, force: true });
    }
  });
});
