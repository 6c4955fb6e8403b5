import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ROOT } from './support/server.ts';

/**
 * Every regular expression written in `src/` runs in time linear in its input. Each one is
 * found in the source (so a new one cannot be forgotten), then run over adversarial strings
 * built from the characters and literals it names: runs of one character, alternating pairs
 * (`a.a.a.…`, the shape that made a userinfo pattern quadratic), and its literals repeated or
 * followed by long runs. Every string is screened at 64 KiB, and each pattern's slowest input is
 * then run at 1 MiB, the largest text any route accepts, where it must finish within 50 ms.
 *
 * Patterns are run globally (every match, as `replace` and `matchAll` do), which is the most
 * work any use of them can cause.
 */

const SCREEN_CHARS = 64 * 1024;
const FULL_CHARS = 1024 * 1024;
const FULL_BUDGET_MS = 50;
const PER_MATCH_MS = 0.0002;
/** A linear pattern crosses 64 KiB in well under this; a quadratic one takes seconds. */
const SCREEN_BUDGET_MS = 15;
const BASE_CHARS = ['a', 'A', '0', ' ', '\n', '-', '.', '=', '/', ':', '"', '<'];
const CLASS_CHARS: Record<string, string> = { d: '0', w: 'a', s: ' ', n: '\n', r: '\r', t: '\t', D: 'a', W: '-', S: 'a', f: '\f', v: '\v' };

interface FoundPattern {
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

function findPatterns(): FoundPattern[] {
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
        found.push({ where: `${relative(ROOT, file)}:${line} ${literal.length > 70 ? `${literal.slice(0, 70)}…` : literal}`, regex: new RegExp(literal.slice(1, end), flags.includes('g') ? flags : `${flags}g`) });
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
  const literals = source.replace(/\\[dwsDWSbBnrt]|\[[^\]]*\]|\{[^}]*\}/g, '\u0000').split(/[\u0000()?*+|^$.\\]/);
  return [...new Set(literals.filter((literal) => literal.length >= 2))].slice(0, 12);
}

function adversarialInputs(regex: RegExp, size: number): Array<{ name: string; text: string }> {
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
      inputs.push({ name: `pairs ${JSON.stringify(pairChars[first]! + pairChars[second]!)}`, text: fill(pairChars[first]! + pairChars[second]!) });
    }
  }
  for (const literal of literalsOf(regex.source)) {
    for (const tail of ['', 'a', ' ', '0', '=', '.', '-']) inputs.push({ name: `${JSON.stringify(literal + tail)} repeated`, text: fill(literal + tail) });
    for (const run of ['a', '0', ' ', '-']) inputs.push({ name: `${JSON.stringify(literal)} then a run of ${JSON.stringify(run)}`, text: literal + run.repeat(size - literal.length) });
  }
  return inputs;
}

function runGlobally(regex: RegExp, text: string): number {
  const started = performance.now();
  regex.lastIndex = 0;
  text.replace(regex, '');
  return performance.now() - started;
}

describe('every pattern applied to input is linear', () => {
  const patterns = findPatterns();

  it('finds the patterns written in src/', () => {
    assert.ok(patterns.length > 150, `${patterns.length} patterns`);
  });

  it(`crosses every adversarial string of ${FULL_CHARS / 1024} KiB within ${FULL_BUDGET_MS} ms`, () => {
    const slow: string[] = [];
    let worst = { where: '', input: '', ms: 0 };
    for (const { where, regex } of patterns) {
      let slowest = { name: '', ms: -1, unit: '' };
      for (const input of adversarialInputs(regex, SCREEN_CHARS)) {
        let ms = runGlobally(regex, input.text);
        // A collection pause can land on any one run: only a repeatable time counts.
        if (ms > SCREEN_BUDGET_MS) ms = Math.min(ms, runGlobally(regex, input.text), runGlobally(regex, input.text));
        if (ms > slowest.ms) slowest = { name: input.name, ms, unit: input.text };
      }
      if (slowest.ms > SCREEN_BUDGET_MS) {
        slow.push(`${where}: ${slowest.name} takes ${slowest.ms.toFixed(1)} ms at 64 KiB`);
        continue;
      }
      const full = adversarialInputs(regex, FULL_CHARS).find((input) => input.name === slowest.name)!;
      const ms = Math.min(runGlobally(regex, full.text), runGlobally(regex, full.text), runGlobally(regex, full.text));
      if (ms > worst.ms) worst = { where, input: slowest.name, ms };
      // Each match costs the caller something whatever the pattern (`[\\s,]+` over `,a,a,a…` matches
      // half a million times): that share is allowed on top of the budget, the search itself is not.
      if (ms > FULL_BUDGET_MS + PER_MATCH_MS * ((full.text.match(regex) ?? []).length)) slow.push(`${where}: ${slowest.name} takes ${ms.toFixed(1)} ms at 1 MiB`);
    }
    assert.deepEqual(slow, [], slow.join('\n'));
    process.stdout.write(`# slowest pattern at 1 MiB: ${worst.where} on ${worst.input}: ${worst.ms.toFixed(1)} ms\n`);
  });
});
