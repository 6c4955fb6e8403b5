import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EVAL_DIR } from '../../evaluation/cases.ts';
import { ROOT } from './server.ts';

/** The team's material beside the project (specs, evaluation sets); a fresh clone has none. */
export const SHARED = resolve(ROOT, '..', 'shared');

/** `{ skip: reason }` for a test that reads a file from ../shared that is not there, saying how to get it. */
export function needsShared(...path: string[]): { skip?: string } {
  const file = resolve(SHARED, ...path);
  return existsSync(file)
    ? {}
    : { skip: `${file} is not here: put the team's shared material (spec/, eval/) beside this checkout as ../shared` };
}

/** A file of the labelled development set: FIXPATH_EVAL_DIR, or ../shared/eval/dev. */
export function evalFile(...path: string[]): string {
  return resolve(EVAL_DIR, ...path);
}

/** `{ skip: reason }` for a test that reads a development-set file that is not there, saying how to get it. */
export function needsEvalFile(...path: string[]): { skip?: string } {
  const file = evalFile(...path);
  return existsSync(file)
    ? {}
    : {
        skip: `${file} is not here: set FIXPATH_EVAL_DIR to a folder of labelled cases (cases.jsonl, dialogs.jsonl, har/), or put the team's shared material beside this checkout as ../shared`,
      };
}
