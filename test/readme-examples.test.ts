import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, type RunningServer, startServer } from './support/server.ts';

/**
 * The README's curl examples, run as written against a started server: a reader who pastes
 * them gets answers, not errors. Each `sh` block that calls the server runs whole in bash, with
 * `curl` wrapped to point http://127.0.0.1:8787 at the test server and to print the status of
 * every call; a call to any other host (the customer's own API) is skipped. A block written as
 * a transcript (`$ curl …` followed by its output) must answer with the status its output shows.
 */

interface Example {
  line: number;
  script: string;
  /** The status a transcript shows; every other call must succeed. */
  expectStatus?: number;
}

const SERVER = 'http://127.0.0.1:8787';

function examplesOf(markdown: string): Example[] {
  const examples: Example[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    if (lines[index]!.trim() !== '```sh') continue;
    const start = index + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end += 1;
    const body = lines.slice(start, end);
    index = end;
    if (!body.some((line) => /\bcurl\b/.test(line) && line.includes(SERVER))) continue;
    const transcript = body.some((line) => line.startsWith('$ '));
    if (!transcript) {
      examples.push({ line: start + 1, script: body.join('\n') });
      continue;
    }
    const status = /"status":\s*(\d{3})/.exec(body.join('\n'));
    examples.push({
      line: start + 1,
      script: body
        .filter((line) => line.startsWith('$ '))
        .map((line) => line.slice(2))
        .join('\n'),
      ...(status ? { expectStatus: Number(status[1]) } : {}),
    });
  }
  return examples;
}

const WRAPPER = String.raw`
curl() {
  local args=() ours=0
  for arg in "$@"; do
    if [[ "$arg" == ${SERVER}* ]]; then arg="$FIXPATH_URL${'$'}{arg#${SERVER}}"; ours=1; fi
    args+=("$arg")
  done
  if [ "$ours" = 0 ]; then echo "#skipped another host" >&2; return 0; fi
  command curl --max-time 20 -w $'\n#status %{http_code}\n' "${'$'}{args[@]}"
}
open() { echo "#skipped open $*" >&2; }
`;

describe('the README examples', () => {
  let server: RunningServer;
  let directory: string;
  const examples = examplesOf(readFileSync(join(ROOT, 'README.md'), 'utf8'));

  before(async () => {
    server = await startServer();
    directory = mkdtempSync(join(tmpdir(), 'fixpath-readme-'));
    // The files the examples upload: a customer's capture and a saved `curl -v` trace.
    copyFileSync(join(ROOT, 'test', 'fixtures', 'har', 'chromium-devtools.har'), join(directory, 'capture.har'));
    writeFileSync(
      join(directory, 'trace.txt'),
      '> GET /v1/orders HTTP/1.1\n> Host: api.example.com\n>\n< HTTP/1.1 401 Unauthorized\n< WWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"\n<\n',
    );
  });
  after(async () => {
    await server?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  test('has examples to run', () => {
    assert.ok(examples.length >= 5, `found ${examples.length} runnable sh blocks in README.md`);
  });

  for (const example of examples) {
    test(`the block at README.md line ${example.line} works as written`, () => {
      const run = spawnSync('bash', ['-c', `set -e\n${WRAPPER}\n${example.script}`], {
        cwd: directory,
        env: { ...process.env, FIXPATH_URL: server.url, TOKEN: 'not-a-real-token', AGENT_TOKEN: 'not-a-real-token' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 0, `bash failed:\n${run.stderr}\n${run.stdout}`);
      const statuses = [...run.stdout.matchAll(/^#status (\d{3})$/gm)].map((match) => Number(match[1]));
      assert.ok(statuses.length > 0, `no call reached the server:\n${run.stderr}`);
      for (const status of statuses) {
        if (example.expectStatus !== undefined) assert.equal(status, example.expectStatus, run.stdout);
        else assert.ok(status >= 200 && status < 300, `a call answered ${status}:\n${run.stdout}`);
      }
    });
  }
});
