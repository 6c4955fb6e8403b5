import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { answer, assess, diagnose } from '../../src/diagnose/diagnose.ts';
import { buildLibrary, type Library, libraryFromPrebuilt, withArticleText } from '../../src/kb/library.ts';
import {
  ChunkedText,
  chunksOf,
  LIBRARY_BULK_CHUNK_BYTES,
  LIBRARY_WALK_CHUNK_BYTES,
  LibraryUnavailable,
  libraryFromParts,
  libraryParts,
  loadLibrary,
  readLibraryHeader,
  type StoredArticle,
  serialiseLibrary,
  textStartOf,
} from '../../src/kb/library-data.ts';
import { PackedStrings } from '../../src/kb/packed-strings.ts';
import { parseArticle } from '../../src/kb/parse-article.ts';
import { NotYetRead, RecordTable } from '../../src/kb/record-table.ts';
import { searchArticles } from '../../src/kb/search-articles.ts';
import type { ArticleSource } from '../../src/kb/types.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { ROOT } from '../support/server.ts';

const clock = () => new Date('2026-12-01T00:00:00Z');
const REPORTS = [
  'Every call returns 401 invalid_token, the access token expired an hour after login',
  'The browser console says the preflight response did not allow the Authorization header',
  'HTTP 403 insufficient_scope when calling the reports endpoint with our new token',
  'Our DNS lookup for api.example.com fails with ENOTFOUND',
];

const SEARCHES = [
  'expired token',
  'preflght',
  'scope',
  'refresh token revoked after password change',
  'clock skew nbf',
  'cookie samesite cross-site login loop',
  'api key rotated yesterday',
  'saml assertion audience',
];

/** What a person would see: every report's diagnosis and a few searches, as JSON. */
function answers(library: Library): string {
  const context = { kb: library.kb, index: library.index, clock, includeInternal: true };
  return JSON.stringify([
    REPORTS.map((text) => diagnose({ text }, context)),
    // Snippets come from the stored sentences once loaded, and from the text when built: the same.
    SEARCHES.map((query) => searchArticles(library, query, 10, { includeInternal: true })),
  ]);
}

/** The same answers as a Worker computes them: each request on its own, computed again while what it reads is fetched. */
async function answersFetching(library: Library): Promise<string> {
  const context = { kb: library.kb, index: library.index, clock, includeInternal: true };
  const diagnoses = [];
  for (const text of REPORTS) diagnoses.push(await withArticleText(library, () => diagnose({ text }, context)));
  const searches = [];
  for (const query of SEARCHES)
    searches.push(await withArticleText(library, () => searchArticles(library, query, 10, { includeInternal: true })));
  return JSON.stringify([diagnoses, searches]);
}

let sources: ArticleSource[];
let built: Library;

before(async () => {
  sources = await readArticleSources(join(ROOT, 'articles'));
  built = buildLibrary(sources, new Date('2026-12-01T10:00:00Z'));
});

describe('the prebuilt library', () => {
  it('loads from its bytes into a library that answers exactly as the one it was made from', () => {
    const loaded = loadLibrary(serialiseLibrary(built));
    assert.deepEqual(loaded.kb.articles, built.kb.articles);
    assert.equal(answers(loaded), answers(built));
    assert.equal(loaded.loadedAt.toISOString(), '2026-12-01T10:00:00.000Z');
  });

  it("stores each article's text once: sections and steps are ranges of the body", () => {
    const bytes = serialiseLibrary(built);
    const { header, start } = readLibraryHeader(bytes);
    const buffer = (which: number): Uint8Array =>
      bytes.slice(start + header.buffers[which]![0], start + header.buffers[which]![0] + header.buffers[which]![1]);
    const [ends, text] = header.tables.articles;
    const table = new RecordTable<StoredArticle>({ ends: new Uint32Array(buffer(ends).buffer), text: buffer(text) });
    const articles = Array.from({ length: table.length }, (_, at) => table.get(at));
    assert.equal(articles.length, built.kb.articles.length);
    const ranges = articles.flatMap((article) => [...article.sections, ...article.steps]);
    const kept = ranges.filter((part) => typeof part.markdown === 'string' && part.markdown !== '');
    assert.ok(ranges.length > 100);
    assert.deepEqual(kept, [], 'every section and step is found in its body');
  });

  it("holds the cause ids once, and loads the slugs without the article index's header", () => {
    const bytes = serialiseLibrary(built);
    const { header } = readLibraryHeader(bytes);
    assert.equal(header.catalogue.ids, undefined, "the catalogue's ids are the cause index's");
    assert.equal('articles' in header.index, false, "the article index's header is in the cold part");
    const slugs = new PackedStrings(header.slugs);
    assert.deepEqual(
      Array.from({ length: slugs.length }, (_, at) => slugs.at(at)),
      built.kb.articles.map((article) => article.slug),
    );
    const loaded = loadLibrary(bytes);
    assert.equal(loaded.kb.bySlug.get('clock-skew')?.slug, 'clock-skew');
    assert.equal(loaded.kb.bySlug.get('clock-skew-'), undefined);
    assert.deepEqual(
      [...loaded.kb.bySlug.keys()],
      built.kb.articles.map((article) => article.slug),
    );
    // The header is ASCII, quicker to decode and parse; the articles' non-Latin words survive it.
    const headerBytes = bytes.subarray(16, 16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true));
    assert.ok(headerBytes.every((byte) => byte < 0x80));
    assert.ok(/[\u0080-\uffff]/.test(JSON.stringify(header)), 'non-ASCII text read back from its escapes');
    assert.equal(loaded.kb.byCauseId.get('token-expired')?.id, 'token-expired');
    assert.equal(loaded.kb.byCauseId.size, built.kb.causes.length);
    assert.deepEqual(
      built.kb.causes.map((cause) => loaded.kb.byCauseId.get(cause.id)?.id),
      built.kb.causes.map((cause) => cause.id),
      'every cause is found by its id',
    );
  });

  it("keeps the header's long strings and number lists beside its JSON, and reads them back as they were", () => {
    const bytes = serialiseLibrary(built);
    const jsonLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
    const json = new TextDecoder().decode(bytes.subarray(16, 16 + jsonLength));
    const { header, start } = readLibraryHeader(bytes);
    assert.ok(json.length < 40_000, `the JSON is ${json.length} characters`);
    assert.match(json, /"slugs":\{"text":\{"\$text":\d+\}/, 'the slugs joined, 400 characters here, are a piece');
    assert.match(json, /"terms":\{"text":\{"\$text":\d+\},"ends":\{"\$u32":\d+\}/, "the cause index's terms");
    assert.ok(start > 16 + jsonLength, 'the pieces lie between the JSON and the arrays');
    // What the library was built with, through JSON alone, is what the header reads back.
    const slugs = built.kb.articles.map((article) => article.slug);
    const packed = new PackedStrings(header.slugs);
    assert.deepEqual(
      Array.from({ length: packed.length }, (_, at) => packed.at(at)),
      slugs,
    );
    assert.ok(header.index.causes.terms.ends instanceof Uint32Array);
    assert.deepEqual(
      Array.from(header.causeCounts),
      built.kb.articles.map((article) => article.causes.length),
    );
    // A piece that lies beyond the pieces' bytes is refused (the bytes said to be 8, same length).
    const total = /"bytes":(\d+)\}\}$/.exec(json)!;
    const edited = `${json.slice(0, total.index)}"bytes":${'8'.padStart(total[1]!.length, ' ')}}}`;
    const broken = new Uint8Array(bytes);
    broken.set(new TextEncoder().encode(edited), 16);
    assert.throws(() => readLibraryHeader(broken), /names a piece it does not have.*npm run build/);
  });

  it('refuses bytes that are not a library, or cut short, saying to build again', () => {
    const bytes = serialiseLibrary(built);
    assert.throws(
      () => loadLibrary(new TextEncoder().encode('{"format":4,"articles":[]}')),
      /not a fixpath library.*npm run build/,
    );
    assert.throws(() => loadLibrary(new Uint8Array(4)), /too short.*npm run build/);
    assert.throws(() => loadLibrary(bytes.subarray(0, 100)), /cut short.*npm run build/);
    assert.throws(() => loadLibrary(bytes.subarray(0, bytes.byteLength - 8)), /cut short.*npm run build/);
  });

  it('is cut for the Worker into parts up to the cold part and chunks of it, no larger than the limits', () => {
    const bytes = serialiseLibrary(built);
    const manifest = libraryParts(bytes, { partBytes: 80_000, chunkBytes: 30_000, inlineTextBytes: 0 });
    assert.equal(manifest.textStart, textStartOf(bytes));
    assert.ok(manifest.parts.length >= Math.ceil(manifest.textStart / 80_000));
    manifest.parts.forEach((part, at) => {
      assert.equal(part.start, at === 0 ? 0 : manifest.parts[at - 1]!.start + manifest.parts[at - 1]!.length);
    });
    assert.equal(manifest.parts.at(-1)!.start + manifest.parts.at(-1)!.length, manifest.textStart);
    assert.ok(manifest.parts.every((part) => part.length <= 80_000));
    const parts = manifest.parts.map((part) => bytes.slice(part.start, part.start + part.length));
    assert.deepEqual(Buffer.concat(parts), Buffer.from(bytes.subarray(0, manifest.textStart)));
    assert.ok(manifest.parts.length > 1, 'cut where the arrays begin');
    assert.throws(() => libraryFromParts(manifest, parts.slice(1)), /missing/);
    assert.throws(() => libraryFromParts(manifest, [parts[0]!.subarray(1), ...parts.slice(1)]), /wrong size/);
    // Each array lies whole in one part: the parts load as they are, and answer as the whole library.
    const loaded = loadLibrary(libraryFromParts(manifest, parts), (offset, length) =>
      bytes.subarray(manifest.textStart + offset, manifest.textStart + offset + length),
    );
    assert.equal(answers(loaded), answers(built));
    assert.throws(() => libraryParts(bytes, { partBytes: 1_000 }), /more than a static asset may hold/);
    assert.equal(manifest.text.inParts, false);
    // The chunks cover the cold part one after another: the article index (read whole) in the
    // largest, the articles' records (read one at a time, or all by a walk) in middling ones,
    // the other records and the article text (read a piece at a time) in the smallest.
    const { header, start } = readLibraryHeader(bytes);
    const endOf = (buffer: number) =>
      start + header.buffers[buffer]![0] + header.buffers[buffer]![1] - manifest.textStart;
    const regions: Array<[number, number]> = [
      [endOf(header.cold + 1), LIBRARY_BULK_CHUNK_BYTES],
      [endOf(header.tables.articles[1]), LIBRARY_WALK_CHUNK_BYTES],
      [bytes.byteLength - manifest.textStart, 30_000],
    ];
    const regionOf = (offset: number) => regions.findIndex(([end]) => offset < end);
    chunksOf(manifest.text).forEach((chunk, at) => {
      const previous = chunksOf(manifest.text)[at - 1];
      assert.equal(chunk.start, previous ? previous.start + previous.length : 0);
      const region = regionOf(chunk.start);
      assert.ok(chunk.length <= regions[region]![1], chunk.name);
      assert.equal(regionOf(chunk.start + chunk.length - 1), region, `${chunk.name} lies in one region`);
    });
    assert.equal(
      chunksOf(manifest.text).at(-1)!.start + chunksOf(manifest.text).at(-1)!.length + manifest.textStart,
      bytes.byteLength,
    );
    assert.equal(
      chunksOf(manifest.text).filter((chunk) => regionOf(chunk.start) === 2).length,
      Math.ceil((regions[2]![0] - regions[1]![0]) / 30_000),
    );
    // Past the most assets a version may have, chunks grow.
    const capped = libraryParts(bytes, { partBytes: 80_000, chunkBytes: 1_024, inlineTextBytes: 0, maxChunks: 40 });
    assert.ok(chunksOf(capped.text).length <= 40, `${chunksOf(capped.text).length} chunks`);
    assert.ok(chunksOf(capped.text).some((chunk) => chunk.length > 1_024));
  });

  it('keeps a small text in the parts, read with them, and answers as the whole library', () => {
    const bytes = serialiseLibrary(built);
    const manifest = libraryParts(bytes, {
      partBytes: 1_000_000,
      chunkBytes: 8_192,
      inlineTextBytes: bytes.byteLength,
    });
    assert.equal(manifest.text.inParts, true);
    assert.equal(chunksOf(manifest.text).length, 0);
    const parts = manifest.parts.map((part) => bytes.slice(part.start, part.start + part.length));
    assert.deepEqual(Buffer.concat(parts), Buffer.from(bytes));
    assert.equal(answers(loadLibrary(libraryFromParts(manifest, parts))), answers(built));
  });
});

/** The Worker's way: the library up to its text in memory, the text in chunks fetched on demand. */
function chunkedLibrary(bytes: Uint8Array, fail: () => boolean = () => false) {
  const manifest = libraryParts(bytes, { partBytes: 300_000, chunkBytes: 8_192, inlineTextBytes: 0 });
  const fetched: string[] = [];
  const text = new ChunkedText(manifest.text, async (name) => {
    if (fail()) throw new Error(`${name}: 503`);
    fetched.push(name);
    const chunk = chunksOf(manifest.text).find((chunk) => chunk.name === name)!;
    const start = manifest.textStart + chunk.start;
    return bytes.slice(start, start + chunk.length);
  });
  const parts = manifest.parts.map((part) => bytes.slice(part.start, part.start + part.length));
  return { library: loadLibrary(libraryFromParts(manifest, parts), text.read, text.pending), fetched, manifest };
}

describe('a library whose article text is fetched in chunks when first needed', () => {
  it('answers exactly as the whole library once the text an answer reads has been fetched', async () => {
    const bytes = serialiseLibrary(built);
    const { library, fetched, manifest } = chunkedLibrary(bytes);
    assert.deepEqual(fetched, []);
    assert.equal(await answersFetching(library), answers(loadLibrary(bytes)));
    assert.ok(fetched.length > 0);
    assert.ok(fetched.length < chunksOf(manifest.text).length, 'only the chunks the answers read');
    assert.equal(new Set(fetched).size, fetched.length, 'each chunk fetched once');
    // Everything read is here now: answering again fetches nothing.
    const before = fetched.length;
    assert.equal(library.pendingText?.(), undefined);
    answers(library);
    assert.equal(library.pendingText?.(), undefined);
    assert.equal(fetched.length, before);
  });

  it('scores a report once the records of its terms have come, and answers it once its text has as the whole library does', async () => {
    const bytes = serialiseLibrary(built);
    const whole = loadLibrary(bytes);
    // A pasted response carrying a live token: the answer, computed again, must tag it alike.
    const report = {
      error: {
        status: 401,
        headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' },
        body: '{"error":"invalid_token","access_token":"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLXZhbHVl"}',
      },
    };
    for (const input of [...REPORTS.map((text) => ({ text })), report]) {
      const { library, fetched, manifest } = chunkedLibrary(bytes);
      const context = { kb: library.kb, index: library.index, clock, includeInternal: true };
      // The phrase and word groups of the report's terms are in the cold part: scoring stops
      // before it matches any, notes them all, and is done again once they have come.
      assert.throws(() => assess(input, context), NotYetRead);
      let scored = 0;
      const assessment = await withArticleText(library, () => {
        scored += 1;
        return assess(input, context);
      });
      assert.equal(scored, 2, 'one fetch brought every record scoring reads');
      const recordChunks = fetched.length;
      // The article index opens the cold part: a diagnosis reads the cause index alone.
      const { header } = readLibraryHeader(bytes);
      const articleIndexChunks = chunksOf(manifest.text).filter(
        (chunk) =>
          chunk.start + chunk.length <=
          header.buffers[header.cold + 1]![0] + header.buffers[header.cold + 1]![1] - header.buffers[header.cold]![0],
      ).length;
      assert.ok(articleIndexChunks > 0);
      assert.ok(
        fetched.every((name) => Number(/\d+/.exec(name)![0]) >= articleIndexChunks),
        'no chunk of the article index',
      );
      assert.ok(recordChunks > 0 && recordChunks < chunksOf(manifest.text).length / 4, `${recordChunks} chunks`);
      assert.equal(library.pendingText?.(), undefined, 'scoring read no article text');
      fetched.length = 0;
      let answered = 0;
      const diagnosis = await withArticleText(library, () => {
        answered += 1;
        return answer(assessment, context);
      });
      const expected = diagnose(input, { kb: whole.kb, index: whole.index, clock, includeInternal: true });
      assert.ok(expected.causes.length > 0);
      // The tags of redacted secrets are keyed per diagnosis: compare with them masked.
      const masked = (value: unknown) => JSON.stringify(value).replace(/redacted[:-][0-9a-f]{8}/g, 'redacted-tag');
      assert.equal(masked(diagnosis), masked(expected));
      assert.ok(diagnosis.articles.length > 0, 'further reading walked the ranking again');
      // One round fetches the articles of the causes named, with their text; one more the
      // further reading's articles, each asked for together however many there are.
      assert.ok(answered <= 3, `answered ${answered} times`);
    }
  });

  it('renders an article page with its text, never an empty body kept from before the text came', async () => {
    const bytes = serialiseLibrary(built);
    const { library } = chunkedLibrary(bytes);
    assert.throws(() => library.kb.bySlug.get('expired-access-token'), NotYetRead, 'its record is not fetched yet');
    const article = await withArticleText(library, () => library.kb.bySlug.get('expired-access-token')!);
    // Its text was asked for with its record.
    assert.equal(library.pendingText?.(), undefined);
    const body = await withArticleText(library, () => article.body);
    assert.equal(body, built.kb.bySlug.get('expired-access-token')!.body);
    assert.equal(article.steps[0]!.markdown, built.kb.bySlug.get('expired-access-token')!.steps[0]!.markdown);
  });

  it('says the text is unavailable when a chunk cannot be fetched, and fetches it on the next try', async () => {
    const bytes = serialiseLibrary(built);
    let failing = true;
    const { library } = chunkedLibrary(bytes, () => failing);
    await assert.rejects(
      withArticleText(library, () => library.kb.bySlug.get('clock-skew')!.body),
      (error: unknown) => error instanceof LibraryUnavailable && /could not be read.*503/.test(error.message),
    );
    failing = false;
    assert.equal(
      await withArticleText(library, () => library.kb.bySlug.get('clock-skew')!.body),
      built.kb.bySlug.get('clock-skew')!.body,
    );
  });
});

describe('the chunks a Worker keeps', () => {
  const layout = {
    runs: [[4, 16]] as Array<[number, number]>,
    inParts: false,
  };
  const source = Uint8Array.from({ length: 16 }, (_, at) => at);
  const fetchFrom = (fetched: string[]) => async (name: string) => {
    fetched.push(name);
    const at = Number(/\d+/.exec(name)![0]);
    return source.slice(at * 4, at * 4 + 4);
  };

  it('keeps at most its budget, dropping the least recently read, and fetches a dropped chunk again when it is read', async () => {
    const fetched: string[] = [];
    const cold = new ChunkedText(layout, fetchFrom(fetched), 8);
    for (const at of [0, 1]) {
      assert.equal(cold.read(at * 4, 4), undefined);
      await cold.pending();
    }
    assert.deepEqual([...cold.read(0, 4)!], [0, 1, 2, 3], 'chunk 0 read again: now the most recent');
    assert.equal(cold.read(8, 4), undefined);
    await cold.pending();
    assert.equal(cold.keptBytes, 8, 'a third chunk past an 8-byte budget drops one');
    assert.deepEqual([...cold.read(8, 4)!], [8, 9, 10, 11]);
    assert.deepEqual([...cold.read(0, 4)!], [0, 1, 2, 3], 'the recently read chunk 0 was kept');
    assert.equal(cold.read(4, 4), undefined, 'chunk 1, the least recently read, was dropped');
    await cold.pending();
    assert.deepEqual([...cold.read(4, 4)!], [4, 5, 6, 7]);
    assert.deepEqual(fetched, ['text-0.bin', 'text-1.bin', 'text-2.bin', 'text-1.bin']);
  });

  it('says whether a range is here without reading it, noting what is missing for the next fetch', async () => {
    const fetched: string[] = [];
    const cold = new ChunkedText(layout, fetchFrom(fetched), 64);
    assert.equal(cold.read.has?.(2, 4), false, 'bytes 2..5 lie in chunks 0 and 1, neither here');
    assert.deepEqual(fetched, [], 'asking fetches nothing');
    await cold.pending();
    assert.deepEqual(fetched, ['text-0.bin', 'text-1.bin'], 'one round brings what was asked about');
    assert.equal(cold.read.has?.(2, 4), true);
    assert.deepEqual([...cold.read(2, 4)!], [2, 3, 4, 5]);
    assert.equal(cold.pending(), undefined, 'nothing is missing');
    assert.throws(() => cold.read.has?.(14, 4), /shorter than its manifest/);
  });

  it('finds each byte in runs of chunks of different sizes', async () => {
    const runs: Array<[number, number]> = [
      [8, 20],
      [3, 7],
      [5, 5],
    ];
    assert.deepEqual(
      chunksOf({ runs, inParts: false }).map(({ start, length }) => [start, length]),
      [
        [0, 8],
        [8, 8],
        [16, 4],
        [20, 3],
        [23, 3],
        [26, 1],
        [27, 5],
      ],
    );
    const bytes = Uint8Array.from({ length: 32 }, (_, at) => at);
    const chunks = chunksOf({ runs, inParts: false });
    const cold = new ChunkedText({ runs, inParts: false }, async (name) => {
      const chunk = chunks.find((each) => each.name === name)!;
      return bytes.slice(chunk.start, chunk.start + chunk.length);
    });
    for (let offset = 0; offset < 32; offset += 1)
      for (const length of [1, 2, 7]) {
        if (offset + length > 32) continue;
        if (!cold.read(offset, length)) await cold.pending();
        assert.deepEqual(
          [...cold.read(offset, length)!],
          [...bytes.subarray(offset, offset + length)],
          `${offset}+${length}`,
        );
      }
    assert.throws(() => cold.read(30, 4), /shorter than its manifest/);
  });

  it('raises its budget to a read larger than it, so that every chunk of that read can be here at once', async () => {
    const fetched: string[] = [];
    const cold = new ChunkedText(layout, fetchFrom(fetched), 4);
    assert.equal(cold.read(0, 12), undefined);
    assert.equal(cold.budget, 12 + ChunkedText.READ_ROOM);
    await cold.pending();
    assert.deepEqual([...cold.read(0, 12)!], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(fetched.length, 3, 'each chunk fetched once');
  });
});

describe('starting from a prebuilt library', () => {
  it('reuses every article when no file changed, parsing none', () => {
    const prebuilt = loadLibrary(serialiseLibrary(built));
    let parsed = 0;
    const { library, reused } = libraryFromPrebuilt(prebuilt, sources, (source) => {
      parsed += 1;
      return parseArticle(source);
    });
    assert.equal(reused, sources.length);
    assert.equal(parsed, 0);
    assert.equal(library, prebuilt);
  });

  it('reads only the files that changed, were added or removed, and answers as a fresh build would', () => {
    const prebuilt = loadLibrary(serialiseLibrary(built));
    const [first, second, ...rest] = sources;
    const changed: ArticleSource = {
      ...second!,
      text: second!.text.replace(/^title: .*$/m, 'title: A retitled article about tokens'),
    };
    const added: ArticleSource = {
      file: 'zz-new.md',
      text: `---\ntitle: Quokka gateway rejects the tenant header\nsummary: The quokka gateway needs the tenant header.\ncauses:\n  - id: quokka-tenant-missing\n    title: Quokka tenant header missing\n    signals:\n      status: [401]\n      phrases: ["quokka tenant header missing"]\n    steps: [send-tenant]\n---\n\n## Symptoms\n\nThe quokka gateway answers 401.\n\n## Root causes\n\nNo tenant header.\n\n## Resolution steps\n\n### 1. Send the tenant header {#send-tenant}\n\nAdd \`X-Quokka-Tenant\` to every call.\n\n## Verification\n\nThe call succeeds.\n\n## Prevention\n\nSet the header in the client.\n`,
    };
    const now = [changed, ...rest.slice(1), added];
    const read: string[] = [];
    const { library, reused } = libraryFromPrebuilt(prebuilt, now, (source) => {
      read.push(source.file);
      return parseArticle(source);
    });
    assert.deepEqual(read.sort(), [added.file, changed.file].sort());
    assert.equal(reused, now.length - 2);
    assert.ok(!library.kb.articles.some((article) => article.file === first!.file || article.file === rest[0]!.file));
    const fresh = buildLibrary(now, new Date());
    assert.equal(answers(library), answers(fresh));
    const quokka = diagnose(
      { text: 'quokka tenant header missing again' },
      { kb: library.kb, index: library.index, clock, includeInternal: false },
    );
    assert.equal(quokka.causes[0]?.id, 'quokka-tenant-missing');
    // Unchanged articles are the prebuilt objects themselves: neither parsed nor indexed again.
    const kept = library.kb.bySlug.get(
      rest[1] ? (prebuilt.kb.articles.find((a) => a.file === rest[1]!.file)?.slug ?? '') : '',
    );
    assert.ok(kept && prebuilt.kb.articles.includes(kept));
  });
});
