import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diagnose } from '../src/diagnose/diagnose.ts';
import { DEFAULT_LIMITS } from '../src/http/config.ts';
import { readDiagnoseBody } from '../src/http/diagnose-body.ts';
import { buildLibrary } from '../src/kb/library.ts';
import { readArticleSources } from '../src/node/read-articles.ts';

/** One measurement in a fresh process (see bench/har.ts): `parse` or `triage` of one file. */
const [mode, file] = process.argv.slice(2) as ['parse' | 'triage', string];
const library = mode === 'triage' ? buildLibrary(await readArticleSources(join(import.meta.dirname ?? '.', '..', 'articles')), new Date()) : null;
// Warm up on a small real capture first: a server has compiled its code long before a big upload.
const warmup = await readFile(join(import.meta.dirname ?? '.', '..', 'test', 'fixtures', 'har', 'chromium-devtools.har'));
for (let round = 0; round < 20; round += 1) {
  if (mode === 'parse') JSON.parse(new TextDecoder().decode(warmup));
  else diagnose(readDiagnoseBody('application/json', { bytes: new Uint8Array(warmup) }, DEFAULT_LIMITS), { kb: library!.kb, index: library!.index, clock: () => new Date(), includeInternal: true });
}
const baselineRssBytes = process.memoryUsage().rss;
const contents = await readFile(file);
// The file's own buffer, not a copy: a server holds one copy of an upload, and so does this.
const handle: { bytes: Uint8Array<ArrayBuffer> | null } = { bytes: new Uint8Array(contents.buffer as ArrayBuffer, contents.byteOffset, contents.byteLength) };
const started = performance.now();
let failing: number | undefined;
let top: string | undefined;
if (mode === 'parse') {
  const text = new TextDecoder().decode(handle.bytes!);
  handle.bytes = null;
  const parsed = JSON.parse(text) as { log: { entries: unknown[] } };
  if (parsed.log.entries.length === 0) throw new Error('empty');
} else {
  // The same path as POST /v1/diagnose with a .har body: decode, parse safely, validate, diagnose.
  const input = readDiagnoseBody('application/json', handle, { ...DEFAULT_LIMITS, maxUploadBytes: 1024 * 1024 * 1024 });
  const result = diagnose(input, { kb: library!.kb, index: library!.index, clock: () => new Date(), includeInternal: true });
  failing = result.input.failing;
  top = result.causes[0]?.id ?? 'none';
}
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, baselineRssBytes, failing, top }));
