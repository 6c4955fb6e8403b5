import type { Article } from '../../kb/types.ts';
import { escapeHtml } from '../../text/escape-html.ts';
import { renderArticleMarkdown } from './article-markdown.ts';
import { page } from './layout.ts';

/**
 * An article as a page: every section keeps its anchor id, so a support agent can send a link
 * straight to one resolution step (`/articles/expired-access-token#refresh-token`).
 */
export function renderArticlePage(article: Article, related: Article[]): string {
  const sections = article.sections
    .map((section) => {
      const tag = `h${Math.min(section.level, 6)}`;
      const id = escapeHtml(section.id);
      return `<section><${tag} id="${id}">${escapeHtml(section.heading)}<a class="anchor" href="#${id}" aria-label="Link to this section">#</a></${tag}>
${renderArticleMarkdown(section.markdown)}</section>`;
    })
    .join('\n');
  const tags = article.tags.map((tag) => `<span class="tag">${escapeHtml(tag)}</span>`).join('');
  const internal =
    article.visibility === 'internal' ? '<span class="tag badge-internal">internal: agents only</span>' : '';
  const causes =
    article.causes.length > 0
      ? `<div class="causes"><strong>Root causes covered</strong><ul>${article.causes
          .map(
            (cause) =>
              `<li><code>${escapeHtml(cause.id)}</code> ${escapeHtml(cause.title)}${cause.stepIds[0] ? ` — <a href="#${escapeHtml(cause.stepIds[0])}">steps</a>` : ''}</li>`,
          )
          .join('')}</ul></div>`
      : '';
  const relatedList =
    related.length > 0
      ? `<h2 id="related">Related articles</h2><ul>${related.map((other) => `<li><a href="/articles/${escapeHtml(other.slug)}">${escapeHtml(other.title)}</a></li>`).join('')}</ul>`
      : '';
  return page(
    article.title,
    `<article>
<h1>${escapeHtml(article.title)}</h1>
<p class="meta">${escapeHtml(article.summary)}</p>
<p class="meta">${internal}${tags}${article.updated ? ` · updated ${escapeHtml(article.updated)}` : ''}</p>
${causes}
${sections}
${relatedList}
</article>`,
  );
}
