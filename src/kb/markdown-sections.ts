import type { Section } from './types.ts';

const HEADING = /^(#{1,6})[ \t]+(.+)$/;
const EXPLICIT_ID = /\{#([A-Za-z0-9_-]{1,200})\}[ \t]*$/;
const FENCE = /^\s*(```|~~~)/;

/** A heading's anchor id as a reader would link it: lower case, words joined by dashes. */
export function slugifyHeading(text: string): string {
  return text
    .toLowerCase()
    .replace(/^\d+\.\s*/, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
}

/**
 * Split Markdown into sections at headings of level 2 and deeper. Text before the first
 * heading is ignored; headings inside fenced code blocks are not headings.
 * Each section's markdown runs until the next heading of any level.
 */
export function splitSections(markdown: string): Array<Section & { line: number }> {
  const sections: Array<Section & { line: number }> = [];
  const lines = markdown.split(/\r?\n/);
  let inFence = false;
  let current: (Section & { line: number; lines: string[] }) | null = null;
  const flush = (): void => {
    if (!current) return;
    const { lines: body, ...section } = current;
    sections.push({ ...section, markdown: body.join('\n').trim() });
  };
  lines.forEach((line, index) => {
    if (FENCE.test(line)) inFence = !inFence;
    const heading = inFence ? null : HEADING.exec(line);
    if (heading && heading[1]!.length >= 2) {
      flush();
      const raw = heading[2]!.trimEnd();
      const explicit = EXPLICIT_ID.exec(raw);
      const text = raw.replace(EXPLICIT_ID, '').trim();
      current = {
        id: explicit ? explicit[1]! : slugifyHeading(text),
        heading: text,
        level: heading[1]!.length,
        markdown: '',
        line: index + 1,
        lines: [],
      };
      return;
    }
    current?.lines.push(line);
  });
  flush();
  return sections;
}

/**
 * Strip Markdown syntax to the words a reader sees, for indexing and snippets. Fenced code is
 * dropped unless `keepCode` (symptoms quote error output in fences).
 */
export function plainText(markdown: string, keepCode = false): string {
  return markdown
    .replace(/```[^`\n]{0,200}\n([^`]*(?:`{1,2}[^`]+)*)```/g, (_, code: string) => (keepCode ? ` ${code} ` : ' '))
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!\[[^[\]]{0,1000}\]\([^()]{0,2000}\)/g, ' ')
    .replace(/\[([^[\]]{0,1000})\]\([^()]{0,2000}\)/g, '$1')
    .replace(/\{#[A-Za-z0-9_-]+\}/g, ' ')
    .replace(/^[#>\-*+|\s]+/gm, '')
    .replace(/[*_|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
