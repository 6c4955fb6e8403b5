import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { readHar } from '../../src/har/read-har.ts';
import { sanitizeHar } from '../../src/har/sanitize-har.ts';
import { CANARY, CANARY_JWT, canaryHar } from '../support/canary-har.ts';
import { ROOT, type RunningServer, startServer } from '../support/server.ts';
import { uniqueRequestId, waitForRequestLine } from '../support/server-log.ts';

const leaks = (text: string): string[] => text.split(/\r?\n/).filter((line) => line.toLowerCase().includes(CANARY));

let server: RunningServer;
let directory: string;
before(async () => {
  server = await startServer();
  directory = await mkdtemp(join(tmpdir(), 'fixpath-canary-'));
});
after(async () => {
  await server.stop();
  await rm(directory, { recursive: true, force: true });
});

describe('a canary planted in every place a HAR keeps secrets', () => {
  it('is planted: the capture is valid and carries it everywhere', () => {
    const text = JSON.stringify(canaryHar(), null, 1);
    assert.ok(leaks(text).length >= 20, `${leaks(text).length} places`);
    assert.equal(readHar(canaryHar()).entries.length, 2);
  });

  it('does not survive sanitizing; the capture keeps its entries, challenges and token claims', () => {
    const { har, manifest } = sanitizeHar(canaryHar());
    const text = JSON.stringify(har, null, 1);
    assert.deepEqual(leaks(text), []);
    assert.deepEqual(leaks(JSON.stringify(manifest)), []);
    assert.equal(readHar(har).entries.length, 2);
    assert.match(text, /error=\\"invalid_token\\"/);
    const authorization = (
      har as { log: { entries: Array<{ request: { headers: Array<{ name: string; value: string }> } }> } }
    ).log.entries[1]!.request.headers.find((header) => header.name === 'Authorization')!.value;
    assert.match(
      authorization,
      /^Bearer eyJ[\w-]+\.eyJ[\w-]+\.redacted-[0-9a-f]{8}$/,
      'header and claims kept, signature replaced',
    );
    assert.ok(manifest.removed.some((item) => item.name === 'Authorization'));
  });

  it('gives equal secrets equal markers, so an agent can match them across entries', () => {
    const { har } = sanitizeHar(canaryHar());
    const text = JSON.stringify(har);
    const query = /client_secret=(%5Bredacted|\[redacted):([0-9a-f]{8})/.exec(text);
    assert.ok(query);
    const tag = query[2]!;
    assert.ok(text.split(tag).length - 1 >= 2, 'the same query secret in url and queryString has the same marker');
  });

  it('does not reach the diagnosis, the server logs, or an error', async () => {
    const response = await fetch(`${server.url}/v1/diagnose`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ har: canaryHar() }),
    });
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.deepEqual(leaks(text), []);
    const result = JSON.parse(text) as { causes: Array<{ id: string }>; findings: unknown[] };
    assert.ok(result.causes.length > 0 && result.findings.length === 2);

    const broken = canaryHar() as { log: { entries: Array<{ request: { url: unknown } }> } };
    broken.log.entries[1]!.request.url = { secret: `${CANARY}-in-a-bad-field` };
    const problem = await fetch(`${server.url}/v1/diagnose`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ har: broken }),
    });
    assert.equal(problem.status, 422);
    const detail = await problem.text();
    assert.match(detail, /log\.entries\[1\]\.request\.url must be a string/);
    assert.deepEqual(leaks(detail), []);

    const requestId = uniqueRequestId('canary-sanitize');
    const sanitized = await fetch(`${server.url}/v1/har/sanitize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(canaryHar()),
    });
    assert.equal(sanitized.status, 200);
    assert.deepEqual(leaks(await sanitized.text()), []);

    await waitForRequestLine(server, requestId);
    assert.deepEqual(leaks(server.logs.join('\n')), []);
  });

  it('does not reach the command line output or the file it writes', async () => {
    const input = join(directory, 'capture.har');
    const output = join(directory, 'clean.har');
    await writeFile(input, JSON.stringify(canaryHar()));
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'fixpath.js'), ...args], { cwd: ROOT, encoding: 'utf8' });
    for (const run of [cli('triage', input), cli('triage', '--json', input), cli('sanitize', input, '-o', output)]) {
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(leaks(run.stdout + run.stderr), []);
    }
    assert.deepEqual(leaks(await readFile(output, 'utf8')), []);
  });

  it('does not reach the event store: every route, excerpts on, then the database file itself', async () => {
    const dataDir = join(directory, 'data');
    const store = await startServer({ DATA_DIR: dataDir, ANALYTICS_EXCERPTS: 'on', ANALYTICS_FLUSH_MS: '50' });
    const headers = { 'x-fixpath-session': `${CANARY}-not-a-session-id`, 'x-fixpath-channel': 'widget' };
    // Pastes fixpath cannot settle keep a redacted excerpt; these carry secrets where pastes do.
    const pastes = [
      `HTTP/1.1 418 I'm a teapot\nSet-Cookie: sid=${CANARY}-pasted-cookie\nAuthorization: Bearer ${CANARY_JWT}\n\n{"code":"BrewFailed","message":"kettle said no","client_secret":"${CANARY}-pasted-json"}`,
      `ZZQ9001 our kettle fails; curl -H 'X-Api-Key: ${CANARY}-pasted-header' 'https://api.example.com/v1/pots?access_token=${CANARY}-pasted-query'`,
      `password=${CANARY}-pasted-form&client_id=web gives ZZQ9002 from the kettle`,
    ];
    const post = (path: string, body: string, type = 'text/plain') =>
      fetch(`${store.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': type }, body });
    const sent: Response[] = [];
    for (const paste of pastes) {
      sent.push(await post('/v1/diagnose', paste));
      sent.push(
        await post('/v1/chat', JSON.stringify({ messages: [{ role: 'user', text: paste }] }), 'application/json'),
      );
    }
    sent.push(await post('/v1/diagnose', JSON.stringify({ har: canaryHar() }), 'application/json'));
    sent.push(
      await post('/v1/chat', JSON.stringify({ messages: [{ role: 'user', har: canaryHar() }] }), 'application/json'),
    );
    sent.push(
      await post(
        '/v1/feedback',
        JSON.stringify({
          helpful: false,
          cause: 'token-expired',
          reason: 'other',
          comment: `still failing with Authorization: Bearer ${CANARY_JWT} and api_key=${CANARY}-comment-key`,
        }),
        'application/json',
      ),
    );
    sent.push(await fetch(`${store.url}/v1/search?q=${CANARY}-search-secret`, { headers }));
    sent.push(
      await post('/v1/events', JSON.stringify({ type: 'view', article: 'expired-access-token', via: 'search' })),
    );
    assert.deepEqual(
      sent.map((response) => response.status).filter((status) => status >= 300),
      [],
    );
    await store.stop();

    const kept = new DatabaseSync(join(dataDir, 'fixpath.db'), { readOnly: true });
    const counts = kept
      .prepare(
        'SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM feedback) AS votes, (SELECT count(*) FROM events WHERE excerpt IS NOT NULL) AS excerpts',
      )
      .get() as Record<string, number>;
    const comment = kept.prepare('SELECT comment FROM feedback').get() as { comment: string };
    kept.close();
    assert.ok(counts.events! >= 10 && counts.votes === 1 && counts.excerpts! >= 1, JSON.stringify(counts));
    assert.match(comment.comment, /still failing with Authorization: Bearer/, 'the comment is kept, redacted');
    for (const file of ['fixpath.db', 'fixpath.db-wal', 'fixpath.db-shm']) {
      const path = join(dataDir, file);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path).toString('latin1').toLowerCase();
      assert.equal(bytes.includes(CANARY), false, `${file} holds a planted secret`);
    }
  });
});
