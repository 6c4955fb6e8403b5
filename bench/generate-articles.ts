import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import matter from 'gray-matter';
import { between, distinctPicks, pickUniform, pickZipf, seededRandom, shuffled } from './article-prose.ts';
import { TOPIC_FAMILIES, type TopicFamily } from './article-topics.ts';
import { ArticleWriter, type SharedQuestion, sentenceOrder } from './article-writer.ts';

/**
 * Generate a knowledge base of N articles that reads like a company's help centre, to stand
 * beside the bundled auth articles in benchmarks: billing, shipping, SSO, webhooks, exports and
 * twenty more topic families, each with its own vocabulary, error codes and messages, statuses
 * from 400 to 503 (a few 401 and 403, so some overlap with auth), one or two causes per
 * article, steps with code, and a 900-1,300-word body drawn from topic sentence templates with
 * Zipf-weighted words. Copies of the bundled articles would make every distractor look like an
 * auth cause and every phrase match several hundred of them, which no real knowledge base does.
 * The same seed gives the same files. `sourceDirectory` is read for structure only: the shared
 * chat questions (`status`, `timing`), so generated causes answer them with the same options.
 */

/** A few articles per hundred are for support agents only, as in a real help centre. */
const INTERNAL_SHARE = 0.08;
/** Topic families differ in size, but far less than word frequencies do. */
const FAMILY_SKEW = 0.6;

export async function generateArticles(
  count: number,
  directory: string,
  sourceDirectory: string,
  seed = 42,
): Promise<void> {
  const random = seededRandom(seed);
  const questions = await readSharedQuestions(sourceDirectory);
  const families = shuffled(random, TOPIC_FAMILIES);
  const assigned = Array.from({ length: count }, () => pickZipf(random, families, FAMILY_SKEW));
  const internal = Array.from({ length: count }, () => random() < INTERNAL_SHARE);
  const members = new Map<TopicFamily, number[]>();
  for (const [index, family] of assigned.entries()) {
    const list = members.get(family) ?? [];
    list.push(index);
    members.set(family, list);
  }
  const templateOrders = new Map(families.map((family) => [family, sentenceOrder(random, family)]));

  await rm(directory, { recursive: true, force: true });
  await mkdir(directory, { recursive: true });
  for (let index = 0; index < count; index += 1) {
    const family = assigned[index]!;
    // A public article never links to an internal one (the linter would hide the link).
    const candidates = members.get(family)!.filter((other) => other !== index && (internal[index] || !internal[other]));
    const related = candidates.length
      ? distinctPicks(between(random, 0, 3), () => pickUniform(random, candidates))
      : [];
    const writer = new ArticleWriter(random, family, index, templateOrders.get(family)!, questions);
    const text = writer.article(internal[index]! ? 'internal' : 'public', related.map(generatedSlug));
    await writeFile(join(directory, generatedFileName(index)), text);
  }
}

export const generatedSlug = (index: number): string => `generated-${String(index).padStart(5, '0')}`;
const generatedFileName = (index: number): string => `${generatedSlug(index)}.md`;

/** The `status` and `timing` questions as the first bundled cause declaring them asks them. */
async function readSharedQuestions(sourceDirectory: string): Promise<Map<string, SharedQuestion>> {
  const found = new Map<string, SharedQuestion>();
  let files: string[] = [];
  try {
    files = (await readdir(sourceDirectory)).filter((file) => file.endsWith('.md')).sort();
  } catch {
    return found;
  }
  for (const file of files) {
    const { data } = matter(await readFile(join(sourceDirectory, file), 'utf8'));
    const causes = Array.isArray(data.causes) ? (data.causes as Array<{ questions?: unknown }>) : [];
    for (const question of causes.flatMap((cause) => (Array.isArray(cause.questions) ? cause.questions : []))) {
      const { id, ask, options } = question as Partial<SharedQuestion>;
      if ((id === 'status' || id === 'timing') && !found.has(id) && typeof ask === 'string' && Array.isArray(options))
        found.set(id, { id, ask, options: options.map(String) });
    }
  }
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 1000);
  const target = process.argv[3] ?? join('bench', 'data', `kb-${count}`);
  await generateArticles(count, target, 'articles');
  console.log(`wrote ${count} articles to ${target}`);
}
