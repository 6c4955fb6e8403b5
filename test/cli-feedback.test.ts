import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { InsightsSummary } from '../src/insights/insights.ts';
import { ROOT, type RunningServer, startServer, waitFor } from './support/server.ts';

/**
 * `fixpath feedback` and what `fixpath diagnose` records: into the event store in DATA_DIR,
 * which a Node server started on the same folder then reports (while it runs, too), or sent to
 * a server with --server. ANALYTICS=off writes nothing anywhere.
 */
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it, without blocking this process (a started server's logs keep flowing). */
function cli(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin', 'fixpath.js'), ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' },
      (error, stdout, stderr) =>
        done({ status: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECRET = `sk_live_${Array.from(randomBytes(24), (byte) => ALNUM[byte % 62]).join('')}`;
const EXPIRED = 'Every API call fails with TokenExpiredError: jwt expired, about an hour after the job starts';

let scratch = '';
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'fixpath-cli-feedback-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function summaryOf(server: RunningServer): Promise<InsightsSummary> {
  const response = await fetch(`${server.url}/v1/insights/summary`);
  assert.equal(response.status, 200);
  return (await response.json()) as InsightsSummary;
}

/** Every byte SQLite keeps for a data folder (the database and, if any is left, its write-ahead log). */
async function databaseBytes(dataDir: string): Promise<Buffer> {
  const files = ['fixpath.db', 'fixpath.db-wal'].map((name) => join(dataDir, name)).filter((path) => existsSync(path));
  return Buffer.concat(await Promise.all(files.map((path) => readFile(path))));
}

describe('fixpath feedback and diagnose, kept in DATA_DIR', () => {
  it('records diagnoses and votes that a server started on the same folder reports, and one more while it runs', async () => {
    const dataDir = join(scratch, 'local');
    const env = { DATA_DIR: dataDir };
    const session = ['--session', 'cli-test-session-1'];

    const json = await cli(env, 'diagnose', '--json', ...session, EXPIRED);
    assert.equal(json.status, 0, json.stderr);
    const diagnosis = JSON.parse(json.stdout) as { causes: Array<{ id: string }>; signature: { id: string } };
    assert.equal(diagnosis.causes[0]?.id, 'token-expired');
    assert.match(diagnosis.signature.id, /^[0-9a-f]{16}$/, 'the JSON gives the signature id to vote with');
    const signature = ['--signature', diagnosis.signature.id];
    const text = await cli(env, 'diagnose', ...session, EXPIRED);
    assert.equal(text.status, 0, text.stderr);
    assert.ok(
      text.stdout.includes(
        `Signature ${diagnosis.signature.id}. Was it right? fixpath feedback --cause token-expired --helpful yes|no --signature ${diagnosis.signature.id}`,
      ),
      text.stdout,
    );

    const votes = [
      ['--cause', 'token-expired', '--helpful', 'yes'],
      ['--cause', 'token-expired', '--step', 'request-new-token', '--helpful', 'no', '--reason', 'tried-failed'],
      // A changed mind: the second vote on the same step replaces the first.
      [
        '--cause',
        'token-expired',
        '--step',
        'decode-token-exp',
        '--helpful',
        'no',
        '--comment',
        `still 401. key ${SECRET}`,
      ],
      ['--cause', 'token-expired', '--step', 'decode-token-exp', '--helpful', 'yes'],
    ];
    for (const vote of votes) {
      const run = await cli(env, 'feedback', ...vote, ...signature, ...session);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /^vote kept in .*fixpath\.db: (cause|step) /);
    }

    const server = await startServer({ DATA_DIR: dataDir, ANALYTICS_FLUSH_MS: '100' });
    try {
      const read = await summaryOf(server);
      assert.equal(read.diagnoses.total, 2);
      assert.deepEqual(read.channels, { cli: 2 });
      assert.deepEqual(read.feedback, { helpful: 2, notHelpful: 1, reasons: { 'tried-failed': 1 } });
      const cause = read.causes.find((entry) => entry.id === 'token-expired');
      assert.ok(cause, JSON.stringify(read.causes));
      assert.deepEqual(cause.votes, { helpful: 1, notHelpful: 0 });
      assert.deepEqual(cause.steps.map(({ id, fixed, didNotHelp }) => [id, fixed, didNotHelp]).slice(0, 2), [
        ['decode-token-exp', 1, 0],
        ['request-new-token', 0, 1],
      ]);

      // The server and the CLI write one database at the same time (SQLite in WAL).
      const late = await cli(
        env,
        'feedback',
        '--article',
        'clock-skew',
        '--helpful',
        'no',
        '--reason',
        'steps-unclear',
        '--comment',
        `the ntp part, ${SECRET}`,
      );
      assert.equal(late.status, 0, late.stderr);
      await waitFor(async () => (await summaryOf(server)).feedback.notHelpful === 2, 5_000);
      assert.deepEqual((await summaryOf(server)).feedback.reasons, { 'tried-failed': 1, 'steps-unclear': 1 });
    } finally {
      await server.stop();
    }
    const bytes = await databaseBytes(dataDir);
    assert.ok(bytes.includes('the ntp part'), 'the comment is kept');
    assert.ok(!bytes.includes(SECRET), 'without the secret in it');
  });

  it('keeps an excerpt only redacted, when the operator turns excerpts on', async () => {
    const dataDir = join(scratch, 'excerpts');
    const run = await cli(
      { DATA_DIR: dataDir, ANALYTICS_EXCERPTS: 'on' },
      'diagnose',
      `the printer on floor 4 jams every morning; note ${SECRET}`,
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /No root cause fits/);
    const bytes = await databaseBytes(dataDir);
    assert.ok(bytes.includes('the printer on floor 4'), 'the abstained input is kept as an excerpt');
    assert.ok(!bytes.includes(SECRET), 'without the secret in it');
  });

  it('still answers when the database cannot be written, and says the diagnosis was not recorded', async () => {
    const notAFolder = join(scratch, 'a-file');
    await writeFile(notAFolder, 'not a folder');
    const run = await cli({ DATA_DIR: notAFolder }, 'diagnose', EXPIRED);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Access token has expired/);
    assert.match(run.stderr, /^fixpath: the diagnosis was not recorded \(.+\); ANALYTICS=off stops recording$/m);
  });
});

describe('fixpath feedback --server', () => {
  let server: RunningServer;
  before(async () => {
    server = await startServer({ ANALYTICS_FLUSH_MS: '100' });
  });
  after(async () => {
    await server?.stop();
  });

  it('sends the vote as the cli channel under its session, and keeps nothing locally', async () => {
    const localDir = join(scratch, 'never-made');
    const run = await cli(
      { DATA_DIR: localDir },
      'feedback',
      '--server',
      server.url,
      '--article',
      'clock-skew',
      '--helpful',
      'no',
      '--reason',
      'steps-unclear',
      '--comment',
      `which ntp server? ${SECRET}`,
      '--session',
      'cli-server-session-1',
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /^vote sent to http:\/\/127\.0\.0\.1:\d+: article clock-skew, not helpful \(steps-unclear\)$/m,
    );
    assert.ok(!existsSync(localDir), 'no local database');
    await waitFor(async () => (await summaryOf(server)).feedback.notHelpful === 1, 5_000);
    assert.deepEqual((await summaryOf(server)).feedback.reasons, { 'steps-unclear': 1 });
    const exported = (await (await fetch(`${server.url}/v1/insights/sessions/cli-server-session-1`)).json()) as {
      feedback: Array<{ channel: string; item: string; comment: string }>;
    };
    assert.equal(exported.feedback.length, 1, JSON.stringify(exported));
    assert.equal(exported.feedback[0]!.channel, 'cli');
    assert.equal(exported.feedback[0]!.item, 'clock-skew');
    assert.match(exported.feedback[0]!.comment, /^which ntp server\? /);
    assert.ok(!exported.feedback[0]!.comment.includes(SECRET));
  });

  it("reports the server's refusal of an unknown cause with exit code 3, and an unreachable server with 1", async () => {
    const refused = await cli({}, 'feedback', '--server', server.url, '--cause', 'token-expird', '--helpful', 'no');
    assert.equal(refused.status, 3);
    assert.match(
      refused.stderr,
      /refused the vote \(404\): the feedback names a cause this knowledge base does not have/,
    );
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => done(port));
      });
    });
    const down = await cli(
      {},
      'feedback',
      '--server',
      `http://127.0.0.1:${port}`,
      '--cause',
      'token-expired',
      '--helpful',
      'yes',
    );
    assert.equal(down.status, 1);
    assert.match(down.stderr, /^fixpath: could not reach http:\/\/127\.0\.0\.1:\d+: /);
  });
});

describe('fixpath feedback that cannot be kept', () => {
  it('with ANALYTICS=off, neither diagnose nor feedback creates or writes a database', async () => {
    const dataDir = join(scratch, 'off');
    const env = { DATA_DIR: dataDir, ANALYTICS: 'off' };
    const diagnosed = await cli(env, 'diagnose', EXPIRED);
    assert.equal(diagnosed.status, 0, diagnosed.stderr);
    const voted = await cli(env, 'feedback', '--cause', 'token-expired', '--helpful', 'yes');
    assert.equal(voted.status, 2);
    assert.match(
      voted.stderr,
      /^fixpath: ANALYTICS=off: nothing is kept here, so the vote was not recorded\. .*--server URL$/m,
    );
    assert.ok(!existsSync(dataDir), 'no data folder');
  });

  it('refuses unknown causes, steps and articles with exit code 3, before opening a database', async () => {
    const dataDir = join(scratch, 'bad-names');
    const env = { DATA_DIR: dataDir };
    const cause = await cli(env, 'feedback', '--cause', 'token-expird', '--helpful', 'no');
    assert.equal(cause.status, 3);
    assert.match(
      cause.stderr,
      /^fixpath: no article in articles has the cause "token-expird"; use a cause id that fixpath diagnose names$/m,
    );
    const step = await cli(env, 'feedback', '--cause', 'token-expired', '--step', 'reboot', '--helpful', 'no');
    assert.equal(step.status, 3);
    assert.match(
      step.stderr,
      /^fixpath: cause "token-expired" has no step "reboot"; its steps are decode-token-exp, request-new-token, /m,
    );
    const article = await cli(env, 'feedback', '--article', 'no-such-article', '--helpful', 'yes');
    assert.equal(article.status, 3);
    assert.match(article.stderr, /no article in articles has the slug "no-such-article"/);
    assert.ok(!existsSync(dataDir), 'nothing was opened for a vote that was refused');
  });

  it('explains a vote given wrongly with exit code 2', async () => {
    const env = { DATA_DIR: join(scratch, 'usage') };
    const cases: Array<[string[], RegExp]> = [
      [['--cause', 'token-expired'], /say whether it helped: --helpful yes or --helpful no/],
      [['--cause', 'token-expired', '--helpful', 'maybe'], /--helpful is yes or no/],
      [['--helpful', 'yes'], /name what the vote is about/],
      [['--step', 'decode-token-exp', '--helpful', 'yes'], /--step needs the --cause it is a step of/],
      [
        ['--cause', 'token-expired', '--helpful', 'no', '--reason', 'meh'],
        /--reason is one of wrong-cause, steps-unclear/,
      ],
      [['--cause', 'token-expired', '--helpful', 'yes', '--reason', 'other'], /they go with --helpful no/],
      [['--cause', 'token-expired', '--helpful', 'no', '--comment', 'x'.repeat(501)], /at most 500 characters/],
      [['--cause', 'token-expired', '--helpful', 'no', '--signature', 'xyz'], /--signature is the 16 hex digits/],
      [['--cause', 'token-expired', '--helpful', 'no', '--session', 'short'], /--session is 8 to 64/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(env, 'feedback', ...args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
    }
    const misplaced = await cli(env, 'diagnose', '--cause', 'token-expired', EXPIRED);
    assert.equal(misplaced.status, 2);
    assert.match(misplaced.stderr, /--cause is an option of fixpath feedback/);
    assert.ok(!existsSync(env.DATA_DIR));
  });
});
