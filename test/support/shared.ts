import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './server.ts';

/** The team's material beside the project (specs, evaluation sets); a fresh clone has none. */
export const SHARED = resolve(ROOT, '..', 'shared');

/** `{ skip: reason }` for a test that reads a file from ../shared that is not there. */
export function needsShared(...path: string[]): { skip?: string } {
  const file = resolve(SHARED, ...path);
  return existsSync(file) ? {} : { skip: `${file} is not beside this checkout` };
}
