import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Generate a knowledge base of N realistic articles for benchmarks: each has frontmatter with
 * one or two causes (status, error codes, 20 phrases), the five sections, steps with code, and
 * 900-1,300 words of body assembled from the bundled articles' own sentences, so term
 * statistics look like a real knowledge base rather than random words.
 */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function generateArticles(
  count: number,
  directory: string,
  sourceDirectory: string,
  seed = 42,
): Promise<void> {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const sources = await Promise.all(
    (await readdir(sourceDirectory))
      .filter((file) => file.endsWith('.md'))
      .map((file) => readFile(join(sourceDirectory, file), 'utf8')),
  );
  const bodies = sources.map((source) => source.split(/^---$/m).slice(2).join('---'));
  const sentences = bodies
    .flatMap((body) => body.replace(/```[\s\S]*?```/g, ' ').split(/(?<=[.!?])\s+/))
    .map((sentence) => sentence.replace(/^#+.*$/gm, '').trim())
    .filter((sentence) => sentence.length > 40 && sentence.length < 300);
  const phrases = sources.flatMap((source) =>
    [...source.matchAll(/^\s+- "?([^"\n]{6,60})"?$/gm)].map((match) => match[1]!),
  );
  const codeBlocks = bodies.flatMap((body) => body.match(/```[\s\S]*?```/g) ?? []);
  const words = sentences
    .join(' ')
    .split(/\s+/)
    .filter((word) => /^[a-z]{4,12}$/.test(word));
  const paragraph = (count: number): string => Array.from({ length: count }, () => pick(sentences)).join(' ');

  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  for (let index = 0; index < count; index += 1) {
    const topic = `${pick(words)} ${pick(words)} ${pick(words)}`;
    const causes = Array.from({ length: random() < 0.3 ? 2 : 1 }, (_, which) => `gen-${index}-${which}`);
    const frontmatter = [
      '---',
      `title: ${JSON.stringify(`Generated ${index}: ${topic}`)}`,
      `summary: ${JSON.stringify(pick(sentences))}`,
      `tags: [${pick(words)}, ${pick(words)}]`,
      'updated: 2026-11-22',
      'causes:',
      ...causes.flatMap((id, which) => [
        `  - id: ${id}`,
        `    title: ${JSON.stringify(`${topic} cause ${which}`)}`,
        `    description: ${JSON.stringify(pick(sentences))}`,
        '    signals:',
        `      status: [${pick([401, 403, 400, 429])}]`,
        `      error: [${pick(['invalid_token', 'invalid_grant', 'invalid_client', 'insufficient_scope'])}]`,
        '      phrases:',
        ...Array.from({ length: 20 }, () => `        - ${JSON.stringify(`${pick(phrases)} ${pick(words)}`)}`),
        `    steps: [step-${index}-${which}-a, step-${index}-${which}-b]`,
      ]),
      '---',
    ].join('\n');
    const steps = causes.flatMap((_, which) =>
      ['a', 'b'].map(
        (letter, stepIndex) =>
          `### ${which * 2 + stepIndex + 1}. ${pick(words)} the ${pick(words)} {#step-${index}-${which}-${letter}}\n\n${paragraph(3)}\n\n${pick(codeBlocks)}\n`,
      ),
    );
    const body = [
      `## Symptoms\n\n${paragraph(4)}\n\n- \`${pick(phrases)}\`\n- \`${pick(phrases)}\`\n`,
      `## Root causes\n\n${paragraph(8)}\n\n${paragraph(6)}\n`,
      `## Resolution steps\n\n${steps.join('\n')}`,
      `## Verification\n\n${paragraph(4)}\n`,
      `## Prevention\n\n${paragraph(5)}\n`,
    ].join('\n');
    await writeFile(join(directory, `generated-${String(index).padStart(5, '0')}.md`), `${frontmatter}\n\n${body}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 1000);
  const target = process.argv[3] ?? join('bench', 'data', `kb-${count}`);
  await generateArticles(count, target, 'articles');
  console.log(`wrote ${count} articles to ${target}`);
}
