import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { type TextReader, textStartOf } from '../kb/library-data.ts';

/** A prebuilt library as the Node server keeps it: the index in memory, the article text on disk. */
export interface LibraryFile {
  bytes: Uint8Array;
  readText: TextReader;
}

/** Read exactly `length` bytes at `position`, or fail: a short read means the file changed under us. */
function readFully(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) throw new Error('the library file is shorter than it says; run `npm run build` again');
    done += read;
  }
  return buffer;
}

/**
 * Open the prebuilt library: everything up to the article text is read into memory; each
 * article's text is read from the file when first needed (it is tens of megabytes for
 * thousands of articles, and most are never asked for). The file stays open for the life of
 * the process; `npm run build` replaces it by renaming, so the open file keeps its content.
 * Returns undefined when there is no such file.
 */
export function openLibraryFile(path: string): LibraryFile | undefined {
  let fd: number;
  try {
    fd = openSync(resolve(path), 'r');
  } catch {
    return undefined;
  }
  try {
    const start = textStartOf(readFully(fd, 16, 0));
    const bytes = readFully(fd, start, 0);
    return { bytes, readText: (offset, length) => readFully(fd, length, start + offset) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
