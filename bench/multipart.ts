import { byteSearch } from '../src/http/find-bytes.ts';
import { parseMultipart } from '../src/http/multipart.ts';

/**
 * `npx tsx bench/multipart.ts`: how long splitting a multipart body takes, on the adversarial
 * body (only `-`, under a 70-character boundary of dashes, where each position matches 69
 * bytes before failing) and on a form carrying a HAR-like capture, at 8 and 100 MiB. The
 * naive delimiter search fixpath used before is timed beside the linear one on the same bytes.
 * Each figure is the median of BENCH_MULTIPART_RUNS runs (5).
 */
const MIB = 1024 * 1024;
const RUNS = Number(process.env.BENCH_MULTIPART_RUNS ?? 5);
const SIZES = [8, 100];
const encoder = new TextEncoder();

/** The search fixpath used before: native skip to the first byte, then compare the rest. */
function naiveSearch(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (
    let at = haystack.indexOf(first, from);
    at >= 0 && at <= haystack.length - needle.length;
    at = haystack.indexOf(first, at + 1)
  ) {
    let index = 1;
    while (index < needle.length && haystack[at + index] === needle[index]) index += 1;
    if (index === needle.length) return at;
  }
  return -1;
}

function harLikeForm(size: number, boundary: string): Uint8Array {
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="capture.har"\r\nContent-Type: application/json\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  const line = encoder.encode(
    '{"name":"x-request-id","value":"3f9a1c2b-4d5e-6f70-8192-a3b4c5d6e7f8"},{"startedDateTime":"2026-03-08T14:00:00.000Z"},',
  );
  const body = new Uint8Array(size);
  body.set(head);
  for (let offset = head.length; offset < size - tail.length; offset += line.length)
    body.set(line.subarray(0, Math.min(line.length, size - tail.length - offset)), offset);
  body.set(tail, size - tail.length);
  return body;
}

function median(run: () => void): number {
  const times: number[] = [];
  for (let index = 0; index < RUNS; index += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

const cases = [
  {
    name: 'dashes, dashed 70-char boundary',
    boundary: `${'-'.repeat(69)}x`,
    body: (size: number) => new Uint8Array(size).fill(0x2d),
  },
  {
    name: 'HAR-like form, browser boundary',
    boundary: '----WebKitFormBoundary7MA4YWxkTrZu0gW',
    body: (size: number) => harLikeForm(size, '----WebKitFormBoundary7MA4YWxkTrZu0gW'),
  },
];

console.log(
  'body'.padEnd(36),
  'size'.padStart(8),
  'parseMultipart'.padStart(16),
  'linear search'.padStart(15),
  'naive search'.padStart(14),
);
for (const { name, boundary, body: make } of cases) {
  for (const mib of SIZES) {
    const body = make(mib * MIB);
    const delimiter = encoder.encode(`--${boundary}`);
    const search = byteSearch(delimiter);
    const parse = median(() => {
      try {
        parseMultipart(body, `multipart/form-data; boundary=${boundary}`);
      } catch {
        // The adversarial body has no delimiter: refused, which is the work measured.
      }
    });
    const linear = median(() => search(body, 1));
    const naive = median(() => naiveSearch(body, delimiter, 1));
    console.log(
      name.padEnd(36),
      `${mib} MiB`.padStart(8),
      `${parse.toFixed(0)} ms`.padStart(16),
      `${linear.toFixed(0)} ms`.padStart(15),
      `${naive.toFixed(0)} ms`.padStart(14),
    );
  }
}
