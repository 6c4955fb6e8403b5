import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from './server.ts';

/**
 * The regular expressions written in `src/`, found in the source so a new one cannot be
 * forgotten, and the adversarial strings each is measured on: runs of one character (and the
 * same ending in a character no class takes), alternating pairs (`a.a.a.…`, the shape that made
 * a userinfo pattern quadratic), and its literals repeated or followed by long runs. Patterns
 * run globally (every match, as `replace` and `matchAll` do), the most work any use can cause.
 * Used by test/linear-patterns.test.ts and `npm run bench:patterns`.
 */

export const SCREEN_CHARS = 64 * 1024;
export const FULL_CHARS = 1024 * 1024;
export const FULL_BUDGET_MS = 50;
export const PER_MATCH_MS = 0.0002;
/** A linear pattern crosses 64 KiB in well under this; a quadratic one takes seconds. */
export const SCREEN_BUDGET_MS = 15;
const BASE_CHARS = ['a', 'A', '0', ' ', '\n', '-', '.', '=', '/', ':', '"', '<'];
const CLASS_CHARS: Record<string, string> = {
  d: '0',
  w: 'a',
  s: ' ',
  n: '\n',
  r: '\r',
  t: '\t',
  D: 'a',
  W: '-',
  S: 'a',
  f: '\f',
  v: '\v',
};

export interface FoundPattern {
  where: string;
  regex: RegExp;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

export function findPatterns(): FoundPattern[] {
  const found: FoundPattern[] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const literal = node.getText(source);
        const end = literal.lastIndexOf('/');
        const flags = literal.slice(end + 1);
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push({
          where: `${relative(ROOT, file)}:${line} ${literal.length > 70 ? `${literal.slice(0, 70)}…` : literal}`,
          regex: new RegExp(literal.slice(1, end), flags.includes('g') ? flags : `${flags}g`),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

/** The characters a pattern names, with a representative for each class escape. */
function charactersOf(source: string): string[] {
  const chars = new Set<string>();
  for (let index = 0; index < source.length; index += 1) {
    const char = source[index]!;
    if (char === '\\') {
      const next = source[index + 1] ?? '';
      index += 1;
      if (CLASS_CHARS[next]) chars.add(CLASS_CHARS[next]!);
      else if (!/[bBuxcpk0-9]/.test(next)) chars.add(next);
    } else if (!'()[]{}?*+|^$'.includes(char)) chars.add(char);
  }
  return [...chars].filter((char) => char >= ' ' || char === '\n' || char === '\t' || char === '\r').slice(0, 24);
}

/** Runs of two or more literal characters in the pattern (`eyJ`, `Bearer`, `://`). */
function literalsOf(source: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL marks where a pattern's non-literal parts were
  const literals = source.replace(/\\[dwsDWSbBnrt]|\[[^\]]*\]|\{[^}]*\}/g, '\u0000').split(/[\u0000()?*+|^$.\\]/);
  return [...new Set(literals.filter((literal) => literal.length >= 2))].slice(0, 12);
}

export function adversarialInputs(regex: RegExp, size: number): Array<{ name: string; text: string }> {
  const own = charactersOf(regex.source);
  const chars = [...new Set([...own, ...BASE_CHARS])];
  const inputs: Array<{ name: string; text: string }> = [];
  const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  for (const char of chars) {
    inputs.push({ name: `run of ${JSON.stringify(char)}`, text: fill(char) });
    // A run that ends in a character no class takes: `-+$` and `\\s+\\S` fail only at the very end.
    inputs.push({ name: `run of ${JSON.stringify(char)} ending in \\u0001`, text: `${fill(char).slice(1)}\u0001` });
  }
  const pairChars = [...new Set([...own.slice(0, 14), 'a', ' ', '0'])];
  for (let first = 0; first < pairChars.length; first += 1) {
    for (let second = first + 1; second < pairChars.length; second += 1) {
      inputs.push({
        name: `pairs ${JSON.stringify(pairChars[first]! + pairChars[second]!)}`,
        text: fill(pairChars[first]! + pairChars[second]!),
      });
    }
  }
  for (const literal of literalsOf(regex.source)) {
    for (const tail of ['', 'a', ' ', '0', '=', '.', '-'])
      inputs.push({ name: `${JSON.stringify(literal + tail)} repeated`, text: fill(literal + tail) });
    for (const run of ['a', '0', ' ', '-'])
      inputs.push({
        name: `${JSON.stringify(literal)} then a run of ${JSON.stringify(run)}`,
        text: literal + run.repeat(size - literal.length),
      });
  }
  return inputs;
}

export function runGlobally(regex: RegExp, text: string): number {
  const started = performance.now();
  regex.lastIndex = 0;
  text.replace(regex, '');
  return performance.now() - started;
}

export interface PatternTime {
  where: string;
  input: string;
  /** Milliseconds at 1 MiB (best of three), or at 64 KiB when the screen already failed. */
  ms: number;
  matches: number;
  screenFailed: boolean;
}

/** Each pattern's slowest adversarial input, screened at 64 KiB and timed at 1 MiB. */
export function measurePatterns(patterns: FoundPattern[]): PatternTime[] {
  return patterns.map(({ where, regex }) => {
    let slowest = { name: '', ms: -1 };
    for (const input of adversarialInputs(regex, SCREEN_CHARS)) {
      let ms = runGlobally(regex, input.text);
      // A collection pause can land on any one run: only a repeatable time counts.
      if (ms > SCREEN_BUDGET_MS) ms = Math.min(ms, runGlobally(regex, input.text), runGlobally(regex, input.text));
      if (ms > slowest.ms) slowest = { name: input.name, ms };
    }
    if (slowest.ms > SCREEN_BUDGET_MS)
      return { where, input: slowest.name, ms: slowest.ms, matches: 0, screenFailed: true };
    const full = adversarialInputs(regex, FULL_CHARS).find((input) => input.name === slowest.name)!;
    const ms = Math.min(runGlobally(regex, full.text), runGlobally(regex, full.text), runGlobally(regex, full.text));
    return { where, input: slowest.name, ms, matches: (full.text.match(regex) ?? []).length, screenFailed: false };
  });
}

/** Whether a measured time is over budget; each match's own cost to the caller is allowed on top. */
export function overBudget(time: PatternTime): boolean {
  return time.screenFailed || time.ms > FULL_BUDGET_MS + PER_MATCH_MS * time.matches;
}
