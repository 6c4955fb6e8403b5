import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Most article files read from one folder; a knowledge base larger than this is a mistake. */
export const MAX_ARTICLE_FILES = 20_000;

/**
 * Whether a file name is an article: a `.md` file that is not the folder's README and not an
 * editor's leftover. Editors save through temp, swap, backup and lock files (`.foo.md.swp`,
 * `foo.md~`, `4913`, `.#foo.md`, `#foo.md#`, `foo.md.tmp`, `foo.md.crswap`, `~$foo.md`); those
 * either do not end in `.md` or start with `.`, `#` or `~`.
 */
export function isArticleFileName(name: string): boolean {
  return /\.md$/i.test(name) && !/^[.#~]/.test(name) && name.toLowerCase() !== 'readme.md';
}

/** Hidden folders (`.git`, an editor's settings) hold no articles. */
const isArticleFolderName = (name: string): boolean => !name.startsWith('.');

export interface ArticleFolderListing {
  /** Article files, by path relative to the folder (always with `/`), to their absolute path. */
  files: Map<string, string>;
  /** Every folder that holds articles or might, by absolute path, to its inode (a folder replaced by another is watched again). */
  folders: Map<string, number>;
  /** Sub-folders that could not be listed, relative to the folder and ending in `/`, with the reason. */
  unlistable: Map<string, string>;
}

/**
 * The article files below a folder, walked one folder at a time so hidden folders and symbolic
 * links are never entered. The folder itself must be listable; a sub-folder that is not is
 * reported, and the rest is still listed.
 */
export async function listArticleFiles(directory: string): Promise<ArticleFolderListing> {
  const listing: ArticleFolderListing = { files: new Map(), folders: new Map(), unlistable: new Map() };
  const queue: Array<{ path: string; relative: string }> = [{ path: directory, relative: '' }];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { path, relative } = next;
    let entries: Dirent[];
    try {
      listing.folders.set(path, (await stat(path)).ino);
      entries = await readdir(path, { withFileTypes: true });
    } catch (error) {
      if (relative === '') throw error;
      listing.folders.delete(path);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        listing.unlistable.set(`${relative}/`, describeError(error));
      continue;
    }
    for (const entry of entries) {
      const file = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory() && isArticleFolderName(entry.name))
        queue.push({ path: join(path, entry.name), relative: file });
      else if (entry.isFile() && isArticleFileName(entry.name) && listing.files.size < MAX_ARTICLE_FILES)
        listing.files.set(file, join(path, entry.name));
    }
  }
  return listing;
}

/** An fs error as a reader can act on it: `EACCES: permission denied`, without the path. */
export function describeError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (typeof code === 'string')
    return `${code}: ${message.replace(/^[A-Z]+:\s*/, '').replace(/,\s*\w+\s+'[^']*'$/, '')}`;
  return error instanceof Error ? error.message : String(error);
}
