/**
 * Every pattern in src/ with its slowest adversarial input and its time at 1 MiB, slowest first
 * (`npm run bench:patterns`); the same measurement as test/linear-patterns.test.ts.
 */
import { findPatterns, measurePatterns, overBudget } from '../test/support/adversarial-patterns.ts';

const times = measurePatterns(findPatterns()).sort((a, b) => b.ms - a.ms);
console.log('| ms at 1 MiB | matches | pattern | slowest input |\n| ---: | ---: | --- | --- |');
for (const time of times)
  console.log(
    `| ${time.ms.toFixed(1)}${time.screenFailed ? ' (64 KiB, over)' : ''} | ${time.matches} | \`${time.where.replace(/\|/g, '\\|')}\` | ${time.input.replace(/\|/g, '\\|')} |`,
  );
const over = times.filter(overBudget).length;
const sorted = times.map((time) => time.ms).sort((a, b) => a - b);
console.log(
  `\n${times.length} patterns; median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, slowest ${sorted.at(-1)!.toFixed(1)} ms; ${over} over budget`,
);
process.exitCode = over > 0 ? 1 : 0;
