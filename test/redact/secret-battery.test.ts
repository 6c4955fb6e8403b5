import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readHar } from '../../src/har/read-har.ts';
import { sanitizeHar } from '../../src/har/sanitize-har.ts';
import { Redactor } from '../../src/redact/redactor.ts';
import { leakedSecrets, secretBattery } from '../support/secret-battery.ts';
import { ROOT, type RunningServer, startServer } from '../support/server.ts';
import { uniqueRequestId, waitForRequestLine } from '../support/server-log.ts';

const battery = secretBattery();
const leaks = (text: string): string[] => leakedSecrets(battery.secrets, text);
const fresh = (): Record<string, unknown> => structuredClone(battery.har);

let server: RunningServer;
let directory: string;
before(async () => {
  server = await startServer();
  directory = await mkdtemp(join(tmpdir(), 'fixpath-battery-'));
});
after(async () => {
  await server.stop();
  await rm(directory, { recursive: true, force: true });
});

const post = async (path: string, body: BodyInit, contentType?: string): Promise<{ status: number; text: string }> => {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    body,
    ...(contentType ? { headers: { 'content-type': contentType } } : {}),
  });
  return { status: response.status, text: await response.text() };
};

describe('a battery of realistic secrets, planted the way captures and pastes carry them', () => {
  it('has at least 100 unique secrets in at least 50 places, all really in the inputs', () => {
    assert.ok(battery.secrets.length >= 100, `${battery.secrets.length} secrets`);
    assert.equal(
      new Set(battery.secrets.map((secret) => secret.value)).size,
      battery.secrets.length,
      'every secret is unique',
    );
    assert.ok(new Set(battery.secrets.map((secret) => secret.place)).size >= 50);
    const planted = JSON.stringify(battery.har) + JSON.stringify(battery.pastes);
    const decoded = Buffer.from(JSON.stringify(battery.har)).toString() + atobAll(planted);
    // Each secret on its own: in the inputs as written, or inside a base64 value (Basic credentials, base64 bodies).
    for (const secret of battery.secrets)
      assert.ok(
        leakedSecrets([secret], planted).length > 0 || decoded.includes(secret.value),
        `${secret.place} is planted`,
      );
    assert.equal(readHar(battery.har).entries.length, 32);
  });

  it('leaves nothing whole in a sanitized capture, and the manifest names every removal without a value', () => {
    const { har, manifest } = sanitizeHar(fresh());
    assert.deepEqual(leaks(JSON.stringify(har)), []);
    assert.deepEqual(leaks(JSON.stringify(manifest)), []);
    assert.equal(readHar(har).entries.length, 32, 'the capture stays a valid HAR with the same entries');
    for (const name of [
      'SAMLResponse',
      'X-Acme-Hmac',
      'CB-ACCESS-PASSPHRASE',
      'password',
      'SecretAccessKey',
      'SessionToken',
      'refresh_tokens',
      'private_key',
      'key shape',
      'webhook url',
      'token in path',
      'jsessionid',
      'cookie idp_csrf',
    ]) {
      assert.ok(
        manifest.removed.some((item) => item.name === name || item.name.endsWith(name)),
        `manifest names ${name}`,
      );
    }
    assert.ok(manifest.total >= 90, `${manifest.total} removals`);
  });

  it('leaves nothing whole in free-text pastes', () => {
    const redactor = new Redactor();
    for (const paste of battery.pastes) assert.deepEqual(leaks(redactor.text(paste, 'paste')), [], paste.slice(0, 60));
  });

  it('returns nothing whole from sanitize and diagnose, however the capture arrives', async () => {
    const text = JSON.stringify(battery.har);
    const outputs = [
      await post('/v1/har/sanitize', text, 'application/json'),
      await post('/v1/har/sanitize?format=har', text, 'application/json'),
      await post('/v1/diagnose', JSON.stringify({ har: fresh() }), 'application/json'),
      await post('/v1/diagnose', text, 'text/plain'),
    ];
    const form = new FormData();
    form.set('file', new Blob([text], { type: 'application/json' }), 'capture.har');
    form.set('text', `the dashboard fails with 401; my token is ${battery.pastes[0]}`);
    outputs.push(await post('/v1/diagnose', form));
    for (const output of outputs) {
      assert.equal(output.status, 200, output.text.slice(0, 300));
      assert.deepEqual(leaks(output.text), []);
    }
    const diagnosis = JSON.parse(outputs[2]!.text) as { findings: unknown[]; causes: unknown[] };
    assert.ok(diagnosis.findings.length > 5 && diagnosis.causes.length > 0, 'the capture is still diagnosed');
  });

  it('returns nothing whole from diagnose for every paste, as text, text/plain and an error body', async () => {
    for (const paste of battery.pastes) {
      for (const output of [
        await post('/v1/diagnose', JSON.stringify({ text: paste }), 'application/json'),
        await post('/v1/diagnose', paste, 'text/plain'),
        await post(
          '/v1/diagnose',
          JSON.stringify({
            error: { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: paste },
          }),
          'application/json',
        ),
      ]) {
        assert.equal(output.status, 200, output.text.slice(0, 300));
        assert.deepEqual(leaks(output.text), [], paste.slice(0, 60));
      }
    }
  });

  it('keeps secrets out of the chat, its replies and the hand-off ticket', async () => {
    const messages = battery.pastes.map((text) => ({ role: 'user', text }));
    for (const turn of [messages.slice(0, 3), messages, [...messages, { role: 'user', text: 'talk to a person' }]]) {
      const output = await post('/v1/chat', JSON.stringify({ messages: turn.slice(-50) }), 'application/json');
      assert.equal(output.status, 200, output.text.slice(0, 300));
      assert.deepEqual(leaks(output.text), []);
    }
    // A context the client made up is not echoed: answers must be options of known questions.
    const [first, second, third] = battery.secrets
      .filter((secret) => secret.value.length <= 60)
      .map((secret) => secret.value);
    const forged = await post(
      '/v1/chat',
      JSON.stringify({
        messages: messages.slice(0, 1),
        context: { answers: { credential: first }, asked: [second], tried: [], pending: third },
      }),
      'application/json',
    );
    assert.equal(forged.status, 200, forged.text.slice(0, 300));
    assert.deepEqual(leaks(forged.text), []);
    const handoff = JSON.parse(
      (
        await post(
          '/v1/chat',
          JSON.stringify({ messages: [messages[1], { role: 'user', text: 'talk to a person' }] }),
          'application/json',
        )
      ).text,
    ) as { handoff?: { ticket: string } };
    assert.ok(handoff.handoff?.ticket.includes('curl -u deploy:[redacted:'), handoff.handoff?.ticket);
  });

  it('keeps secrets out of error answers and the server log', async () => {
    const broken = fresh() as { log: { entries: Array<{ request: Record<string, unknown> }> } };
    broken.log.entries[5]!.request.method = { secret: battery.pastes[0] };
    const outputs = [
      await post('/v1/diagnose', JSON.stringify({ har: broken }), 'application/json'),
      await post('/v1/diagnose', `${JSON.stringify({ text: battery.pastes[1] }).slice(0, -2)}`, 'application/json'),
      await post(
        '/v1/chat',
        JSON.stringify({ messages: [{ role: 'robot', text: battery.pastes[2] }] }),
        'application/json',
      ),
      {
        status: 0,
        text: await (
          await fetch(`${server.url}/v1/search?q=${encodeURIComponent(battery.pastes[3]!.repeat(20))}`)
        ).text(),
      },
      // Paths are echoed in 404 answers: a token pasted into one must not come back.
      { status: 0, text: await (await fetch(`${server.url}/v1/articles/${battery.secrets[10]!.value}`)).text() },
      { status: 0, text: await (await fetch(`${server.url}/reset-password/${battery.secrets[20]!.value}`)).text() },
      {
        status: 0,
        text: await (
          await fetch(
            `${server.url}/hooks/${encodeURIComponent(battery.secrets[30]!.value)}?access_token=${encodeURIComponent(battery.secrets[31]!.value)}`,
          )
        ).text(),
      },
    ];
    // Feedback is logged, so it may only name what the knowledge base has.
    const feedback = await post(
      '/v1/feedback',
      JSON.stringify({ helpful: false, article: battery.secrets[12]!.value.slice(0, 100) }),
      'application/json',
    );
    assert.equal(feedback.status, 404);
    outputs.push(feedback);
    const requestId = uniqueRequestId('battery-feedback');
    const known = await fetch(`${server.url}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ helpful: true, article: 'expired-access-token' }),
    });
    assert.equal(known.status, 202, await known.text());
    for (const output of outputs) assert.deepEqual(leaks(output.text), []);
    await waitForRequestLine(server, requestId);
    assert.ok(
      server.logs.some((line) => line.includes('"event":"feedback"') && line.includes('expired-access-token')),
      'known feedback is logged',
    );
    assert.deepEqual(leaks(server.logs.join('\n')), []);
  });

  it('keeps secrets out of the command line output and the file it writes', async () => {
    const input = join(directory, 'capture.har');
    const output = join(directory, 'clean.har');
    await writeFile(input, JSON.stringify(battery.har));
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'fixpath.js'), ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        input: battery.pastes.join('\n\n'),
      });
    for (const run of [
      cli('triage', input),
      cli('triage', '--json', input),
      cli('sanitize', input, '-o', output),
      cli('diagnose', '-'),
    ]) {
      assert.ok(run.status === 0, run.stderr);
      assert.deepEqual(leaks(run.stdout + run.stderr), []);
    }
    assert.deepEqual(leaks(await readFile(output, 'utf8')), []);
  });
});

describe('what redaction keeps', () => {
  const redactor = new Redactor();
  it('keeps ids, hashes in asset URLs, error codes and request ids readable', () => {
    const kept = [
      'https://app.example.com/static/js/main.4f3c2a1b9d8e7f6a5b4c.js',
      'https://app.example.com/assets/index-BxK3f9Qz.js',
      'https://cdn.example.com/_next/static/aBcD3fGh1jKlMn0pQrStU/_buildManifest.js',
      'https://api.example.com/v1/users/3f2a9c1b-7d4e-4a5b-9c8d-1e2f3a4b5c6d/orders/1042',
      'https://github.com/acme/app/commit/9fceb02d0ae598e95dc970b74767f19372d61af8',
      'AADSTS50011: The redirect URI specified in the request does not match',
      'IDX10223: Lifetime validation failed. The token is expired.',
      'error="invalid_token", error_description="The access token expired"',
      'x-request-id: 7f3c9a2e-1b4d-4c8e-9f0a-2b3c4d5e6f70',
      'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'ERR_TLS_CERT_ALTNAME_INVALID while calling https://auth.example.com/oauth/token',
      'the request failed with 401 Unauthorized and WWW-Authenticate: Bearer realm="api"',
      'AbstractSingletonProxyFactoryBean threw InvalidBearerTokenException',
      'Content-Type: application/json',
    ];
    for (const text of kept) assert.equal(redactor.text(text, 'test'), text);
    assert.equal(
      redactor.url('https://api.example.com/v1/items?page=2&sort=name&grant_type=refresh_token', 'test'),
      'https://api.example.com/v1/items?page=2&sort=name&grant_type=refresh_token',
    );
  });

  it('answers a lone surrogate beside a token in a URL without throwing', () => {
    const out = redactor.url(`https://api.example.com/x?q=\uD800&access_token=abc123def456&note=%ED%A0%80`, 'test');
    assert.ok(!out.includes('abc123def456'));
  });
});

/** Every base64 run in the text, decoded: secrets planted inside Basic credentials and base64 bodies. */
function atobAll(text: string): string {
  return [...text.matchAll(/[A-Za-z0-9+/]{16,}={0,2}/g)]
    .map((match) => Buffer.from(match[0], 'base64').toString('latin1'))
    .join('\n');
}
