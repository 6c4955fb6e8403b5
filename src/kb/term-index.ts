/**
 * An inverted index on flat typed arrays: sorted terms, and for each term and field the
 * documents that contain it with how often. It ranks with BM25+ exactly as MiniSearch 7 did
 * (the same formula, parameters, field lengths and order of additions), so answers did not
 * change when it replaced MiniSearch; what changed is the cost. A query reads only the postings
 * of its own terms, scores into preallocated arrays instead of an object per document, and
 * callers take the few best results without sorting the rest.
 *
 * The index is plain arrays, so it is saved as bytes and loaded without parsing: a Worker or a
 * restarting server maps it instead of rebuilding it (see `serialise` and `TermIndex.load`).
 */
import {
  PackedPositions,
  PackedStrings,
  packStrings,
  restoreFlags,
  type StoredStrings,
  storeFlags,
} from './packed-strings.ts';
import { lazyArray } from './record-table.ts';

export interface IndexField {
  name: string;
  boost: number;
}

export interface IndexedDocument {
  id: string;
  internal: boolean;
  /** One text per field, in the order of the index's fields. */
  texts: string[];
}

export interface Analyzer {
  tokenize: (text: string) => string[];
  processTerm: (word: string) => string | null;
}

/** What to look for: a processed term, and whether longer words or near spellings also count. */
export interface QuerySpec {
  term: string;
  prefix: boolean;
  /** Most edits a near spelling may be away (0: none). */
  fuzzy: number;
}

export interface QueryOptions {
  /** Fields searched, by index into the index's fields; all when left out. */
  fields?: number[];
  combine: 'or' | 'and';
  includeInternal: boolean;
}

/** How much a prefix or a near spelling counts next to the word itself (MiniSearch's defaults). */
const PREFIX_WEIGHT = 0.375;
const FUZZY_WEIGHT = 0.45;
/** BM25+ parameters (MiniSearch's defaults): term saturation, length normalisation, floor. */
const K = 1.2;
const B = 0.7;
const D = 0.5;
/** Term frequencies are stored in 16 bits: a word used more often than this counts this often. */
const MAX_FREQUENCY = 65_535;

/** The scored documents of one query, in the order they were first found. */
export class QueryResult {
  constructor(
    private readonly index: TermIndex,
    private readonly specs: QuerySpec[],
    /** Document numbers, in the order first found (ties keep this order). */
    readonly documents: Int32Array,
    /** Final score per document number (already multiplied by the number of query terms matched). */
    private readonly scores: Float64Array,
  ) {}

  get size(): number {
    return this.documents.length;
  }

  score(document: number): number {
    return this.scores[document]!;
  }

  id(document: number): string {
    return this.index.ids[document]!;
  }

  /** Whether `a` ranks before `b`: higher score, then found earlier. */
  private before(a: number, b: number, order: Int32Array): boolean {
    const difference = this.scores[a]! - this.scores[b]!;
    return difference > 0 || (difference === 0 && order[a]! < order[b]!);
  }

  /** Whether the document is among the results. */
  has(document: number): boolean {
    return this.orderOf()[document]! >= 0;
  }

  /** The `limit` best documents, best first (ties in the order found), in one pass without sorting the rest. */
  top(limit: number): number[] {
    if (limit > 32) return [...this.ranked(limit)];
    const best: number[] = [];
    for (const document of this.documents) {
      const score = this.scores[document]!;
      if (best.length === limit && !(score > this.scores[best[limit - 1]!]!)) continue;
      let position = Math.min(best.length, limit - 1);
      while (position > 0 && this.scores[best[position - 1]!]! < score) position -= 1;
      best.splice(position, 0, document);
      if (best.length > limit) best.pop();
    }
    return best;
  }

  /**
   * Documents best first, found lazily: a heap over all of them, popped one at a time, so a
   * caller that stops after a few pays for a few.
   */
  *ranked(limit = Number.POSITIVE_INFINITY): Generator<number> {
    const order = this.orderOf();
    const heap = Array.from(this.documents);
    const before = (a: number, b: number) => this.before(heap[a]!, heap[b]!, order);
    const sink = (start: number, size: number): void => {
      let at = start;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= size) return;
        let best = left;
        if (left + 1 < size && before(left + 1, left)) best = left + 1;
        if (!before(best, at)) return;
        [heap[at], heap[best]] = [heap[best]!, heap[at]!];
        at = best;
      }
    };
    for (let at = (heap.length >> 1) - 1; at >= 0; at -= 1) sink(at, heap.length);
    for (let size = heap.length, given = 0; size > 0 && given < limit; given += 1) {
      yield heap[0]!;
      size -= 1;
      heap[0] = heap[size]!;
      sink(0, size);
    }
  }

  private orderCache?: Int32Array;
  private orderOf(): Int32Array {
    if (!this.orderCache) {
      this.orderCache = new Int32Array(this.index.documentCount).fill(-1);
      this.documents.forEach((document, position) => {
        this.orderCache![document] = position;
      });
    }
    return this.orderCache;
  }

  /**
   * The query terms the document matched, in query order (exact terms only; what the few shown
   * documents need, worked out on demand). Numbers never appear as bare digits here: the
   * vocabulary marks them (`401_`), so none sorts ahead as an object's array-index key would.
   */
  terms(document: number): string[] {
    const found: string[] = [];
    for (const spec of this.specs) {
      const id = this.index.termId(spec.term);
      if (id >= 0 && this.index.contains(id, document) && !found.includes(spec.term)) found.push(spec.term);
    }
    return found;
  }
}

/** The index as bytes and a small header, for `TermIndex.load`. */
export interface SerialisedTermIndex {
  fields: IndexField[];
  /** Document ids by document number, findable (see `packStrings`). */
  ids: StoredStrings;
  /** The internal documents' numbers (see `storeFlags`). */
  internal: ArrayLike<number>;
  averageLengths: number[];
  /** The sorted terms (see `packStrings`). */
  terms: StoredStrings;
  /** Bytes per document number in `documents`: 2 while there are at most 65,536 documents. */
  documentBytes: 2 | 4;
  /** Bytes per frequency in `frequencies`: 1 when no term is used more than 255 times in a field. */
  frequencyBytes: 1 | 2;
  /** Byte offset and length of each array in `buffer`. */
  arrays: Record<'offsets' | 'documents' | 'frequencies' | 'lengths', [number, number]>;
}

export class TermIndex {
  private positions?: ReadonlyMap<string, number>;
  /** Terms `termId` found in the packed list (see there). */
  private readonly found = new Map<string, number>();

  private constructor(
    readonly fields: IndexField[],
    /** Document ids by document number. */
    readonly ids: string[],
    private readonly internal: Uint8Array,
    /**
     * Sorted terms (code unit order): a term's number is its position. A loaded index keeps
     * them packed, and makes the list only for what needs every term (a prefix or near-spelling
     * search, a rebuild): an exact lookup, all a diagnosis makes, finds a term in place.
     */
    private termList: string[] | PackedStrings,
    /** Postings of term t in field f: documents[offsets[t * F + f] .. offsets[t * F + f + 1]). */
    private readonly offsets: Uint32Array,
    private readonly documents: Uint16Array | Uint32Array,
    private readonly frequencies: Uint8Array | Uint16Array,
    /** Distinct words of each document's field (MiniSearch's field length): lengths[doc * F + f]. */
    private readonly lengths: Uint32Array,
    private readonly averageLengths: Float64Array,
  ) {
    this.documentCount = ids.length;
  }

  /** How many documents there are (kept: a loaded index's ids are read through a proxy). */
  readonly documentCount: number;

  private get terms(): string[] {
    if (this.termList instanceof PackedStrings) {
      const packed = this.termList;
      this.termList = Array.from({ length: packed.length }, (_, at) => packed.at(at));
    }
    return this.termList;
  }

  get termCount(): number {
    return this.termList.length;
  }

  static build(fields: IndexField[], documents: Iterable<IndexedDocument>, analyzer: Analyzer): TermIndex {
    const empty = new TermIndex(
      fields,
      [],
      new Uint8Array(0),
      [],
      new Uint32Array(1),
      new Uint32Array(0),
      new Uint16Array(0),
      new Uint32Array(0),
      new Float64Array(fields.length),
    );
    return empty.rebuild([...documents], analyzer);
  }

  /**
   * A new index whose documents are `entries`, in that order: an id carries that document's
   * postings over from this index without reading its text again; a document is read anew.
   * The result equals `TermIndex.build` over the same documents.
   */
  rebuild(entries: Array<string | IndexedDocument>, analyzer: Analyzer): TermIndex {
    const fieldCount = this.fields.length;
    const previousNumber = new Map(this.ids.map((id, number) => [id, number] as const));
    const byDocument = this.postingsByDocument();
    const termNames = [...this.terms];
    const termNumbers = new Map(termNames.map((term, id) => [term, id] as const));
    const ids: string[] = [];
    const internal: number[] = [];
    const lengths: number[] = [];
    const averageLengths = new Float64Array(fieldCount);
    let postings = new Uint32Array(Math.max(1024, this.documents.length * 4 + 1024));
    let count = 0;
    const push = (term: number, field: number, document: number, frequency: number): void => {
      if (count + 4 > postings.length) {
        const grown = new Uint32Array(postings.length * 2);
        grown.set(postings);
        postings = grown;
      }
      postings[count] = term;
      postings[count + 1] = field;
      postings[count + 2] = document;
      postings[count + 3] = frequency;
      count += 4;
    };
    for (const entry of entries) {
      const number = ids.length;
      const carried = typeof entry === 'string' ? previousNumber.get(entry) : undefined;
      if (typeof entry === 'string' && carried === undefined) throw new Error(`term index: no document "${entry}"`);
      if (carried !== undefined) {
        ids.push(this.ids[carried]!);
        internal.push(this.internal[carried]!);
        for (let field = 0; field < fieldCount; field += 1) {
          const length = this.lengths[carried * fieldCount + field]!;
          lengths.push(length);
          averageLengths[field] = (averageLengths[field]! * number + length) / (number + 1);
        }
        for (let at = byDocument.starts[carried]!; at < byDocument.starts[carried + 1]!; at += 1)
          push(byDocument.terms[at]!, byDocument.fields[at]!, number, byDocument.frequencies[at]!);
        continue;
      }
      const document = entry as IndexedDocument;
      ids.push(document.id);
      internal.push(document.internal ? 1 : 0);
      for (let field = 0; field < fieldCount; field += 1) {
        const tokens = analyzer.tokenize(document.texts[field] ?? '');
        const length = new Set(tokens).size;
        lengths.push(length);
        // The running average, computed as MiniSearch did, so scores match to the last bit.
        averageLengths[field] = (averageLengths[field]! * number + length) / (number + 1);
        for (const [term, frequency] of frequenciesOf(tokens, analyzer, termNumbers, termNames))
          push(term, field, number, Math.min(frequency, MAX_FREQUENCY));
      }
    }
    return TermIndex.fromPostings(
      this.fields,
      ids,
      internal,
      lengths,
      averageLengths,
      termNames,
      postings,
      count / 4,
    ).withoutUnusedTerms();
  }

  /** Every posting grouped by document (a counting sort over the term-major arrays). */
  private postingsByDocument(): {
    starts: Uint32Array;
    terms: Uint32Array;
    fields: Uint8Array;
    frequencies: Uint16Array;
  } {
    const fieldCount = this.fields.length;
    const starts = new Uint32Array(this.documentCount + 1);
    for (const document of this.documents) starts[document + 1]! += 1;
    for (let at = 1; at < starts.length; at += 1) starts[at]! += starts[at - 1]!;
    const next = starts.slice(0, -1);
    const terms = new Uint32Array(this.documents.length);
    const fields = new Uint8Array(this.documents.length);
    const frequencies = new Uint16Array(this.documents.length);
    for (let term = 0; term < this.terms.length; term += 1) {
      for (let field = 0; field < fieldCount; field += 1) {
        for (
          let at = this.offsets[term * fieldCount + field]!;
          at < this.offsets[term * fieldCount + field + 1]!;
          at += 1
        ) {
          const document = this.documents[at]!;
          const position = next[document]!;
          next[document] = position + 1;
          terms[position] = term;
          fields[position] = field;
          frequencies[position] = this.frequencies[at]!;
        }
      }
    }
    return { starts, terms, fields, frequencies };
  }

  /** The same index without terms no document uses any more (after a rebuild removed some). */
  private withoutUnusedTerms(): TermIndex {
    const fieldCount = this.fields.length;
    const used = (term: number): boolean => this.offsets[term * fieldCount]! < this.offsets[(term + 1) * fieldCount]!;
    let unused = 0;
    for (let term = 0; term < this.terms.length; term += 1) if (!used(term)) unused += 1;
    if (unused === 0) return this;
    const terms: string[] = [];
    const offsets = new Uint32Array((this.terms.length - unused) * fieldCount + 1);
    for (let term = 0; term < this.terms.length; term += 1) {
      if (!used(term)) continue;
      for (let field = 0; field < fieldCount; field += 1)
        offsets[terms.length * fieldCount + field + 1] = this.offsets[term * fieldCount + field + 1]!;
      terms.push(this.terms[term]!);
    }
    return new TermIndex(
      this.fields,
      this.ids,
      this.internal,
      terms,
      offsets,
      this.documents,
      this.frequencies,
      this.lengths,
      this.averageLengths,
    );
  }

  /** Lay postings out by sorted term and field, documents ascending (a counting sort, stable). */
  private static fromPostings(
    fields: IndexField[],
    ids: string[],
    internal: number[],
    lengths: number[],
    averageLengths: Float64Array,
    termNames: string[],
    postings: Uint32Array,
    total: number,
  ): TermIndex {
    const fieldCount = fields.length;
    // A rebuild that added no new term keeps the terms in order: no need to sort them again.
    const sorted = termNames.map((_, id) => id);
    if (!termNames.every((term, at) => at === 0 || termNames[at - 1]! < term))
      sorted.sort((a, b) => compare(termNames[a]!, termNames[b]!));
    const rank = new Uint32Array(termNames.length);
    sorted.forEach((id, position) => {
      rank[id] = position;
    });
    const offsets = new Uint32Array(termNames.length * fieldCount + 1);
    for (let at = 0; at < total; at += 1) {
      offsets[rank[postings[at * 4]!]! * fieldCount + postings[at * 4 + 1]! + 1]! += 1;
    }
    for (let slot = 1; slot < offsets.length; slot += 1) offsets[slot]! += offsets[slot - 1]!;
    const next = offsets.slice(0, -1);
    // Document numbers fit 16 bits in any knowledge base of up to 65,536 documents: half the bytes.
    const documents = ids.length <= 0x10000 ? new Uint16Array(total) : new Uint32Array(total);
    const frequencies = new Uint16Array(total);
    for (let at = 0; at < total; at += 1) {
      const slot = rank[postings[at * 4]!]! * fieldCount + postings[at * 4 + 1]!;
      const position = next[slot]!;
      next[slot] = position + 1;
      documents[position] = postings[at * 4 + 2]!;
      frequencies[position] = postings[at * 4 + 3]!;
    }
    return new TermIndex(
      fields,
      ids,
      Uint8Array.from(internal),
      sorted.map((id) => termNames[id]!),
      offsets,
      documents,
      frequencies,
      Uint32Array.from(lengths),
      averageLengths,
    );
  }

  /** The term's number, or -1 when no document uses it. */
  termId(term: string): number {
    if (this.termList instanceof PackedStrings) {
      // Reports repeat the same words: each found once is then a hash lookup. Only terms the
      // index has are kept, so this holds at most its own terms whatever the queries bring.
      let at = this.found.get(term);
      if (at === undefined) {
        at = this.termList.find(term);
        if (at >= 0) this.found.set(term, at);
      }
      return at;
    }
    const at = this.lowerBound(term);
    return this.terms[at] === term ? at : -1;
  }

  has(term: string): boolean {
    return this.termId(term) >= 0;
  }

  /** Whether a document uses a term in any field (binary search in its postings). */
  contains(term: number, document: number): boolean {
    const fieldCount = this.fields.length;
    for (let field = 0; field < fieldCount; field += 1) {
      let low = this.offsets[term * fieldCount + field]!;
      let high = this.offsets[term * fieldCount + field + 1]!;
      while (low < high) {
        const middle = (low + high) >>> 1;
        const found = this.documents[middle]!;
        if (found === document) return true;
        if (found < document) low = middle + 1;
        else high = middle;
      }
    }
    return false;
  }

  /** Longer terms that start with `prefix`, in sorted order. */
  private prefixed(prefix: string): number[] {
    const found: number[] = [];
    const { terms } = this;
    let at = this.lowerBound(prefix);
    while (at < terms.length && terms[at]!.startsWith(prefix)) {
      if (terms[at]!.length > prefix.length) found.push(at);
      at += 1;
    }
    return found;
  }

  /** The first position whose term is not before `term`. */
  private lowerBound(term: string): number {
    const { terms } = this;
    let low = 0;
    let high = terms.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (terms[middle]! < term) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Terms within `maxDistance` edits (Levenshtein) of `query`, other than itself, with their
   * distance. The sorted terms are walked as a trie: terms sharing a prefix share the rows of
   * the distance table, and a prefix already too far away skips every term that starts with it.
   */
  private near(query: string, maxDistance: number): Array<[number, number]> {
    const width = query.length + 1;
    const found: Array<[number, number]> = [];
    // Cells outside the band |row - column| <= maxDistance are never computed: they stay above
    // the limit, which is all the search needs to know of them.
    let rows = new Uint32Array(width * 64).fill(maxDistance + 1);
    for (let column = 0; column < width; column += 1) rows[column] = column;
    let previous = '';
    let valid = 0;
    let at = 0;
    const { terms } = this;
    while (at < terms.length) {
      const term = terms[at]!;
      let shared = 0;
      const limit = Math.min(valid, term.length, previous.length);
      while (shared < limit && term.charCodeAt(shared) === previous.charCodeAt(shared)) shared += 1;
      if ((term.length + 1) * width > rows.length) {
        const grown = new Uint32Array((term.length + 1) * width * 2).fill(maxDistance + 1);
        grown.set(rows);
        rows = grown;
      }
      let pruned = -1;
      for (let row = shared + 1; row <= term.length; row += 1) {
        const code = term.charCodeAt(row - 1);
        const here = row * width;
        const above = here - width;
        rows[here] = Math.min(row, maxDistance + 1);
        let least = rows[here]!;
        const last = Math.min(width - 1, row + maxDistance);
        for (let column = Math.max(1, row - maxDistance); column <= last; column += 1) {
          const replace = rows[above + column - 1]! + (code === query.charCodeAt(column - 1) ? 0 : 1);
          const remove = rows[above + column]! + 1;
          const insert = rows[here + column - 1]! + 1;
          const distance = Math.min(replace, remove, insert);
          rows[here + column] = distance;
          if (distance < least) least = distance;
        }
        if (least > maxDistance) {
          pruned = row;
          break;
        }
      }
      if (pruned >= 0) {
        // Every term that starts with these `pruned` characters is too far away: skip them all.
        const stem = term.slice(0, pruned);
        previous = term;
        valid = pruned - 1;
        at = this.firstWithout(stem, at + 1);
        continue;
      }
      const distance = rows[term.length * width + width - 1]!;
      if (distance <= maxDistance && distance > 0) found.push([at, distance]);
      previous = term;
      valid = term.length;
      at += 1;
    }
    return found;
  }

  /** The first position from `from` whose term does not start with `stem` (they are contiguous). */
  private firstWithout(stem: string, from: number): number {
    const { terms } = this;
    let low = from;
    let high = terms.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (terms[middle]!.startsWith(stem)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /**
   * Score the documents that contain the query's terms. Each query term adds, per index term
   * it stands for (itself, longer words, near spellings) and per field, weight × field boost ×
   * BM25+; the sum is multiplied by how many distinct query terms the document matched. With
   * `and`, only documents that match every query term are kept.
   */
  search(specs: QuerySpec[], options: QueryOptions): QueryResult {
    const count = this.documentCount;
    const fields = options.fields ?? this.fields.map((_, field) => field);
    const totals = new Float64Array(count);
    const partial = new Float64Array(count);
    // Which query term last touched a document (+1; 0 = none yet), and when it was first found.
    const touchedBy = new Int32Array(count);
    const firstFound = new Int32Array(count).fill(-1);
    const matched = new Uint16Array(count);
    // How many query terms found each document (repeats included): `and` keeps those found by all.
    const hits = new Uint16Array(count);
    const order: number[] = [];
    const sourceSeen = duplicateSources(specs);
    let latest: number[] = [];
    for (let which = 0; which < specs.length; which += 1) {
      const spec = specs[which]!;
      const touched: number[] = [];
      const add = (term: number, weight: number): void => {
        this.accumulate(term, weight, fields, partial, touchedBy, which + 1, touched);
      };
      const exact = this.termId(spec.term);
      if (exact >= 0) add(exact, 1);
      const prefixed = spec.prefix ? this.prefixed(spec.term) : [];
      for (const term of prefixed) {
        const length = this.terms[term]!.length;
        const distance = length - spec.term.length;
        add(term, (PREFIX_WEIGHT * length) / (length + 0.3 * distance));
      }
      if (spec.fuzzy > 0) {
        const skip = new Set(prefixed);
        for (const [term, distance] of this.near(spec.term, spec.fuzzy)) {
          if (skip.has(term)) continue;
          const length = this.terms[term]!.length;
          add(term, (FUZZY_WEIGHT * length) / (length + distance));
        }
      }
      for (const document of touched) {
        if (firstFound[document]! < 0) {
          firstFound[document] = order.length;
          order.push(document);
          totals[document] = partial[document]!;
        } else totals[document] = totals[document]! + partial[document]!;
        hits[document]! += 1;
        if (!sourceSeen || sourceSeen.first(which, document)) matched[document]! += 1;
      }
      latest = touched;
    }
    let kept: number[];
    if (options.combine === 'and') {
      // A document in every query term's results, in the order the last term found them.
      kept = latest.filter((document) => hits[document] === specs.length);
    } else kept = order;
    const documents: number[] = [];
    for (const document of kept) {
      if (!options.includeInternal && this.internal[document] === 1) continue;
      totals[document] = totals[document]! * (matched[document]! || 1);
      documents.push(document);
    }
    return new QueryResult(this, specs, Int32Array.from(documents), totals);
  }

  /** Add one index term's BM25+ score, in every searched field, to the documents that use it. */
  private accumulate(
    term: number,
    weight: number,
    fields: number[],
    partial: Float64Array,
    touchedBy: Int32Array,
    stamp: number,
    touched: number[],
  ): void {
    const fieldCount = this.fields.length;
    const total = this.documentCount;
    for (const field of fields) {
      const start = this.offsets[term * fieldCount + field]!;
      const end = this.offsets[term * fieldCount + field + 1]!;
      if (start === end) continue;
      const matching = end - start;
      const average = this.averageLengths[field]!;
      const inverse = Math.log(1 + (total - matching + 0.5) / (matching + 0.5));
      // The same operations in the same order as MiniSearch, so every score is bit-identical.
      const factor = weight * 1 * this.fields[field]!.boost * 1;
      for (let at = start; at < end; at += 1) {
        const document = this.documents[at]!;
        const frequency = this.frequencies[at]!;
        const length = this.lengths[document * fieldCount + field]!;
        const raw = inverse * (D + (frequency * (K + 1)) / (frequency + K * (1 - B + (B * length) / average)));
        const score = factor * raw;
        if (touchedBy[document] !== stamp) {
          touchedBy[document] = stamp;
          partial[document] = score;
          touched.push(document);
        } else partial[document] = partial[document]! + score;
      }
    }
  }

  serialise(): { header: SerialisedTermIndex; buffer: Uint8Array } {
    // Most frequencies fit a byte: the arrays a Worker copies at its first request are a quarter smaller.
    let most = 0;
    for (const frequency of this.frequencies) if (frequency > most) most = frequency;
    const arrays = {
      offsets: this.offsets,
      documents: this.documents,
      frequencies: most <= 255 ? Uint8Array.from(this.frequencies) : Uint16Array.from(this.frequencies),
      lengths: this.lengths,
    } as const;
    let size = 0;
    const placed = {} as SerialisedTermIndex['arrays'];
    for (const [name, array] of Object.entries(arrays) as Array<[keyof typeof arrays, ArrayBufferView]>) {
      placed[name] = [size, array.byteLength];
      size += Math.ceil(array.byteLength / 8) * 8;
    }
    const buffer = new Uint8Array(size);
    for (const [name, array] of Object.entries(arrays) as Array<[keyof typeof arrays, ArrayBufferView]>) {
      buffer.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), placed[name][0]);
    }
    return {
      header: {
        fields: this.fields,
        ids: packStrings(this.ids, true),
        internal: storeFlags(this.internal),
        averageLengths: Array.from(this.averageLengths),
        terms: packStrings(this.terms),
        documentBytes: this.documents.BYTES_PER_ELEMENT as 2 | 4,
        frequencyBytes: arrays.frequencies.BYTES_PER_ELEMENT as 1 | 2,
        arrays: placed,
      },
      buffer,
    };
  }

  /** An index from `serialise`'s output; the arrays are views on `buffer`, not copies. */
  static load(header: SerialisedTermIndex, bytes: Uint8Array): TermIndex {
    // Typed arrays need aligned offsets; a buffer that starts mid-word is copied once.
    const buffer = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
    const range = (name: keyof SerialisedTermIndex['arrays'], size: number): [ArrayBuffer, number, number] => {
      const [offset, length] = header.arrays[name];
      if (offset + length > buffer.byteLength || length % size !== 0)
        throw new Error(`term index: the ${name} array does not fit its buffer; rebuild with \`npm run build\``);
      return [buffer.buffer as ArrayBuffer, buffer.byteOffset + offset, length / size];
    };
    const ids = new PackedStrings(header.ids);
    const index = new TermIndex(
      header.fields,
      // Each id is sliced out when first read: thousands of strings are not made at load.
      lazyArray(ids.length, (at) => ids.at(at)),
      restoreFlags(header.internal, ids.length),
      new PackedStrings(header.terms),
      new Uint32Array(...range('offsets', 4)),
      header.documentBytes === 2
        ? new Uint16Array(...range('documents', 2))
        : new Uint32Array(...range('documents', 4)),
      header.frequencyBytes === 1
        ? new Uint8Array(...range('frequencies', 1))
        : new Uint16Array(...range('frequencies', 2)),
      new Uint32Array(...range('lengths', 4)),
      Float64Array.from(header.averageLengths),
    );
    index.positions = new PackedPositions(ids);
    return index;
  }

  /** Each document's number by its id: looked up in place for a loaded index, made on first use for a built one. */
  get numbers(): ReadonlyMap<string, number> {
    this.positions ??= new Map(this.ids.map((id, number) => [id, number]));
    return this.positions;
  }
}

/** How often each term occurs in a field's words, numbering terms not seen before. */
function frequenciesOf(
  tokens: string[],
  analyzer: Analyzer,
  termNumbers: Map<string, number>,
  termNames: string[],
): Map<number, number> {
  const frequencies = new Map<number, number>();
  for (const token of tokens) {
    const term = analyzer.processTerm(token);
    if (!term) continue;
    let id = termNumbers.get(term);
    if (id === undefined) {
      id = termNames.length;
      termNumbers.set(term, id);
      termNames.push(term);
    }
    frequencies.set(id, (frequencies.get(id) ?? 0) + 1);
  }
  return frequencies;
}

/** Terms compare by code unit, as `<` does and as the sorted array is laid out. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A query that repeats a term ("token token") scores it twice but counts it once toward the
 * number of terms matched; this remembers which documents each repeated term has counted for.
 * Null when no term repeats (the usual case), so the usual case costs nothing.
 */
function duplicateSources(specs: QuerySpec[]): { first: (which: number, document: number) => boolean } | null {
  const terms = specs.map((spec) => spec.term);
  if (new Set(terms).size === terms.length) return null;
  const counted = new Map<string, Set<number>>();
  return {
    first(which, document) {
      const term = terms[which]!;
      let documents = counted.get(term);
      if (!documents) {
        documents = new Set();
        counted.set(term, documents);
      }
      if (documents.has(document)) return false;
      documents.add(document);
      return true;
    },
  };
}
