import { constants } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { textDigest } from '../kb/library.ts';
import type { ArticleSource } from '../kb/types.ts';
import { describeError, listArticleFiles, MAX_ARTICLE_FILES } from './list-article-files.ts';

export { MAX_ARTICLE_FILES };

/** What was read from an articles folder, and how each file looked on disk when it was read. */
export interface ArticleFolderScan {
  /** Every article file, sorted by name; one that could not be read carries the reason. */
  sources: ArticleSource[];
  /** Folders to watch, by absolute path, with their inode. */
  folders: Map<string, number>;
  /** Inode, size and times of each file read, so that an unchanged file need not be read again. */
  signatures: Map<string, string>;
}

// Never follow a link swapped in after listing; never block on a FIFO named like an article.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Every article file below a folder, as article sources (README.md and editors' leftovers excepted). */
export async function readArticleSources(directory: string): Promise<ArticleSource[]> {
  return (await scanArticleFolder(directory)).sources;
}

/**
 * Read an articles folder. With a previous scan, a file whose inode, size and times are
 * unchanged keeps its previous text unless it is in `mustRead` (files a watch event named),
 * so a rescan of a large folder reads only what changed. A file deleted mid-scan is left out;
 * one that cannot be read is kept, with the reason, as a problem for that file alone.
 */
export async function scanArticleFolder(
  directory: string,
  previous?: ArticleFolderScan,
  mustRead: ReadonlySet<string> = new Set(),
  /**
   * Files whose text is already known by this digest (a prebuilt library's): such a file keeps
   * only its digest, so a folder of thousands is never held in memory as text all at once.
   */
  knownDigest?: (file: string) => string | undefined,
): Promise<ArticleFolderScan> {
  const listing = await listArticleFiles(directory);
  const reused = new Map((previous?.sources ?? []).map((source) => [source.file, source]));
  const signatures = new Map<string, string>();
  const read = await Promise.all(
    [...listing.files].map(async ([file, path]): Promise<ArticleSource | null> => {
      const known = reused.get(file);
      if (known && !mustRead.has(path)) {
        const signature = await signatureOf(path);
        if (signature !== null && signature === previous?.signatures.get(file)) {
          signatures.set(file, signature);
          return known;
        }
      }
      const result = await readArticleFile(path);
      if (result === null) return null;
      if (result.signature) signatures.set(file, result.signature);
      if (result.unreadable !== undefined) return { file, text: result.text, unreadable: result.unreadable };
      const expected = knownDigest?.(file);
      if (expected !== undefined) {
        const digest = textDigest(result.text);
        if (digest === expected) return { file, text: '', digest };
      }
      return { file, text: result.text };
    }),
  );
  const sources = read.filter((source): source is ArticleSource => source !== null);
  for (const [file, reason] of listing.unlistable) sources.push({ file, text: '', unreadable: reason });
  sources.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { sources, folders: listing.folders, signatures };
}

async function signatureOf(path: string): Promise<string | null> {
  try {
    return signature(await lstat(path));
  } catch {
    return null;
  }
}

const signature = (stats: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string =>
  `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;

/** One file's text and the signature of exactly what was read; null when it was deleted meanwhile. */
async function readArticleFile(
  path: string,
): Promise<{ text: string; signature?: string; unreadable?: string } | null> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, OPEN_FLAGS);
    const stats = await handle.stat();
    if (!stats.isFile()) return { text: '', unreadable: 'not a regular file' };
    return { text: await handle.readFile('utf8'), signature: signature(stats) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { text: '', unreadable: describeError(error) };
  } finally {
    await handle?.close();
  }
}
