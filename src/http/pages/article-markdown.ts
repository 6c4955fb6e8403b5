import { Marked, type Tokens } from 'marked';
import { escapeHtml } from '../../text/escape-html.ts';

/** Schemes a link may use; anything else (`javascript:`, `data:`, `vbscript:`, …) loses its link. */
const LINK_SCHEMES = new Set(['http', 'https', 'mailto']);
const IMAGE_SCHEMES = new Set(['http', 'https']);

/** Browsers drop these from a URL before reading its scheme (`java\tscript:`), so the check does too. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: URL parsers drop control characters, so `java\tscript:` must be read as `javascript:`
const IGNORED_BY_URL_PARSERS = /[\u0000-\u0020\u007f]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** A URL with no scheme is relative to the page; one with a scheme must be on the list. */
function allowed(href: string, schemes: Set<string>): boolean {
  const scheme = SCHEME.exec(href.replace(IGNORED_BY_URL_PARSERS, ''));
  return !scheme || schemes.has(scheme[1]!.toLowerCase());
}

const titleAttribute = (title: string | null | undefined): string => (title ? ` title="${escapeHtml(title)}"` : '');

/**
 * Markdown for article pages. Articles come from pull requests, so raw HTML is shown as text and
 * links or images with a scheme other than http(s)/mailto are dropped; attribute values are
 * escaped whole, so what was checked is exactly what the browser reads.
 */
const articleMarked = new Marked({
  gfm: true,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const label = this.parser.parseInline(tokens);
      if (!allowed(href, LINK_SCHEMES)) return label;
      return `<a href="${escapeHtml(href)}"${titleAttribute(title)}>${label}</a>`;
    },
    // A code block can scroll sideways: tabindex puts it in the tab order so the keyboard can scroll it.
    code({ text, lang }: Tokens.Code): string {
      const language = /^\S+/.exec(lang ?? '')?.[0];
      return `<pre tabindex="0"><code${language ? ` class="language-${escapeHtml(language)}"` : ''}>${escapeHtml(text.replace(/\n$/, ''))}\n</code></pre>\n`;
    },
    image({ href, title, text }: Tokens.Image): string {
      if (!allowed(href, IMAGE_SCHEMES)) return escapeHtml(text);
      return `<img src="${escapeHtml(href)}" alt="${escapeHtml(text)}"${titleAttribute(title)}>`;
    },
  },
});

export function renderArticleMarkdown(markdown: string): string {
  return articleMarked.parse(markdown, { async: false });
}
