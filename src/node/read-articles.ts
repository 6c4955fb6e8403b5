import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { ArticleSource } from '../kb/types.ts';

/** Most article files read from one folder; a knowledge base larger than this is a mistake. */
export const MAX_ARTICLE_FILES = 20_000;

/** Every `.md` file below a folder (README.md excepted), as article sources. */
export async function readArticleSources(directory: string): Promise<ArticleSource[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && /\.md$/i.test(entry.name) && entry.name.toLowerCase() !== 'readme.md')
    .map((entry) => join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name))
    .slice(0, MAX_ARTICLE_FILES);
  return Promise.all(
    files.map(async (path) => ({ file: relative(directory, path).split(sep).join('/'), text: await readFile(path, 'utf8') })),
  );
}
