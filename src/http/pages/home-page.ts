import type { Article } from '../../kb/types.ts';
import { escapeHtml, page } from './layout.ts';

/** The landing page: what fixpath is, how to ask it, and the articles it serves. */
export function renderHomePage(articles: Article[]): string {
  const list = articles
    .map((article) => `<li><a href="/articles/${escapeHtml(article.slug)}">${escapeHtml(article.title)}</a>${article.visibility === 'internal' ? ' <span class="tag badge-internal">internal</span>' : ''}<br><span class="meta">${escapeHtml(article.summary)}</span></li>`)
    .join('');
  return page(
    'Troubleshooting',
    `<h1>fixpath</h1>
<p>Describe a symptom, paste an error response or a raw HTTP exchange, and fixpath names the root cause, shows the evidence, and returns the steps that fix it.</p>
<pre><code>curl -s http://127.0.0.1:8787/v1/diagnose -H 'content-type: text/plain' \\
  --data-binary 'HTTP/1.1 401 Unauthorized
WWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"'</code></pre>
<p>See the <a href="/docs">API reference</a>.</p>
<h2 id="articles">Articles (${articles.length})</h2>
<ul class="plain">${list}</ul>`,
  );
}
