import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import { buildLibrary, type Library, libraryFromPrebuilt, rebuildLibrary } from '../kb/library.ts';
import { loadLibrary } from '../kb/library-data.ts';
import { type ParsedArticle, parseArticle } from '../kb/parse-article.ts';
import type { ArticleProblem, ArticleSource } from '../kb/types.ts';
import { describeError } from './list-article-files.ts';
import { type ArticleFolderScan, scanArticleFolder } from './read-articles.ts';

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
  private readonly lastGood = new Map<string, string>();
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
    prebuilt?: Uint8Array,
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
  }

  /**
   * Open a folder. With `prebuilt` (the bytes of `npm run build`'s library), files whose text
   * it was built from are neither parsed nor indexed again; a library that cannot be read is
   * reported in `opened.prebuilt` and the folder is built from scratch.
   */
  static async open(directory: string, prebuilt?: Uint8Array): Promise<ArticleWatcher> {
    return new ArticleWatcher(directory, await scanArticleFolder(directory), prebuilt);
  }

  private fromPrebuilt(
    bytes: Uint8Array,
    sources: ArticleSource[],
  ): { library: Library; reused: number } | { problem: string } {
    let prebuilt: Library;
    try {
      prebuilt = loadLibrary(bytes);
    } catch (error) {
      return { problem: describeError(error) };
    }
    return libraryFromPrebuilt(prebuilt, sources, parseArticle, (source, result) => {
      this.parsed.set(source.file, { source, result });
      if (result.article) this.lastGood.set(source.file, source.text);
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
      this.scan = scan;
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
    const result = parseArticle(source);
    this.parsed.set(source.file, { source, result });
    return result;
  }

  /** Build from the files on disk, substituting the last good text of files that broke. */
  private build(sources: ArticleSource[]): Library {
    const kept: ArticleProblem[] = [];
    const present = new Set(sources.map((source) => source.file));
    const effective = sources.map((source) => {
      const { article, problems } = this.parse(source);
      if (article) {
        this.lastGood.set(source.file, source.text);
        return source;
      }
      const previous = this.lastGood.get(source.file);
      if (previous === undefined) return source;
      kept.push(...problems, {
        file: source.file,
        line: 1,
        field: 'file',
        message: 'the previous version of this article keeps serving until the file is fixed',
        severity: 'warning',
      });
      return { file: source.file, text: previous };
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

function sameSource(a: ArticleSource, b: ArticleSource): boolean {
  return a.text === b.text && a.unreadable === b.unreadable;
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
