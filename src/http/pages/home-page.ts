import type { Article } from '../../kb/types.ts';
import { escapeHtml } from '../../text/escape-html.ts';
import { page } from './layout.ts';

/**
 * The agent console: search, one paste box for anything, a drop zone for .har files, and the
 * answer; and, at `#insights`, the insights charts and the gap inbox. The console script
 * (/console.js) does the work; without it the article list below still works.
 */

/** The console's own styles, the charts' colours among them (one set per colour scheme). */
const CONSOLE_STYLE = `
:root { --chart-cause: #0b57d0; --chart-lookalike: #b26b00; --chart-abstained: #c2185b; --chart-handoff: #6f42c1; --chart-fixed: #1a7f37; }
@media (prefers-color-scheme: dark) { :root { --chart-cause: #6ea8fe; --chart-lookalike: #f0b429; --chart-abstained: #ff7eb6; --chart-handoff: #c297ff; --chart-fixed: #56d364; } }
main:has(#view-insights:not([hidden])) { max-width: 72rem; }
nav.views { display: flex; gap: .25rem; border-bottom: 1px solid var(--line); margin: 1rem 0; }
nav.views a { padding: .4rem .9rem; text-decoration: none; color: var(--muted); border-bottom: 3px solid transparent; }
nav.views a[aria-current=page] { color: var(--fg); border-bottom-color: var(--accent); font-weight: 600; }
select, input[type=date] { font: inherit; padding: .35rem .5rem; border: 1px solid var(--muted); border-radius: 6px; background: var(--bg); color: var(--fg); }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .75rem; margin: 1rem 0; }
.figure { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem; }
.figure dt { font-size: .85rem; color: var(--muted); } .figure dd { margin: 0; } .figure dd[data-figure] { font-size: 1.6rem; font-weight: 700; }
.chart { position: relative; height: 18rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 2rem; }
details table { font-size: .85rem; }
ul.gaps li.gap { border: 1px solid var(--line); border-radius: 8px; padding: .6rem 1rem; margin: .8rem 0; }
.gap h3 { margin: .2rem 0 .4rem; font-size: 1rem; overflow-wrap: anywhere; }
.gap-facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .3rem 1rem; margin: .4rem 0; }
.gap-facts dt { font-size: .8rem; color: var(--muted); } .gap-facts dd { margin: 0; }
.gap-actions button, .vote [data-vote] { border: 1px solid var(--muted); background: var(--bg); color: var(--fg); border-radius: 6px; padding: .2rem .7rem; }
.vote button[aria-pressed=true] { background: var(--accent); color: var(--on-accent); border-color: var(--accent); }
.vote { margin: .6rem 0 0; } .vote-buttons { display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; }
.step-vote { display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; margin: .2rem 0 .6rem; font-size: .85rem; }
.vote-reason fieldset { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; } .vote-reason fieldset label { margin-right: 1rem; white-space: nowrap; }
.vote-note { margin: .3rem 0 0; }
#gap-copy { min-height: 10rem; }
`;

/** Filled by the console script from /v1/insights; hidden until the address is `#insights`. */
const INSIGHTS_VIEW = `<div id="view-insights" hidden>
<h1 id="insights-heading" tabindex="-1">Insights</h1>
<p class="meta">What happened in the days you choose: how often fixpath named a cause, what fixed it, and what it could not settle. Counts only: nothing anyone typed.</p>
<form id="insights-range" class="row" aria-label="Days to show"><label for="insights-from">From</label><input id="insights-from" type="date" required><label for="insights-to">to</label><input id="insights-to" type="date" required><button type="submit" class="primary">Show</button></form>
<p>Download as CSV: <a id="summary-csv" href="/v1/insights/summary?format=csv" download>summary</a> · <a id="gaps-csv" href="/v1/insights/gaps?format=csv" download>gaps</a></p>
<p id="insights-status" role="status" aria-live="polite"></p>
<div id="insights-body" hidden>
<h2>Key figures</h2>
<dl id="figures" class="figures"></dl>
<h2>Outcomes per day</h2>
<div class="chart"><canvas id="chart-outcomes" role="img" aria-label="Outcomes per day"></canvas></div>
<div id="outcomes-numbers"></div>
<div class="charts">
<section aria-labelledby="causes-heading"><h2 id="causes-heading">Top causes</h2><div class="chart"><canvas id="chart-causes" role="img" aria-label="Top causes"></canvas></div><div id="causes-numbers"></div></section>
<section aria-labelledby="steps-heading"><h2 id="steps-heading">Step success</h2><div class="chart"><canvas id="chart-steps" role="img" aria-label="Step success"></canvas></div><div id="steps-numbers"></div></section>
<section aria-labelledby="top-gaps-heading"><h2 id="top-gaps-heading">Top gaps</h2><div class="chart"><canvas id="chart-gaps" role="img" aria-label="Top open gaps"></canvas></div></section>
</div>
<h2 id="gaps-heading" tabindex="-1">Gap inbox</h2>
<p class="meta">Errors fixpath could not settle, one per error signature: draft an article for the ones that matter, ignore the rest.</p>
<p class="row"><label for="gap-status">Gaps to list</label><select id="gap-status"><option value="open" selected>Open</option><option value="ignored">Ignored</option><option value="settled">Settled</option><option value="all">All</option></select></p>
<ul id="gap-list" class="plain gaps" aria-labelledby="gaps-heading"></ul>
<textarea id="gap-copy" aria-label="Copied text" rows="8" readonly hidden></textarea>
</div>
</div>`;

export function renderHomePage(articles: Article[]): string {
  const list = articles
    .map(
      (article) =>
        `<li><a href="/articles/${escapeHtml(article.slug)}">${escapeHtml(article.title)}</a>${article.visibility === 'internal' ? ' <span class="badge">internal</span>' : ''}<br><span class="meta">${escapeHtml(article.summary)}</span></li>`,
    )
    .join('');
  return page(
    'Agent console',
    `<style>${CONSOLE_STYLE}</style>
<section class="signin" aria-label="Sign in">
  <p id="who" class="meta" aria-live="polite">Checking sign-in…</p>
  <form id="signin-form" class="row"><label for="token">Agent token</label><input id="token" type="password" autocomplete="off" placeholder="Paste your agent token to see internal articles"><button type="submit">Sign in</button><button type="button" id="signout" hidden>Sign out</button></form>
</section>
<nav class="views" aria-label="Console views"><a href="#diagnose" data-view="diagnose" aria-current="page">Diagnose</a><a href="#insights" data-view="insights">Insights</a></nav>
<div id="view-diagnose">
<h1 tabindex="-1">What is the customer seeing?</h1>
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
</div>
${INSIGHTS_VIEW}
<script src="/console.js" defer></script>`,
  );
}
