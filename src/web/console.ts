import type { Cause, ClientEvent, Diagnosis, Me, SearchResults, Suggestions } from '../http/api-types.ts';
import { escapeHtml } from '../text/escape-html.ts';
import { type ChatReply, ChatSession } from './chat-session.ts';
import { api, recordView, TOKEN_KEY } from './console-api.ts';
import { copyText } from './console-clipboard.ts';
import { causeVoteHtml, handleVotes, stepVoteHtml } from './console-feedback.ts';
import { routeViews } from './console-views.ts';
import { InsightsView } from './insights-view.ts';
import { renderMarkdown } from './markdown.ts';

/**
 * The agent console at `/`: search, one paste box for anything (text, an error, raw HTTP, a
 * HAR) with a drop zone for .har files, cause cards with evidence and steps, a timeline of a
 * capture's exchanges, votes on causes and steps, and a customer-ready reply to copy. Signing in
 * with a token shows internal articles too, and the Insights view (`#insights`).
 */

const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => document.querySelector(selector) as T;

/** A link to an article that tells the server, when followed, how the reader got there. */
const articleLink = (article: { slug: string; url: string }, via: NonNullable<ClientEvent['via']>): string =>
  `href="${escapeHtml(article.url)}" data-article="${escapeHtml(article.slug)}" data-via="${via}"`;

function status(message: string, error = false): void {
  const element = $('#status');
  element.textContent = message;
  element.classList.toggle('error', error);
}

async function refreshIdentity(): Promise<void> {
  const who = $('#who');
  try {
    const me = await api<Me>('/v1/me');
    who.textContent =
      me.mode === 'local'
        ? 'Local mode: you see internal articles'
        : `Signed in as ${me.subject}: you see internal articles`;
    $('#signout').hidden = me.mode === 'local' || !sessionStorage.getItem(TOKEN_KEY);
  } catch {
    who.textContent = 'Not signed in: public articles only';
    $('#signout').hidden = !sessionStorage.getItem(TOKEN_KEY);
  }
}

let suggestTimer: ReturnType<typeof setTimeout> | undefined;

async function search(query: string): Promise<void> {
  const q = query.trim();
  const results = $('#search-results');
  const list = $('#search-suggestions');
  if (!q) {
    results.innerHTML = list.innerHTML = '';
    return;
  }
  try {
    const [suggest, found] = await Promise.all([
      api<Suggestions>(`/v1/suggest?q=${encodeURIComponent(q)}&limit=5`),
      api<SearchResults>(`/v1/search?q=${encodeURIComponent(q)}&limit=8`),
    ]);
    list.innerHTML = suggest.suggestions
      .map((item) => `<li><a ${articleLink(item, 'search')}>${escapeHtml(item.text)}</a></li>`)
      .join('');
    results.innerHTML = found.hits.length
      ? found.hits
          .map(
            (hit) =>
              `<li><a ${articleLink(hit, 'search')}>${escapeHtml(hit.title)}</a>${hit.visibility === 'internal' ? ' <span class="badge">internal</span>' : ''}<div class="muted">${escapeHtml(hit.snippet)}</div></li>`,
          )
          .join('')
      : '<li class="muted">No articles match.</li>';
  } catch (error) {
    status((error as Error).message, true);
  }
}

/** A capture kept in the page, to draw its timeline; it is never sent anywhere but this server. */
let capture: {
  entries: Array<{ request?: { method?: string; url?: string }; response?: { status?: number } }>;
} | null = null;

function readCapture(text: string): typeof capture {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{') || !/"log"\s*:/.test(trimmed.slice(0, 4096))) return null;
  try {
    const parsed = JSON.parse(text) as { log?: { entries?: unknown } };
    return Array.isArray(parsed.log?.entries) ? (parsed.log as NonNullable<typeof capture>) : null;
  } catch {
    return null;
  }
}

async function diagnose(text: string): Promise<void> {
  if (!text.trim()) {
    status('Paste something first: a symptom, an error response, raw HTTP or a HAR.', true);
    return;
  }
  capture = readCapture(text);
  status('Diagnosing…');
  $('#answer').innerHTML = '';
  try {
    const result = await api<Diagnosis>('/v1/diagnose', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: text,
    });
    renderDiagnosis(result);
    status(result.summary ?? '');
  } catch (error) {
    status((error as Error).message, true);
  }
}

let lastDiagnosis: Diagnosis | null = null;

function renderDiagnosis(result: Diagnosis): void {
  lastDiagnosis = result;
  const cards = result.causes
    .map(
      (cause, index) => `<article class="cause${index === 0 ? ' top' : ''}" aria-labelledby="cause-${index}">
<div class="meta"><span class="confidence" title="confidence">${Math.round(cause.confidence * 100)}%</span> <code>${escapeHtml(cause.id)}</code>${cause.kind === 'lookalike' ? ' <span class="lookalike">not an authentication problem</span>' : ''}</div>
<h3 id="cause-${index}">${escapeHtml(cause.title)}</h3>
<h4>Evidence</h4><ul class="evidence">${cause.evidence.map((item) => `<li>${item.entry !== undefined ? `<button type="button" class="entry" data-entry="${item.entry}">entry ${item.entry}</button> ` : ''}${escapeHtml(item.detail)}</li>`).join('')}</ul>
${causeVoteHtml(cause.id, index)}
<h4>Steps</h4><ol class="steps">${cause.steps.map((step) => `<li><details${index === 0 ? ' open' : ''}><summary>${escapeHtml(step.title)}</summary>${renderMarkdown(step.markdown)}</details>${stepVoteHtml(cause.id, step)}</li>`).join('')}</ol>
<p><a ${articleLink(cause.article, 'diagnosis')} target="_blank">${escapeHtml(cause.article.title)}</a></p>
</article>`,
    )
    .join('');
  const timeline = capture ? renderTimeline(result) : '';
  const related = result.articles.length
    ? `<p class="muted">Further reading: ${result.articles.map((article) => `<a ${articleLink(article, 'diagnosis')}>${escapeHtml(article.title)}</a>`).join(' · ')}</p>`
    : '';
  const reply = result.causes.length
    ? '<p><button type="button" id="copy-reply" class="primary">Copy reply for the customer</button></p><textarea id="reply" aria-label="Reply for the customer" readonly hidden></textarea>'
    : '';
  $('#answer').innerHTML =
    `${result.input.sanitized ? '<p class="note">This capture has no credential headers or cookies at all: it was probably exported sanitized, so a missing Authorization header is not evidence.</p>' : ''}${timeline}${reply}${cards}${related}<div id="finding" aria-live="polite"></div>`;
  $('#copy-reply')?.addEventListener('click', () => void copyReply());
}

function renderTimeline(result: Diagnosis): string {
  const failing = new Set(result.findings.map((finding) => finding.entry));
  const rows = capture!.entries
    .slice(0, 500)
    .map((entry, index) => {
      const statusCode = entry.response?.status ?? 0;
      const url = String(entry.request?.url ?? '').replace(/[?#].*$/, '');
      return `<li class="${failing.has(index) ? 'failing' : ''}">${failing.has(index) ? `<button type="button" class="entry" data-entry="${index}">` : '<span>'}<span class="status-code">${statusCode}</span> ${escapeHtml(String(entry.request?.method ?? ''))} ${escapeHtml(url.slice(0, 120))}${failing.has(index) ? '</button>' : '</span>'}</li>`;
    })
    .join('');
  return `<section class="timeline" aria-label="Capture timeline"><h3>Capture: ${result.input.entries} exchanges, ${result.input.failing} failing</h3><ol start="0">${rows}</ol></section>`;
}

function showFinding(entry: number): void {
  const finding = lastDiagnosis?.findings.find((item) => item.entry === entry);
  if (!finding) return;
  const tokens = finding.tokens
    .map(
      (token) =>
        `<div class="token"><p><strong>${escapeHtml(token.location)}</strong> <code>${escapeHtml(token.redacted)}</code></p>${token.notes.length ? `<ul>${token.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>` : ''}<pre tabindex="0">${escapeHtml(JSON.stringify({ header: token.header, claims: token.claims }, null, 2))}</pre></div>`,
    )
    .join('');
  $('#finding').innerHTML =
    `<section class="finding" aria-label="Entry ${finding.entry}"><h3>Entry ${finding.entry}: ${finding.status ?? ''} ${escapeHtml(finding.method ?? '')} ${escapeHtml(finding.url ?? '')}</h3>
${
  finding.wwwAuthenticate.length
    ? `<p>WWW-Authenticate: <code>${escapeHtml(
        finding.wwwAuthenticate
          .map(
            (item) =>
              `${item.scheme} ${Object.entries(item.params)
                .map(([name, value]) => `${name}="${value}"`)
                .join(', ')}`,
          )
          .join('; '),
      )}</code></p>`
    : ''
}
${finding.context.length ? `<ul>${finding.context.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>` : ''}${tokens}
${finding.bodyExcerpt ? `<pre tabindex="0">${escapeHtml(finding.bodyExcerpt)}</pre>` : ''}</section>`;
  $('#finding').querySelector('h3')?.setAttribute('tabindex', '-1');
  ($('#finding').querySelector('h3') as HTMLElement | null)?.focus();
}

/** A message an agent can send as it is: the cause in plain words and the steps, numbered. */
export function composeReply(cause: Cause, origin: string): string {
  const steps = cause.steps.map((step, index) => `${index + 1}. ${step.title}`).join('\n');
  const verdict =
    cause.kind === 'lookalike'
      ? `This is not a problem with your credentials: the most likely cause is ${cause.title.toLowerCase()}.`
      : `The most likely cause is: ${cause.title.toLowerCase()}.`;
  return `Hello,\n\nThank you for the details. ${verdict}\n\nTo fix it:\n${steps}\n\nThe full guide, with commands you can run: ${origin}${cause.article.url}\n\nIf this does not solve it, reply with the exact error response you get after trying these steps.\n`;
}

async function copyReply(): Promise<void> {
  const cause = lastDiagnosis?.causes[0];
  if (!cause) return;
  const text = composeReply(cause, location.origin);
  const box = $<HTMLTextAreaElement>('#reply');
  box.hidden = false;
  status((await copyText(text, box)) ? 'Reply copied.' : 'Select the reply below and copy it.');
}

const chat = new ChatSession((body) =>
  api<ChatReply>('/v1/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
);

async function converse(text: string): Promise<void> {
  if (!text.trim()) return;
  const log = $('#chat-log');
  log.insertAdjacentHTML('beforeend', `<div class="turn"><span class="said">${escapeHtml(text)}</span></div>`);
  try {
    const reply = await chat.send({ text });
    const steps = reply.steps
      ? `<ol class="steps">${reply.steps.map((step) => `<li><details><summary>${escapeHtml(step.title)}</summary>${renderMarkdown(step.markdown)}</details></li>`).join('')}</ol>`
      : '';
    const quick = reply.question
      ? `<div class="quick" role="group" aria-label="${escapeHtml(reply.question.text)}">${reply.question.options.map((option) => `<button type="button" data-reply="${escapeHtml(option)}">${escapeHtml(option)}</button>`).join('')}</div>`
      : '';
    const ticket = reply.handoff ? `<pre class="ticket" tabindex="0">${escapeHtml(reply.handoff.ticket)}</pre>` : '';
    log.insertAdjacentHTML(
      'beforeend',
      `<div class="turn bot">${renderMarkdown(reply.reply)}${steps}${quick}${ticket}</div>`,
    );
  } catch (error) {
    status((error as Error).message, true);
  }
}

function start(): void {
  const insights = new InsightsView();
  routeViews((view) => {
    if (view === 'insights') insights.show();
  });
  handleVotes($('#answer'), () => lastDiagnosis?.signature?.id, status);
  document.addEventListener('click', (event) => {
    const link = (event.target as HTMLElement).closest<HTMLAnchorElement>('a[data-article]');
    if (link?.dataset.article)
      recordView({ type: 'view', article: link.dataset.article, via: link.dataset.via as ClientEvent['via'] });
  });
  $('#chat-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>('#chat-input');
    void converse(input.value);
    input.value = '';
  });
  $('#chat-log').addEventListener('click', (event) => {
    const reply = (event.target as HTMLElement).closest<HTMLElement>('[data-reply]')?.dataset.reply;
    if (reply) void converse(reply);
  });
  $('#search').addEventListener('input', (event) => {
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(() => void search((event.target as HTMLInputElement).value), 180);
  });
  $('#diagnose-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void diagnose($<HTMLTextAreaElement>('#paste').value);
  });
  const drop = $('#drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) void file.text().then((text) => diagnose(text));
  });
  $<HTMLInputElement>('#file').addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void file.text().then((text) => diagnose(text));
  });
  $('#answer').addEventListener('click', (event) => {
    const entry = (event.target as HTMLElement).closest<HTMLElement>('[data-entry]')?.dataset.entry;
    if (entry !== undefined) showFinding(Number(entry));
  });
  $('#signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $<HTMLInputElement>('#token').value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    $<HTMLInputElement>('#token').value = '';
    void refreshIdentity();
    if (location.hash === '#insights') insights.show(true);
  });
  $('#signout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    void refreshIdentity();
    if (location.hash === '#insights') insights.show(true);
  });
  void refreshIdentity();
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
  else start();
}
