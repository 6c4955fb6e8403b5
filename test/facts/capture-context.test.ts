import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../src/diagnose/diagnose.ts';
import { captureContextFacts } from '../../src/facts/capture-context.ts';
import { observeHar } from '../../src/har/observe-har.ts';
import { readHar } from '../../src/har/read-har.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';

type Headers = Array<[string, string]>;
const at = (second: number) => `2026-03-08T14:23:${String(second).padStart(2, '0')}Z`;
const entry = (
  second: number,
  method: string,
  url: string,
  status: number,
  requestHeaders: Headers = [],
  responseHeaders: Headers = [],
  extra: Record<string, unknown> = {},
) => ({
  startedDateTime: at(second),
  request: { method, url, headers: requestHeaders.map(([name, value]) => ({ name, value })) },
  response: {
    status,
    headers: responseHeaders.map(([name, value]) => ({ name, value })),
    content: {},
    redirectURL: '',
  },
  ...extra,
});
const facts = (entries: unknown[]) => captureContextFacts(observeHar(readHar({ log: { entries } })));
const ids = (entries: unknown[]) => facts(entries).map((fact) => `${fact.id}@${fact.entry}`);

describe('captureContextFacts', () => {
  it('notices a cookie that earlier requests carried and the failing one lacks', () => {
    assert.deepEqual(
      ids([
        entry(1, 'GET', 'https://app.example.com/api/me', 200, [['Cookie', 'sid=a; theme=dark']]),
        entry(2, 'GET', 'https://app.example.com/api/reports', 401, [['Cookie', 'theme=dark']]),
      ]),
      ['cookie.dropped@1'],
    );
  });

  it('notices a redirect that dropped the Authorization header', () => {
    const found = ids([
      entry(
        1,
        'GET',
        'http://api.example.com/v2/devices',
        301,
        [['Authorization', 'Bearer a.b.c']],
        [['Location', 'https://api.example.com/v2/devices']],
        { response: { status: 301, headers: [], content: {}, redirectURL: 'https://api.example.com/v2/devices' } },
      ),
      entry(2, 'GET', 'https://api.example.com/v2/devices', 401),
    ]);
    assert.ok(
      found.includes('redirect.dropped-credential@1') && found.includes('auth.header-missing@1'),
      found.join(', '),
    );
  });

  it('reads the preflight before a blocked call: the header it did not allow', () => {
    const [fact] = facts([
      entry(
        1,
        'OPTIONS',
        'https://api.example.com/v2/devices',
        204,
        [
          ['Origin', 'https://app.example.com'],
          ['Access-Control-Request-Headers', 'authorization,content-type'],
        ],
        [
          ['Access-Control-Allow-Origin', 'https://app.example.com'],
          ['Access-Control-Allow-Headers', 'content-type'],
        ],
      ),
      entry(2, 'GET', 'https://api.example.com/v2/devices', 0, [
        ['Origin', 'https://app.example.com'],
        ['Authorization', 'Bearer x'],
      ]),
    ]);
    assert.equal(fact?.id, 'cors.preflight-missing-header');
    assert.match(fact!.detail, /did not allow `authorization` \(Access-Control-Allow-Headers: content-type\)/);
  });

  it('notices the same endpoint working earlier, and storms of 429s', () => {
    const found = ids([
      entry(1, 'GET', 'https://api.example.com/v2/devices', 200, [['Authorization', 'Bearer x']]),
      ...[2, 3, 4].map((second) =>
        entry(second, 'GET', 'https://api.example.com/v2/devices', 429, [['Authorization', 'Bearer x']]),
      ),
    ]);
    assert.ok(found.includes('endpoint.worked-earlier@1'));
    assert.ok(found.includes('ratelimit.storm@1'));
  });

  it("does not read a stripped capture's missing credentials as evidence", async () => {
    const library = buildLibrary(await readArticleSources(`${ROOT}/articles`), new Date());
    const har = {
      log: {
        creator: { name: 'WebInspector' },
        entries: [
          entry(1, 'GET', 'https://api.example.com/v2/devices', 401, [], [], {
            response: {
              status: 401,
              headers: [],
              content: { mimeType: 'application/json', text: '{"error":"invalid_token"}' },
            },
          }),
        ],
      },
    };
    const result = diagnose(
      { har },
      { kb: library.kb, index: library.index, clock: () => new Date(), includeInternal: true },
    );
    assert.ok(
      !result.causes.some((cause) =>
        cause.evidence.some((evidence) => /carries no Authorization/.test(evidence.detail)),
      ),
      JSON.stringify(result.causes),
    );
  });
});
