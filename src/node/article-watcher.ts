import { watch, type FSWatcher } from 'node:fs';
import { buildLibrary, rebuildLibrary, type Library } from '../kb/library.ts';
import { parseArticle, type ParsedArticle } from '../kb/parse-article.ts';
import type { ArticleProblem, ArticleSource } from '../kb/types.ts';
import { readArticleSources } from './read-articles.ts';

/** Changes arriving within this window are applied together. */
const SETTLE_MS = 150;

export interface WatchEvents {
  reloaded: (library: Library, changed: string[]) => void;
  failed: (error: unknown) => void;
}

/**
 * Keeps a library in step with an articles folder. Every change rebuilds the whole library off
 * to the side and swaps it in one assignment, so a request sees the old or the new knowledge
 * base, never half of each. A file that no longer parses keeps its last good version serving,
 * with its problem reported.
 */
export class ArticleWatcher {
  private library: Library;
  private readonly lastGood = new Map<string, string>();
  private watcher: FSWatcher | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly pending = new Set<string>();

  private constructor(
    private readonly directory: string,
    sources: ArticleSource[],
  ) {
    this.library = this.build(sources);
  }

  static async open(directory: string): Promise<ArticleWatcher> {
    return new ArticleWatcher(directory, await readArticleSources(directory));
  }

  current(): Library {
    return this.library;
  }

  start(events: WatchEvents): void {
    this.watcher = watch(this.directory, { recursive: true }, (_event, file) => {
      if (file && !/\.md$/i.test(file)) return;
      if (file) this.pending.add(String(file));
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(events), SETTLE_MS);
    });
    this.watcher.on('error', events.failed);
  }

  stop(): void {
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
  }

  private async reload(events: WatchEvents): Promise<void> {
    const changed = [...this.pending];
    this.pending.clear();
    try {
      const sources = await readArticleSources(this.directory);
      this.library = this.build(sources);
      events.reloaded(this.library, changed);
    } catch (error) {
      events.failed(error);
    }
  }

  /** Build from the files on disk, substituting the last good text of files that broke. */
  /** Parsed articles by file, reused while a file's text is unchanged. */
  private readonly parsed = new Map<string, { text: string; result: ParsedArticle }>();

  private parse(source: ArticleSource): ParsedArticle {
    const cached = this.parsed.get(source.file);
    if (cached && cached.text === source.text) return cached.result;
    const result = parseArticle(source);
    this.parsed.set(source.file, { text: source.text, result });
    return result;
  }

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
      kept.push(...problems, { file: source.file, line: 1, field: 'file', message: 'the previous version of this article keeps serving until the file is fixed', severity: 'warning' });
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
    const library = this.library ? rebuildLibrary(this.library, effective, parse, new Date()) : buildLibrary(effective, new Date(), parse);
    library.kb.problems.push(...kept);
    return library;
  }
}

