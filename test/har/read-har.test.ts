import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { observeHar } from '../../src/har/observe-har.ts';
import { readHar, responseText } from '../../src/har/read-har.ts';

const entry = (overrides: Record<string, unknown> = {}) => ({
  startedDateTime: '2026-03-08T14:23:45Z',
  request: { method: 'GET', url: 'https://api.example.com/x', headers: [] },
  response: { status: 200, headers: [], content: {} },
  ...overrides,
});
const rejects = (value: unknown, pattern: RegExp) =>
  assert.throws(
    () => readHar(value),
    (error: unknown) => error instanceof InputError && pattern.test(error.message),
  );

describe('readHar', () => {
  it('names the entry and field that is wrong', () => {
    rejects(
      { log: { entries: [entry(), entry({ request: { method: 'GET', headers: [] } })] } },
      /log\.entries\[1\]\.request\.url must be a string/,
    );
    rejects(
      { log: { entries: [entry({ response: { status: 'ok' } })] } },
      /log\.entries\[0\]\.response\.status must be a whole number/,
    );
    rejects(
      { log: { entries: [entry({ request: { url: 'x', headers: [{ value: 'no name' }] } })] } },
      /log\.entries\[0\]\.request\.headers\[0\] must have a "name" string/,
    );
    rejects({ log: {} }, /"log\.entries" is missing/);
    rejects({ hello: 'world' }, /"log" is missing/);
    rejects([], /top level must be a JSON object/);
  });

  it('refuses more entries than allowed, naming the variable', () => {
    assert.throws(
      () => readHar({ log: { entries: [entry(), entry(), entry()] } }, { maxEntries: 2 }),
      /3 entries, more than the 2 allowed \(MAX_HAR_ENTRIES\)/,
    );
    assert.equal(readHar({ log: { entries: [entry(), entry()] } }, { maxEntries: 2 }).entries.length, 2);
  });

  it('reads a request that got no response as Chromium and Playwright record it: status -1 and _failureText', () => {
    const har = readHar({
      log: {
        entries: [
          entry({
            response: { status: -1, statusText: '', headers: [], content: { size: -1, mimeType: 'x-unknown' } },
            _failureText: 'net::ERR_CONNECTION_REFUSED',
          }),
        ],
      },
    });
    assert.equal(har.entries[0]!.response.status, 0);
    assert.equal(har.entries[0]!.error, 'net::ERR_CONNECTION_REFUSED');
    const observation = observeHar(har);
    assert.match(observation.exchanges[0]!.response!.body ?? '', /net::ERR_CONNECTION_REFUSED/);
    rejects(
      { log: { entries: [entry({ response: { status: -2 } })] } },
      /must be a whole number \(0 or -1 when there was no response\)/,
    );
  });

  it('fills in what exporters leave out', () => {
    const har = readHar({ log: { entries: [{ request: { url: 'https://api.example.com/x' } }] } });
    const [only] = har.entries;
    assert.equal(only?.request.method, 'GET');
    assert.equal(only?.response.status, 0);
    assert.deepEqual(only?.request.headers, []);
    assert.equal(only?.startedAt, undefined);
    assert.equal(har.creator, 'unknown');
  });

  it("keeps HTTP/2 pseudo-headers and lower-case names, and Chrome's _error", () => {
    const har = readHar({
      log: {
        creator: { name: 'WebInspector' },
        entries: [
          entry({
            request: {
              method: 'get',
              url: 'https://api.example.com/x',
              headers: [
                { name: ':authority', value: 'api.example.com' },
                { name: 'authorization', value: 'Bearer x' },
              ],
            },
            response: { status: 0, headers: [], content: {} },
            _error: 'net::ERR_FAILED',
          }),
        ],
      },
    });
    assert.equal(har.entries[0]?.request.method, 'GET');
    assert.equal(har.entries[0]?.request.headers[0]?.name, ':authority');
    assert.equal(har.entries[0]?.error, 'net::ERR_FAILED');
    assert.equal(har.credentialsSeen, true);
  });

  it('decodes base64 text bodies and leaves binary out', () => {
    const [text, binary] = readHar({
      log: {
        entries: [
          entry({
            response: {
              status: 401,
              headers: [],
              content: {
                mimeType: 'application/json',
                encoding: 'base64',
                text: Buffer.from('{"error":"invalid_token"}').toString('base64'),
              },
            },
          }),
          entry({
            response: {
              status: 401,
              headers: [],
              content: { mimeType: 'image/png', encoding: 'base64', text: 'iVBORw0KGgo=' },
            },
          }),
        ],
      },
    }).entries;
    assert.equal(responseText(text!), '{"error":"invalid_token"}');
    assert.equal(responseText(binary!), undefined);
  });

  it('recognises a capture whose credentials were stripped (a sanitized export)', () => {
    const stripped = observeHar(
      readHar({
        log: {
          creator: { name: 'WebInspector' },
          entries: [entry({ response: { status: 401, headers: [], content: {} } })],
        },
      }),
    );
    assert.equal(stripped.capture?.sanitized, true);
    const withCookies = observeHar(
      readHar({
        log: {
          entries: [entry({ request: { url: 'https://a.example/', headers: [{ name: 'Cookie', value: 'a=1' }] } })],
        },
      }),
    );
    assert.equal(withCookies.capture?.sanitized, false);
  });
});
