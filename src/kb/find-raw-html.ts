import { Lexer, walkTokens } from 'marked';

/** Raw HTML written into an article's Markdown, with the line it starts on (1 = the first line given). */
export interface RawHtml {
  line: number;
  html: string;
}

/**
 * The first raw HTML tag or block on each line of a piece of Markdown, as marked reads it (code
 * spans and fences are not HTML). Article pages show such HTML as text, so its author should
 * know; an opening and a closing tag on one line are one mistake.
 */
export function findRawHtml(markdown: string): RawHtml[] {
  const found: RawHtml[] = [];
  if (!mayHoldRawHtml(markdown)) return found;
  let searchFrom = 0;
  walkTokens(new Lexer().lex(markdown), (token) => {
    if (token.type !== 'html') return;
    const at = markdown.indexOf(token.raw, searchFrom);
    if (at >= 0) searchFrom = at + token.raw.length;
    const line = lineAt(markdown, at >= 0 ? at : searchFrom);
    if (found.at(-1)?.line !== line) found.push({ line, html: token.raw.trim() });
  });
  return found;
}

const FENCE = /^\s*(```|~~~)/;
const CODE_SPAN = /`[^`\n]*`/g;
const TAG_START = /<[A-Za-z!?/]/;

/**
 * Whether any `<` that could open a tag stands outside fenced code and one-line code spans.
 * Lexing costs a millisecond an article and most have no HTML, so only these are lexed.
 */
function mayHoldRawHtml(markdown: string): boolean {
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (FENCE.test(line)) inFence = !inFence;
    else if (!inFence && TAG_START.test(line.replace(CODE_SPAN, ''))) return true;
  }
  return false;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf('\n'); index >= 0 && index < offset; index = text.indexOf('\n', index + 1)) line += 1;
  return line;
}
