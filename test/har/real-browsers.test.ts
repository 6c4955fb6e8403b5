import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diagnose } from '../../src/diagnose/diagnose.ts';
import { readHar } from '../../src/har/read-har.ts';
import { sanitizeHar } from '../../src/har/sanitize-har.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';

/** Captured by test/fixtures/har/capture.ts from real browsers against a local server. */
const FIXTURES = ['chromium-playwright.har', 'chromium-devtools.har', 'firefox.har'];
const CANARY = 'fxCanary7Q2Zb';
const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
const load = async (name: string): Promise<unknown> =>
  JSON.parse(await readFile(join(ROOT, 'test', 'fixtures', 'har', name), 'utf8')) as unknown;

describe('HAR files from real browsers and tools', () => {
  for (const name of FIXTURES) {
    describe(name, () => {
      it('reads every entry, whatever the exporter left out', async () => {
        const har = readHar(await load(name));
        assert.ok(har.entries.length >= 4);
        const orders = har.entries.find((entry) => entry.request.url.includes('/api/orders'));
        assert.equal(orders?.response.status, 401);
        assert.ok(orders?.startedAt instanceof Date);
      });

      it('names the failures with evidence tied to their entries, measured against the request time', async () => {
        const result = diagnose(
          { har: await load(name) },
          { kb: library.kb, index: library.index, clock: () => new Date('2030-01-01'), includeInternal: true },
        );
        assert.equal(result.input.kind, 'har');
        assert.equal(result.input.failing, 2);
        const ids = result.causes.map((cause) => cause.id);
        assert.ok(
          ids.slice(0, 2).includes('token-expired') && ids.slice(0, 2).includes('refresh-token-invalid'),
          ids.join(', '),
        );
        const expired = result.causes.find((cause) => cause.id === 'token-expired')!;
        const claim = expired.evidence.find((evidence) => evidence.source === 'jwt');
        assert.match(claim?.detail ?? '', /token expired 15 min before the request/);
        assert.equal(typeof claim?.entry, 'number');
        const finding = result.findings.find((item) => item.status === 401)!;
        assert.equal(finding.wwwAuthenticate[0]?.params.error, 'invalid_token');
        assert.equal(finding.tokens[0]?.claims?.sub, 'user-42');
        assert.ok(
          finding.tokens[0]!.notes.some((note) => /issued 75 min before the request/.test(note)),
          finding.tokens[0]!.notes.join('; '),
        );
        assert.ok(!JSON.stringify(result).includes(CANARY), 'no planted secret in the answer');
      });

      it('sanitizes to a valid capture with the same entries and no planted secret', async () => {
        const raw = await load(name);
        const entries = readHar(raw).entries.length;
        const { har, manifest } = sanitizeHar(raw);
        const text = JSON.stringify(har);
        assert.ok(!text.includes(CANARY), 'canary removed');
        assert.equal(readHar(JSON.parse(text)).entries.length, entries);
        assert.ok(manifest.total >= 5);
        assert.ok(!JSON.stringify(manifest).includes(CANARY));
        // The sanitized capture still diagnoses: claims and challenges survive.
        const again = diagnose(
          { har: JSON.parse(text) },
          { kb: library.kb, index: library.index, clock: () => new Date(), includeInternal: true },
        );
        assert.ok(again.causes.some((cause) => cause.id === 'token-expired'));
      });
    });
  }
});
