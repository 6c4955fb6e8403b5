import type { Article } from '../../kb/types.ts';
import { escapeHtml } from '../../text/escape-html.ts';
import { page } from './layout.ts';

/**
 * The agent console: search, one paste box for anything, a drop zone for .har files, and the
 * answer. The console script (/console.js) does the work; without it the article list below
 * still works.
 */
export function renderHomePage(articles: Article[]): string {
  const list = articles
    .map(
      (article) =>
        `<li><a href="/articles/${escapeHtml(article.slug)}">${escapeHtml(article.title)}</a>${article.visibility === 'internal' ? ' <span class="badge">internal</span>' : ''}<br><span class="meta">${escapeHtml(article.summary)}</span></li>`,
    )
    .join('');
  return page(
    'Agent console',
    `<section class="signin" aria-label="Sign in">
  <p id="who" class="meta" aria-live="polite">Checking sign-in…</p>
  <form id="signin-form" class="row"><label for="token">Agent token</label><input id="token" type="password" autocomplete="off" placeholder="Paste your agent token to see internal articles"><button type="submit">Sign in</button><button type="button" id="signout" hidden>Sign out</button></form>
</section>
<h1>What is the customer seeing?</h1>
<form id="diagnose-form" aria-label="Diagnose">
  <label for="paste">Paste anything: a symptom, an error response, raw HTTP, <code>curl -v</code> output, or a HAR</label>
  <textarea id="paste" rows="8" spellcheck="false" placeholder="HTTP/1.1 401 Unauthorized&#10;WWW-Authenticate: Bearer error=&quot;invalid_token&quot;, error_description=&quot;The access token expired&quot;"></textarea>
  <div id="drop" class="drop"><label for="file">…or drop a <code>.har</code> file here, or choose one</label> <input id="file" type="file" accept=".har,.json,application/json"></div>
  <p><button type="submit" class="primary">Diagnose</button></p>
</form>
<p id="status" role="status" aria-live="polite"></p>
<div id="answer"></div>
<h2 id="guided-heading">Guided troubleshooting</h2>
<p class="meta">Not enough to go on? fixpath asks the question that best separates the likely causes; relay it to the customer and enter their answer.</p>
<div id="chat-log" role="log" aria-live="polite" aria-labelledby="guided-heading"></div>
<form id="chat-form" class="row" aria-label="Guided troubleshooting"><label for="chat-input" class="meta">Customer says</label><input id="chat-input" type="search" autocomplete="off" placeholder="e.g. our API calls fail with 401"><button type="submit">Send</button></form>
<h2 id="search-heading">Search the knowledge base</h2>
<label for="search" class="meta">Search as you type</label>
<input id="search" type="search" autocomplete="off" placeholder="e.g. invalid_client after rotating the secret">
<ul id="search-suggestions" class="suggestions" aria-label="Suggestions"></ul>
<ul id="search-results" class="plain" aria-labelledby="search-heading"></ul>
<h2 id="articles">All articles (${articles.length})</h2>
<ul class="plain">${list}</ul>
<script src="/console.js" defer></script>`,
  );
}
