import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { buildLibrary, digestOf, type Library, libraryFromPrebuilt, rebuildLibrary } from '../kb/library.ts';
import { loadLibrary } from '../kb/library-data.ts';
import { type ParsedArticle, parseArticle } from '../kb/parse-article.ts';
import type { ArticleProblem, ArticleSource } from '../kb/types.ts';
import { describeError } from './list-article-files.ts';
import { type ArticleFolderScan, scanArticleFolder } from './read-articles.ts';
import type { LibraryFile } from './read-library.ts';

/** Changes arriving within this window are applied together (an editor's save is several events). */
const SETTLE_MS = 150;
/** How often the folder is checked even without events: a safety net for events the OS dropped. */
const RESCAN_MS = 5_000;

export interface WatchEvents {
  reloaded: (library: Library, changed: string[]) => void;
  failed: (error: unknown) => void;
}

/**
 * Keeps a library in step with an articles folder. Each folder is watched on its own, not each
 * file, so a file replaced by rename (an editor's atomic save, `sed -i`, `git checkout`) is seen
 * like any other; every event leads to a rescan of the folder, which reads the files that
 * changed. Every change rebuilds the whole library off to the side and swaps it in one
 * assignment, so a request sees the old or the new knowledge base, never half of each. A file
 * that no longer parses or cannot be read keeps its last good version serving, with its
 * problem reported.
 */
export class ArticleWatcher {
  private library: Library;
  private scan: ArticleFolderScan;
  /** The last version of each file that parsed, kept to serve while a newer one is broken. */
  private readonly lastGood = new Map<string, { source: ArticleSource; result: ParsedArticle }>();
  /** Parsed articles by file, reused while a file's text is unchanged. */
  private readonly parsed = new Map<string, { source: ArticleSource; result: ParsedArticle }>();
  private readonly watchers = new Map<string, { inode: number; watcher: FSWatcher }>();
  private readonly unwatchable = new Set<string>();
  /** Files named by events since the last rescan: these are read whatever their size and times say. */
  private readonly named = new Set<string>();
  /** An event named no file, so every file is read again. */
  private readAll = false;
  private lastFailure = '';
  private events: WatchEvents | null = null;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private rescanTimer: ReturnType<typeof setInterval> | null = null;
  private running = false;
  private runAgain = false;

  /** How the first library was made: from a prebuilt one (how many files it had ready), or built. */
  readonly opened: { prebuilt: 'used' | 'none' | string; reused: number; files: number };

  private constructor(
    private readonly directory: string,
    scan: ArticleFolderScan,
    prebuilt?: Library | { problem: string },
  ) {
    this.scan = scan;
    const started = prebuilt ? this.fromPrebuilt(prebuilt, scan.sources) : undefined;
    if (started && 'library' in started) {
      this.library = started.library;
      this.opened = { prebuilt: 'used', reused: started.reused, files: scan.sources.length };
    } else {
      this.library = this.build(scan.sources);
      this.opened = { prebuilt: started?.problem ?? 'none', reused: 0, files: scan.sources.length };
    }
    this.scan = textless(scan);
  }

  /**
   * Open a folder. With `prebuilt` (`npm run build`'s library, see `openLibraryFile`), files whose text
   * it was built from are neither parsed nor indexed again, nor held as text while the folder
   * is read; a library that cannot be read is reported in `opened.prebuilt` and the folder is
   * built from scratch.
   */
  static async open(directory: string, prebuilt?: LibraryFile | { problem: string }): Promise<ArticleWatcher> {
    let library: Library | { problem: string } | undefined;
    if (prebuilt && 'problem' in prebuilt) library = prebuilt;
    else if (prebuilt) {
      try {
        library = loadLibrary(prebuilt.bytes, prebuilt.readText);
      } catch (error) {
        library = { problem: describeError(error) };
      }
    }
    const scan =
      library && 'kb' in library
        ? await scanArticleFolder(directory, scanOf(library), undefined, digestsOf(library))
        : await scanArticleFolder(directory);
    return new ArticleWatcher(directory, scan, library);
  }

  private fromPrebuilt(
    prebuilt: Library | { problem: string },
    sources: ArticleSource[],
  ): { library: Library; reused: number } | { problem: string } {
    if (!('kb' in prebuilt)) return prebuilt;
    return libraryFromPrebuilt(prebuilt, sources, parseArticle, (source, result) => {
      const kept = withoutText(source);
      this.parsed.set(source.file, { source: kept, result });
      if (result.article) this.lastGood.set(source.file, { source: kept, result });
    });
  }

  current(): Library {
    return this.library;
  }

  start(events: WatchEvents): void {
    this.events = events;
    this.watchFolders();
    this.rescanTimer = setInterval(() => void this.rescan(), RESCAN_MS);
  }

  stop(): void {
    this.events = null;
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
    if (this.settleTimer) clearTimeout(this.settleTimer);
    if (this.rescanTimer) clearInterval(this.rescanTimer);
  }

  /**
   * Watch every folder of the last scan; a folder replaced by a new one (another inode) is
   * watched anew. A file written in a new folder before its watch began is found by one more
   * rescan.
   */
  private watchFolders(): void {
    let added = false;
    for (const [path, { inode, watcher }] of this.watchers) {
      if (this.scan.folders.get(path) === inode) continue;
      watcher.close();
      this.watchers.delete(path);
    }
    for (const [path, inode] of this.scan.folders) {
      if (this.watchers.has(path)) continue;
      try {
        const watcher = watch(path, (_event, name) => this.noticed(path, name));
        watcher.on('error', () => {
          watcher.close();
          if (this.watchers.get(path)?.watcher === watcher) this.watchers.delete(path);
          this.settle();
        });
        this.watchers.set(path, { inode, watcher });
        added = true;
        this.unwatchable.delete(path);
      } catch (error) {
        // Reported once; the periodic rescan still picks up changes there.
        if (!this.unwatchable.has(path))
          this.events?.failed(
            new Error(
              `cannot watch ${path} (${describeError(error)}); its changes are seen within ${RESCAN_MS / 1000} s instead`,
            ),
          );
        this.unwatchable.add(path);
      }
    }
    if (added) this.settle();
  }

  private noticed(folder: string, name: string | null): void {
    if (name === null) this.readAll = true;
    else this.named.add(join(folder, name));
    this.settle();
  }

  private settle(): void {
    if (!this.events) return;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => void this.rescan(), SETTLE_MS);
  }

  /** One rescan at a time; events during one lead to another right after it. */
  private async rescan(): Promise<void> {
    if (this.running) {
      this.runAgain = true;
      return;
    }
    this.running = true;
    try {
      await this.reload();
    } finally {
      this.running = false;
      if (this.runAgain && this.events) {
        this.runAgain = false;
        this.settle();
      }
    }
  }

  private async reload(): Promise<void> {
    const mustRead = new Set(this.named);
    const previous = this.readAll ? undefined : this.scan;
    this.named.clear();
    this.readAll = false;
    try {
      const scan = await scanArticleFolder(this.directory, previous, mustRead);
      if (!this.events) return;
      const changed = changedFiles(this.scan.sources, scan.sources);
      this.scan = textless(scan);
      this.watchFolders();
      this.lastFailure = '';
      if (changed.length === 0) return;
      this.library = this.build(scan.sources);
      this.events.reloaded(this.library, changed);
    } catch (error) {
      // The same failure (the folder gone, say) is reported once, not on every periodic rescan.
      const failure = describeError(error);
      if (failure !== this.lastFailure) this.events?.failed(error);
      this.lastFailure = failure;
    }
  }

  private parse(source: ArticleSource): ParsedArticle {
    const cached = this.parsed.get(source.file);
    if (cached && sameSource(cached.source, source)) return cached.result;
    const good = this.lastGood.get(source.file);
    if (good && sameSource(good.source, source)) return good.result;
    const result = parseArticle(source);
    this.parsed.set(source.file, { source: withoutText(source), result });
    return result;
  }

  /**
   * Build from the files on disk, substituting the last good version of files that broke.
   * Afterwards only digests of the files' texts are kept: parsed articles hold what serves.
   */
  private build(sources: ArticleSource[]): Library {
    const kept: ArticleProblem[] = [];
    const present = new Set(sources.map((source) => source.file));
    const effective = sources.map((source) => {
      const result = this.parse(source);
      if (result.article) {
        this.lastGood.set(source.file, { source: withoutText(source), result });
        return source;
      }
      const previous = this.lastGood.get(source.file);
      if (previous === undefined) return source;
      kept.push(...result.problems, {
        file: source.file,
        line: 1,
        field: 'file',
        message: 'the previous version of this article keeps serving until the file is fixed',
        severity: 'warning',
      });
      return previous.source;
    });
    for (const file of [...this.lastGood.keys(), ...this.parsed.keys()]) {
      if (!present.has(file)) {
        this.lastGood.delete(file);
        this.parsed.delete(file);
      }
    }
    const parse = (source: ArticleSource): ParsedArticle => this.parse(source);
    // The first build indexes everything; later ones update the previous index.
    const library = this.library
      ? rebuildLibrary(this.library, effective, parse, new Date())
      : buildLibrary(effective, new Date(), parse);
    library.kb.problems.push(...kept);
    return library;
  }
}

/**
 * The folder as a prebuilt library saw it: a file whose inode, size and times are still those
 * is not read at all (the library was built on this machine from this very file).
 */
function scanOf(library: Library): ArticleFolderScan {
  const signatures = new Map<string, string>();
  for (const record of library.sources) if (record.signature) signatures.set(record.file, record.signature);
  return {
    sources: library.sources.map((record) => ({ file: record.file, text: '', digest: record.digest })),
    folders: new Map(),
    signatures,
  };
}

/** A read file whose text has the digest the library was built from is kept as that digest alone. */
function digestsOf(library: Library): (file: string) => string | undefined {
  const digests = new Map(library.sources.map((record) => [record.file, record.digest]));
  return (file) => digests.get(file);
}

/** A scan whose sources keep digests, not texts: a rescan reads a file again only when it changed. */
function textless(scan: ArticleFolderScan): ArticleFolderScan {
  return { ...scan, sources: scan.sources.map(withoutText) };
}

/** A source with its text let go, known by its digest. */
function withoutText(source: ArticleSource): ArticleSource {
  if (source.digest !== undefined && source.text === '') return source;
  return {
    file: source.file,
    text: '',
    digest: digestOf(source),
    ...(source.unreadable !== undefined && { unreadable: source.unreadable }),
  };
}

function sameSource(a: ArticleSource, b: ArticleSource): boolean {
  if (a.unreadable !== b.unreadable) return false;
  if (a.digest === undefined && b.digest === undefined) return a.text === b.text;
  return digestOf(a) === digestOf(b);
}

/** Files added, removed or changed between two scans (both sorted by file). */
function changedFiles(before: ArticleSource[], after: ArticleSource[]): string[] {
  const previous = new Map(before.map((source) => [source.file, source]));
  const changed = after.filter((source) => {
    const old = previous.get(source.file);
    previous.delete(source.file);
    return !old || !sameSource(old, source);
  });
  return [...changed.map((source) => source.file), ...previous.keys()];
}
