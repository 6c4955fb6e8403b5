import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../src/config/limits.ts';
import { diagnose } from '../src/diagnose/diagnose.ts';
import { readDiagnoseBody } from '../src/http/diagnose-body.ts';
import { buildLibrary } from '../src/kb/library.ts';
import { readArticleSources } from '../src/node/read-articles.ts';

/** One measurement in a fresh process (see bench/har.ts): `parse` or `triage` of one file. */
const [mode, file, repeatsArgument, warmupCapture] = process.argv.slice(2) as [
  'parse' | 'triage',
  string,
  string,
  string | undefined,
];
/** Runs on the file; the median is reported. One run for memory (a run's garbage would count for the next). */
const repeats = Number(repeatsArgument);
const library =
  mode === 'triage'
    ? buildLibrary(await readArticleSources(join(import.meta.dirname ?? '.', '..', 'articles')), new Date())
    : null;
// The process before any capture: growth past this is counted against the file, warm-up included.
const baselineRssBytes = process.memoryUsage().rss;
// Warm up first, on a small real capture and on a generated one of the same kind as the file
// (another seed): a server has compiled its code long before a big upload arrives.
const warmups = [
  await readFile(join(import.meta.dirname ?? '.', '..', 'test', 'fixtures', 'har', 'chromium-devtools.har')),
  ...(warmupCapture ? [await readFile(warmupCapture)] : []),
];
for (const warmup of warmups) {
  for (let round = 0; round < 10; round += 1) {
    if (mode === 'parse') JSON.parse(new TextDecoder().decode(warmup));
    else
      diagnose(
        readDiagnoseBody(
          'application/json',
          { bytes: new Uint8Array(warmup) },
          { ...DEFAULT_LIMITS, maxUploadBytes: 1024 * 1024 * 1024 },
        ),
        { kb: library!.kb, index: library!.index, clock: () => new Date(), includeInternal: true },
      );
  }
}
let contents: Buffer | null = await readFile(file);
let failing: number | undefined;
let top: string | undefined;
const times: number[] = [];
for (let run = 0; run < repeats; run += 1) {
  // The file's own buffer, not a copy: a server holds one copy of an upload, and so does this.
  const handle: { bytes: Uint8Array<ArrayBuffer> | null } = {
    bytes: new Uint8Array(contents!.buffer as ArrayBuffer, contents!.byteOffset, contents!.byteLength),
  };
  // On the last run nothing else holds the bytes: the reader may let them go, as the server's does.
  if (run === repeats - 1) contents = null;
  const started = performance.now();
  if (mode === 'parse') {
    const text = new TextDecoder().decode(handle.bytes!);
    handle.bytes = null;
    const parsed = JSON.parse(text) as { log: { entries: unknown[] } };
    if (parsed.log.entries.length === 0) throw new Error('empty');
  } else {
    // The same path as POST /v1/diagnose with a .har body: decode, parse safely, validate, diagnose.
    const input = readDiagnoseBody('application/json', handle, {
      ...DEFAULT_LIMITS,
      maxUploadBytes: 1024 * 1024 * 1024,
    });
    const result = diagnose(input, {
      kb: library!.kb,
      index: library!.index,
      clock: () => new Date(),
      includeInternal: true,
    });
    failing = result.input.failing;
    top = result.causes[0]?.id ?? 'none';
  }
  times.push((performance.now() - started) / 1000);
}
const seconds = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
console.log(
  JSON.stringify({ seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024, baselineRssBytes, failing, top }),
);
