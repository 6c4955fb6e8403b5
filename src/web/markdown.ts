/**
 * A small Markdown renderer for the browser faces (widget and console): headings, paragraphs,
 * lists, fenced code (with a copy button), tables, inline code, emphasis and links. Everything
 * is escaped first, so article text can never inject markup into a host page.
 */

import { escapeHtml } from '../text/escape-html.ts';

function inline(text: string, linkBase: string): string {
  const codes: string[] = [];
  let out = escapeHtml(text).replace(/`([^`]+)`/g, (_, code: string) => {
    codes.push(`<code>${code}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  out = out
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>')
    .replace(/\[([^[\]]{1,1000})\]\(([^()\s]{1,2000})\)/g, (_, label: string, href: string) => {
      const safe = /^(https?:|\/|#)/.test(href) ? (href.startsWith('/') ? `${linkBase}${href}` : href) : '#';
      return `<a href="${safe}" target="_blank" rel="noopener noreferrer">${label}</a>`;
    })
    .replace(/\{#[A-Za-z0-9_-]+\}/g, '');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL brackets the placeholders of code spans, a character Markdown text cannot hold
  return out.replace(/\u0000(\d+)\u0000/g, (_, index: string) => codes[Number(index)]!);
}

export function renderMarkdown(markdown: string, options: { linkBase?: string; copyLabel?: string } = {}): string {
  const linkBase = options.linkBase ?? '';
  const copy = escapeHtml(options.copyLabel ?? 'Copy');
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const html: string[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;
  const flushParagraph = (): void => {
    if (paragraph.length) html.push(`<p>${inline(paragraph.join(' '), linkBase)}</p>`);
    paragraph = [];
  };
  const flushList = (): void => {
    if (list)
      html.push(
        `<${list.ordered ? 'ol' : 'ul'}>${list.items.map((item) => `<li>${inline(item, linkBase)}</li>`).join('')}</${list.ordered ? 'ol' : 'ul'}>`,
      );
    list = null;
  };
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const fence = /^\s*(```|~~~)\s*([\w-]*)/.exec(line);
    if (fence) {
      flushParagraph();
      flushList();
      const code: string[] = [];
      for (index += 1; index < lines.length && !lines[index]!.trim().startsWith(fence[1]!); index += 1)
        code.push(lines[index]!);
      html.push(
        `<div class="code"><button type="button" class="copy" data-copy>${copy}</button><pre tabindex="0"><code${fence[2] ? ` data-lang="${escapeHtml(fence[2])}"` : ''}>${escapeHtml(code.join('\n'))}</code></pre></div>`,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flushParagraph();
      flushList();
      const level = Math.min(6, heading[1]!.length + 1);
      html.push(`<h${level}>${inline(heading[2]!, linkBase)}</h${level}>`);
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line)) {
      flushParagraph();
      flushList();
      const rows: string[][] = [];
      for (; index < lines.length && /^\s*\|.*\|\s*$/.test(lines[index]!); index += 1) {
        if (/^\s*\|[\s:|-]+\|\s*$/.test(lines[index]!)) continue;
        rows.push(
          lines[index]!.trim()
            .slice(1, -1)
            .split('|')
            .map((cell) => cell.trim()),
        );
      }
      index -= 1;
      html.push(
        `<table>${rows.map((row, rowIndex) => `<tr>${row.map((cell) => (rowIndex === 0 ? `<th>${inline(cell, linkBase)}</th>` : `<td>${inline(cell, linkBase)}</td>`)).join('')}</tr>`).join('')}</table>`,
      );
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/.exec(line);
    if (item) {
      flushParagraph();
      const ordered = Boolean(item[2]);
      if (list && list.ordered !== ordered) flushList();
      list ??= { ordered, items: [] };
      list.items.push(item[3]!);
      continue;
    }
    if (!line.trim()) {
      flushParagraph();
      flushList();
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
      continue;
    }
    flushList();
    paragraph.push(line.trim());
  }
  flushParagraph();
  flushList();
  return html.join('\n');
}
