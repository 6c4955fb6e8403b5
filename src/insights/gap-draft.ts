import type { KnowledgeBase } from '../kb/knowledge-base.ts';
import type { Gap } from './insights.ts';

export interface GapDraft {
  /** Where the draft would live: `articles/<slug>.md`. */
  filename: string;
  slug: string;
  causeId: string;
  /** A whole article in fixpath's format, signals filled in; it lints clean once the steps are written. */
  markdown: string;
  /** For a gap close to an existing cause: the signals to add to that cause instead. */
  attach: { cause: string; article: string; filename: string; yaml: string } | null;
}

/** Masks in a signature's template (see error-signature.ts): the parts between them are the error's own words. */
const MASK = /<(?:url|secret|email|token|id|time|n)>|'<value>'/g;
/** A phrase must be this long to identify an error rather than match any sentence. */
const MIN_PHRASE_WORDS = 3;

/** What a phrase does not start or end with. */
const EDGE_PUNCTUATION = ' \t\n\r.:;,!?\'"()[]';

/** `text` without the given characters at either end; a loop, where a pattern anchored at the end would backtrack. */
function trimOf(text: string, characters: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && characters.includes(text[start]!)) start += 1;
  while (end > start && characters.includes(text[end - 1]!)) end -= 1;
  return text.slice(start, end);
}

/** The literal runs of a masked template, usable as article phrases. */
export function templatePhrases(template: string | null): string[] {
  if (!template) return [];
  return template
    .replace(/^"|"$/g, '')
    .split(MASK)
    .map((part) => trimOf(part, EDGE_PUNCTUATION))
    .filter((part) => part.split(/\s+/).length >= MIN_PHRASE_WORDS);
}

/** The signals a gap's signature gives: its status, its codes (machine codes lower case), and its phrases. */
function signalsOf(gap: Gap): { status: number[]; error: string[]; phrases: string[] } {
  const { status, codes, exceptions, template } = gap.example;
  const vendorCodes = codes.filter((code) => /^[A-Z]{2,10}\d{3,}$|^ERR_/.test(code));
  return {
    status: status === null ? [] : [status],
    error: codes.filter((code) => !vendorCodes.includes(code)).map((code) => code.toLowerCase()),
    phrases: [...vendorCodes, ...exceptions, ...templatePhrases(template)],
  };
}

const yamlString = (text: string): string => JSON.stringify(text);
const yamlList = (items: Array<string | number>): string =>
  `[${items.map((item) => (typeof item === 'number' ? String(item) : yamlString(item))).join(', ')}]`;

function slugOf(gap: Gap): string {
  const words = [
    ...gap.example.codes,
    ...gap.example.exceptions,
    ...templatePhrases(gap.example.template).slice(0, 1),
    gap.example.status === null ? '' : String(gap.example.status),
  ]
    .join(' ')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  const trimmed = trimOf(words, '-');
  const slug = trimmed.split('-').slice(0, 8).join('-');
  return slug.length >= 3 ? slug : `gap-${gap.id}`;
}

/**
 * A draft article for a gap: frontmatter with the signature's status, codes and phrases filled
 * in, the body's sections laid out, and the places a writer must fill marked. It passes the
 * article linter (`fixpath lint`) once steps are written under "Resolution steps" and listed
 * in the cause's `steps`.
 */
export function draftForGap(gap: Gap, kb: KnowledgeBase, today: Date): GapDraft {
  let slug = slugOf(gap);
  if (kb.bySlug.has(slug)) slug = `${slug}-${gap.id.slice(0, 6)}`;
  const causeId = kb.byCauseId.has(slug) ? `${slug}-${gap.id.slice(0, 6)}` : slug;
  const signals = signalsOf(gap);
  const seen = `${gap.count} report${gap.count === 1 ? '' : 's'} fixpath could not settle between ${gap.firstSeen.slice(0, 10)} and ${gap.lastSeen.slice(0, 10)}`;
  const title = `${gap.example.status ?? 'Error'} ${[...gap.example.codes, ...gap.example.exceptions].slice(0, 2).join(' ') || 'error'}: name the cause here`;
  const markdown = `---
title: ${yamlString(title)}
summary: ${yamlString(`Replace with one sentence: what fails, why, and what fixes it. Drafted from error signature ${gap.signature}.`)}
visibility: public
tags: ${yamlList([...(gap.example.status === null ? [] : [String(gap.example.status)]), ...gap.example.codes.map((code) => code.toLowerCase())].slice(0, 6))}
updated: ${today.toISOString().slice(0, 10)}
causes:
  - id: ${causeId}
    kind: auth
    title: ${yamlString('Name the root cause in a few words')}
    description: >-
      Say what is wrong and where: which setting, token or request part, and who can change it.
      Drafted from ${seen}.
    signals:
      status: ${yamlList(signals.status)}
      error: ${yamlList(signals.error)}
      phrases:
${signals.phrases.map((phrase) => `        - ${yamlString(phrase)}`).join('\n') || '        []'}
      words: []
      facts: []
    steps: []
---

## Symptoms

Customers see this error (its signature: \`${gap.signature}\`):

${[
  gap.example.status === null ? '' : `- status \`${gap.example.status}\``,
  ...gap.example.codes.map((code) => `- code \`${code}\``),
  ...gap.example.exceptions.map((name) => `- exception \`${name}\``),
  gap.example.template ? `- message \`${gap.example.template}\` (variable parts masked)` : '',
]
  .filter(Boolean)
  .join('\n')}

## Root causes

Explain why the service answers this way.

## Resolution steps

Write each step as a heading with an id, such as \`### 1. Check the setting {#check-setting}\`,
and list the ids in the cause's \`steps\`, in order.

## Verification

Say how the reader knows it is fixed.

## Prevention

Say how to keep it from coming back.
`;
  return { filename: `articles/${slug}.md`, slug, causeId, markdown, attach: attachment(gap, kb, signals) };
}

/** For a gap near an existing cause: the signals that cause lacks, as the lines to add to its frontmatter. */
function attachment(gap: Gap, kb: KnowledgeBase, signals: ReturnType<typeof signalsOf>): GapDraft['attach'] {
  if (!gap.nearestCause) return null;
  const cause = kb.byCauseId.get(gap.nearestCause.id);
  if (!cause) return null;
  const has = (list: string[], item: string): boolean =>
    list.some((known) => known.toLowerCase() === item.toLowerCase());
  const status = signals.status.filter((code) => !cause.signals.status.includes(code));
  const error = signals.error.filter((code) => !has(cause.signals.error, code));
  const phrases = signals.phrases.filter((phrase) => !has(cause.signals.phrases, phrase));
  if (status.length + error.length + phrases.length === 0) return null;
  const lines = [
    `# ${cause.articleSlug}.md, cause ${cause.id}: add these under signals`,
    `  - id: ${cause.id}`,
    '    signals:',
    ...(status.length ? [`      status: [..., ${status.join(', ')}]`] : []),
    ...(error.length ? [`      error: [..., ${error.map(yamlString).join(', ')}]`] : []),
    ...(phrases.length ? ['      phrases:', ...phrases.map((phrase) => `        - ${yamlString(phrase)}`)] : []),
  ];
  return {
    cause: cause.id,
    article: cause.articleSlug,
    filename: `articles/${cause.articleSlug}.md`,
    yaml: `${lines.join('\n')}\n`,
  };
}
