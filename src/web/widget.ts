import type { z } from 'zod';
import { sanitizeHar } from '../har/sanitize-har.ts';
import type { ArticleDetail, Cause, SearchResults, Suggestions } from '../http/api-types.ts';
import type { ClientEventRequest, FeedbackRequest } from '../http/schemas.ts';
import { Redactor } from '../redact/redactor.ts';
import { escapeHtml } from '../text/escape-html.ts';
import { type ChatReply, ChatSession } from './chat-session.ts';
import { renderMarkdown } from './markdown.ts';
import { type Strings, stringsFor } from './strings.ts';

/**
 * The help widget: one script tag on a company's site adds a <fixpath-help> element whose
 * shadow DOM keeps the host page's styles out and its own in. Customers search, read articles,
 * describe a problem or attach a HAR (sanitized here, in the browser, before anything leaves).
 */

const STYLE = `
:host { all: initial; position: fixed; z-index: 2147483000; bottom: 16px; right: 16px; --accent: #0b57d0; }
/* The host page can style the <fixpath-help> element itself (even with !important), and
   inherited properties would flow in from it: the wrapper starts from initial values instead. */
.root { all: initial; display: block; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; text-align: left; }
.root * { font-size: inherit; color: inherit; }
.root h2 { font-size: 16px; } .root h3 { font-size: 17px; } .root h4, .root h5, .root h6 { font-size: 15px; } .root .muted { font-size: 13px; color: #57606a; }
.root code, .root pre { font-size: 12.5px; } .root .launcher, .root header, .root header button, .root .primary { color: #fff; } .root .error { color: #a40e26; } .root a, .root .link, .root ul.results button { color: var(--accent); }
:host([data-position="left"]) { right: auto; left: 16px; }
* { box-sizing: border-box; }
button, input, textarea { font: inherit; }
.launcher { background: var(--accent); color: #fff; border: 0; border-radius: 999px; padding: 12px 18px; font-weight: 600; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.launcher:focus-visible, button:focus-visible, a:focus-visible, input:focus-visible, textarea:focus-visible, [role=option]:focus-visible, pre:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
.panel { position: absolute; bottom: 56px; right: 0; width: min(400px, calc(100vw - 32px)); max-height: min(640px, calc(100vh - 96px)); display: flex; flex-direction: column; background: #fff; border: 1px solid #c9d1d9; border-radius: 12px; box-shadow: 0 12px 40px rgba(0,0,0,.25); overflow: hidden; transition: opacity .15s, transform .15s; }
:host([data-position="left"]) .panel { right: auto; left: 0; }
.panel[hidden] { display: none; }
header { display: flex; align-items: center; justify-content: space-between; padding: 10px 14px; background: var(--accent); color: #fff; }
header h2 { font-size: 16px; margin: 0; }
header button { background: transparent; border: 0; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; padding: 2px 8px; }
[role=tablist] { display: flex; border-bottom: 1px solid #d0d7de; }
[role=tab] { flex: 1; background: #fff; border: 0; border-bottom: 3px solid transparent; padding: 10px; cursor: pointer; color: #3d444d; }
[role=tab][aria-selected=true] { border-bottom-color: var(--accent); color: #1b1f24; font-weight: 600; }
.body { padding: 12px 14px; overflow-y: auto; flex: 1; }
input[type=search], textarea { width: 100%; padding: 8px 10px; border: 1px solid #8c959f; border-radius: 6px; color: #1b1f24; background: #fff; }
textarea { min-height: 110px; resize: vertical; }
[role=listbox] { list-style: none; margin: 4px 0 0; padding: 0; border: 1px solid #d0d7de; border-radius: 6px; }
[role=listbox]:empty { display: none; }
[role=option] { padding: 8px 10px; cursor: pointer; }
[role=option][aria-selected=true], [role=option]:hover { background: #e8f0fe; }
ul.results { list-style: none; padding: 0; margin: 10px 0 0; }
ul.results li { border-bottom: 1px solid #eaeef2; padding: 8px 0; }
ul.results button { all: unset; cursor: pointer; color: var(--accent); font-weight: 600; }
ul.results button:focus-visible { outline: 3px solid #ffbf47; }
.muted { color: #57606a; font-size: 13px; }
.primary { background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: 8px 14px; font-weight: 600; cursor: pointer; margin-top: 8px; }
.link { background: none; border: 0; color: var(--accent); cursor: pointer; padding: 0; text-decoration: underline; }
.card { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; margin-top: 12px; }
.card h3 { margin: 2px 0 6px; font-size: 16px; }
.code { position: relative; }
.code pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px; overflow-x: auto; font-size: 12.5px; }
.root .copy { position: absolute; top: 4px; right: 4px; font-size: 12px; background: #fff; border: 1px solid #8c959f; border-radius: 4px; cursor: pointer; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.status { margin-top: 10px; }
.error { color: #a40e26; }
.bubble { border-radius: 10px; padding: 8px 10px; margin: 8px 0; } .bubble.user { background: #e8f0fe; margin-left: 24px; } .bubble.bot { background: #f6f8fa; margin-right: 12px; }
.quick { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 10px; } .quick p { width: 100%; margin: 0; }
.quick button { border: 1px solid var(--accent); color: var(--accent); background: #fff; border-radius: 999px; padding: 4px 10px; cursor: pointer; }
#answer pre { white-space: pre-wrap; font-size: 12px; }
.feedback { margin-top: 12px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.feedback > button { border: 1px solid #8c959f; background: #fff; border-radius: 6px; padding: 4px 10px; cursor: pointer; }
.feedback > button[aria-pressed=true] { background: var(--accent); border-color: var(--accent); font-weight: 600; }
.root .feedback > button[aria-pressed=true] { color: #fff; }
.feedback.step { margin-top: 4px; }
.feedback .thanks:empty { display: none; }
form.reasons { width: 100%; } form.reasons fieldset { border: 0; margin: 0; padding: 0; } form.reasons legend { padding: 0; margin-bottom: 4px; }
form.reasons fieldset label { display: block; margin: 2px 0; } form.reasons textarea { min-height: 60px; margin-top: 4px; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #d0d7de; padding: 3px 6px; }
@media (max-width: 420px) { :host { right: 8px; left: 8px; bottom: 8px; } .panel { width: calc(100vw - 16px); right: 0; left: 0; } }
@media (prefers-reduced-motion: reduce) { .panel { transition: none; } }
`;

/** The channel the event store counts the widget's calls under. */
const CHANNEL = 'widget';
/** Where the visit's session id is kept: the host page's sessionStorage, one tab's visit. */
const SESSION_KEY = 'fixpath-session';
const SESSION_PATTERN = /^[\w-]{8,64}$/;
/** The longest comment the API keeps. */
const COMMENT_MAX = 500;

type Vote = z.input<typeof FeedbackRequest>;
type Reason = NonNullable<Vote['reason']>;
/** What a vote is about: a cause, one of its steps, or an article; with the answer's signature. */
type VotedItem = Pick<Vote, 'cause' | 'step' | 'article' | 'signature'>;
type ViewedVia = NonNullable<z.input<typeof ClientEventRequest>['via']>;

/**
 * A random id for this visit, sent with every call so that the event store can tell one
 * visitor's votes and conversation apart (and a second vote replace the first). Kept in
 * sessionStorage so it survives a page change in the tab; in memory where storage is refused.
 */
function visitSession(): string {
  try {
    const kept = sessionStorage.getItem(SESSION_KEY);
    if (kept && SESSION_PATTERN.test(kept)) return kept;
    const fresh = randomId();
    sessionStorage.setItem(SESSION_KEY, fresh);
    return fresh;
  } catch {
    return randomId();
  }
}

/** 128 random bits as 32 hex digits (crypto.randomUUID is missing on pages served over plain http). */
function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export class FixpathHelp extends HTMLElement {
  private root: ShadowRoot;
  private base = '';
  private strings: Strings = stringsFor('en');
  private active = -1;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private lastQuery = '';
  private readonly session = visitSession();
  /** Votes go one after another, so a replaced vote can never overtake its replacement. */
  private voting: Promise<void> = Promise.resolve();
  private ids = 0;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
  }

  configure(options: { base: string; title?: string; accent?: string; position?: string; language?: string }): void {
    this.base = options.base.replace(/\/$/, '');
    this.strings = stringsFor(options.language);
    if (options.accent && /^#[0-9a-f]{3,8}$|^[a-z]+$/i.test(options.accent))
      this.style.setProperty('--accent', options.accent);
    if (options.position === 'left') this.setAttribute('data-position', 'left');
    this.render(options.title ?? this.strings.title);
  }

  private $(selector: string): HTMLElement {
    return this.root.querySelector(selector) as HTMLElement;
  }

  private render(title: string): void {
    const s = this.strings;
    this.root.innerHTML = `<style>${STYLE}</style><div class="root">
<button class="launcher" type="button" aria-expanded="false" aria-controls="panel">${escapeHtml(title)}</button>
<section class="panel" id="panel" role="dialog" aria-label="${escapeHtml(title)}" hidden>
  <header><h2>${escapeHtml(title)}</h2><button type="button" class="close" aria-label="${escapeHtml(s.close)}">×</button></header>
  <div role="tablist" aria-label="${escapeHtml(title)}">
    <button role="tab" id="tab-search" aria-controls="view-search" aria-selected="true" type="button">${escapeHtml(s.searchTab)}</button>
    <button role="tab" id="tab-describe" aria-controls="view-describe" aria-selected="false" tabindex="-1" type="button">${escapeHtml(s.describeTab)}</button>
  </div>
  <div class="body">
    <div id="view-search" role="tabpanel" aria-labelledby="tab-search">
      <label class="muted" for="q">${escapeHtml(s.search)}</label>
      <input id="q" type="search" autocomplete="off" placeholder="${escapeHtml(s.searchPlaceholder)}" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-controls="suggestions">
      <ul id="suggestions" role="listbox" aria-label="${escapeHtml(s.suggestions)}"></ul>
      <ul class="results" id="results"></ul>
    </div>
    <div id="view-describe" role="tabpanel" aria-labelledby="tab-describe" hidden>
      <div id="answer" role="log" aria-live="polite"></div>
      <form id="describe">
        <label class="muted" for="problem">${escapeHtml(s.describeTab)}</label>
        <textarea id="problem" placeholder="${escapeHtml(s.describePlaceholder)}"></textarea>
        <label class="muted" for="har">${escapeHtml(s.attach)}</label>
        <input id="har" type="file" accept=".har,.json,application/json">
        <p class="muted">${escapeHtml(s.attachHint)}</p>
        <button class="primary" type="submit">${escapeHtml(s.submit)}</button>
      </form>
    </div>
    <div id="view-article" hidden></div>
    <div class="status" id="status" role="status" aria-live="polite"></div>
    <details class="privacy muted"><summary>${escapeHtml(s.privacy)}</summary><p>${escapeHtml(s.privacyText)} <code id="visit-id">${escapeHtml(this.session)}</code></p></details>
  </div>
</section></div>`;
    this.$('.launcher').addEventListener('click', () => (this.$('.panel').hidden ? this.open() : this.close()));
    this.$('.close').addEventListener('click', () => this.close());
    this.root.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Escape' && !this.$('.panel').hidden) this.close();
    });
    for (const tab of this.root.querySelectorAll<HTMLElement>('[role=tab]')) {
      tab.addEventListener('click', () => this.selectTab(tab.id));
      tab.addEventListener('keydown', (event) => {
        if (event.key === 'ArrowRight' || event.key === 'ArrowLeft')
          this.selectTab(tab.id === 'tab-search' ? 'tab-describe' : 'tab-search', true);
      });
    }
    const input = this.$('#q') as HTMLInputElement;
    input.addEventListener('input', () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.search(input.value), 180);
    });
    input.addEventListener('keydown', (event) => this.onSearchKey(event));
    this.$('#describe').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.describe();
    });
    this.root.addEventListener('click', (event) => {
      const target = event.target as HTMLElement;
      if (target.matches('[data-copy]')) {
        const code = target.parentElement?.querySelector('code')?.textContent ?? '';
        void navigator.clipboard?.writeText(code).then(
          () => (target.textContent = this.strings.copied),
          () => undefined,
        );
      }
      const link = target.closest<HTMLElement>('[data-slug]');
      if (link) void this.showArticle(link.dataset.slug!, link.closest('#view-search') ? 'search' : 'chat');
      const quick = target.closest<HTMLElement>('[data-reply]')?.dataset.reply;
      if (quick) void this.describe(quick);
      const choice = target.closest<HTMLElement>('[data-helpful]');
      if (choice) this.choose(choice);
    });
    this.root.addEventListener('submit', (event) => {
      const form = event.target as HTMLFormElement;
      if (!form.matches('form.reasons')) return;
      event.preventDefault();
      this.sendReasons(form);
    });
  }

  open(): void {
    this.$('.panel').hidden = false;
    this.$('.launcher').setAttribute('aria-expanded', 'true');
    (this.$('#q') as HTMLInputElement).focus();
  }

  close(): void {
    this.$('.panel').hidden = true;
    this.$('.launcher').setAttribute('aria-expanded', 'false');
    this.$('.launcher').focus();
  }

  private selectTab(id: string, focus = false): void {
    for (const tab of this.root.querySelectorAll<HTMLElement>('[role=tab]')) {
      const selected = tab.id === id;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      this.$(`#${tab.getAttribute('aria-controls')}`).hidden = !selected;
      if (selected && focus) tab.focus();
    }
    this.$('#view-article').hidden = true;
  }

  private setStatus(message: string, error = false): void {
    const status = this.$('#status');
    status.textContent = message;
    status.className = `status${error ? ' error' : ''}`;
  }

  private async api<T>(path: string, init?: RequestInit): Promise<T> {
    if (!navigator.onLine) throw new Error(this.strings.offline);
    let response: Response;
    try {
      const headers = new Headers(init?.headers);
      // A GET stays a simple request (no CORS preflight for every search typed): its channel goes
      // in the query, and it carries no session, which no count of searches needs.
      const read = (init?.method ?? 'GET') === 'GET';
      if (!read) {
        headers.set('x-fixpath-session', this.session);
        headers.set('x-fixpath-channel', CHANNEL);
      }
      const url = read ? `${path}${path.includes('?') ? '&' : '?'}channel=${CHANNEL}` : path;
      response = await fetch(`${this.base}${url}`, { ...init, headers });
    } catch {
      throw new Error(navigator.onLine ? this.strings.error : this.strings.offline);
    }
    const body = (await response.json().catch(() => ({}))) as T & { detail?: string };
    if (!response.ok) throw new Error(body.detail ?? this.strings.error);
    return body;
  }

  /** Search as you type: suggestions in a listbox, results below. */
  async search(query: string): Promise<void> {
    const q = query.trim();
    this.lastQuery = q;
    const list = this.$('#suggestions');
    const results = this.$('#results');
    const input = this.$('#q');
    if (!q) {
      list.innerHTML = results.innerHTML = '';
      input.setAttribute('aria-expanded', 'false');
      return;
    }
    try {
      const [suggest, found] = await Promise.all([
        this.api<Suggestions>(`/v1/suggest?q=${encodeURIComponent(q)}&limit=5`),
        this.api<SearchResults>(`/v1/search?q=${encodeURIComponent(q)}&limit=6`),
      ]);
      if (q !== this.lastQuery) return;
      this.active = -1;
      list.innerHTML = suggest.suggestions
        .map(
          (item, index) =>
            `<li role="option" id="opt-${index}" aria-selected="false" data-slug="${escapeHtml(item.slug)}">${escapeHtml(item.text)}</li>`,
        )
        .join('');
      input.setAttribute('aria-expanded', String(suggest.suggestions.length > 0));
      results.innerHTML = found.hits
        .map(
          (hit) =>
            `<li><button type="button" data-slug="${escapeHtml(hit.slug)}">${escapeHtml(hit.title)}</button><div class="muted">${escapeHtml(hit.snippet)}</div></li>`,
        )
        .join('');
      this.setStatus(found.hits.length ? '' : this.strings.noResults);
    } catch (error) {
      this.setStatus((error as Error).message, true);
    }
  }

  private onSearchKey(event: KeyboardEvent): void {
    const options = [...this.root.querySelectorAll<HTMLElement>('[role=option]')];
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!options.length) return;
      this.active = (this.active + (event.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length;
      for (const [index, option] of options.entries())
        option.setAttribute('aria-selected', String(index === this.active));
      this.$('#q').setAttribute('aria-activedescendant', options[this.active]!.id);
    } else if (event.key === 'Enter' && this.active >= 0 && options[this.active]) {
      event.preventDefault();
      void this.showArticle(options[this.active]!.dataset.slug!, 'search');
    }
  }

  /** Suggestions for the page the customer is on, from its title. */
  suggest(): Promise<void> {
    this.open();
    const words = document.title.replace(/[|–-].*$/, '').trim();
    (this.$('#q') as HTMLInputElement).value = words;
    return this.search(words);
  }

  /** Open an article; how the reader got there is counted as a view (a click, when it came from search). */
  async showArticle(slug: string, via: ViewedVia = 'link'): Promise<void> {
    this.setStatus(this.strings.loading);
    try {
      const article = await this.api<ArticleDetail>(`/v1/articles/${encodeURIComponent(slug)}`);
      const view = this.$('#view-article');
      for (const panel of this.root.querySelectorAll<HTMLElement>('[role=tabpanel]')) panel.hidden = true;
      view.hidden = false;
      view.innerHTML = `<button type="button" class="link" id="back">← ${escapeHtml(this.strings.back)}</button>
<article aria-labelledby="article-title"><h3 id="article-title" tabindex="-1">${escapeHtml(article.title)}</h3><p class="muted">${escapeHtml(article.summary)}</p>
${article.sections.map((section) => `<h${Math.min(section.level + 2, 6)}>${escapeHtml(section.heading)}</h${Math.min(section.level + 2, 6)}>${renderMarkdown(section.markdown, { linkBase: this.base, copyLabel: this.strings.copy })}`).join('\n')}</article>
${this.voteBlock({ article: article.slug }, { text: this.strings.helpful })}`;
      this.$('#back').addEventListener('click', () => this.selectTab('tab-search', true));
      this.$('#article-title').focus();
      this.setStatus('');
      this.sendView(article.slug, via);
    } catch (error) {
      this.setStatus((error as Error).message, true);
    }
  }

  private sendView(article: string, via: ViewedVia): void {
    this.api('/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ type: 'view', article, via }),
    }).catch(() => undefined);
  }

  private nextId(prefix: string): string {
    this.ids += 1;
    return `${prefix}-${this.ids}`;
  }

  /**
   * A yes/no vote on one item, named by its own text or by an element already on the page. The
   * choice stays pressed; choosing again replaces the vote.
   */
  private voteBlock(item: VotedItem, label: { text: string } | { by: string }, answers?: [string, string]): string {
    const [yes, no] = answers ?? [this.strings.yes, this.strings.no];
    const own = 'text' in label ? this.nextId('vote') : '';
    return `<div class="feedback${item.step ? ' step' : ''}" role="group" aria-labelledby="${'by' in label ? escapeHtml(label.by) : own}" data-vote="${escapeHtml(JSON.stringify(item))}">
${'text' in label ? `<span id="${own}">${escapeHtml(label.text)}</span>` : ''}<button type="button" data-helpful="yes" aria-pressed="false">${escapeHtml(yes)}</button><button type="button" data-helpful="no" aria-pressed="false">${escapeHtml(no)}</button><span class="thanks" role="status"></span></div>`;
  }

  /**
   * A yes is sent at once. A no is sent at once too, then asks why (optional): the answer
   * replaces it. Pressing the pressed "no" again asks again without sending.
   */
  private choose(button: HTMLElement): void {
    const block = button.closest<HTMLElement>('.feedback')!;
    const helpful = button.dataset.helpful === 'yes';
    const form = block.querySelector('form.reasons');
    if (button.getAttribute('aria-pressed') === 'true') {
      if (!helpful && !form) this.askWhy(block);
      return;
    }
    for (const each of block.querySelectorAll('[data-helpful]'))
      each.setAttribute('aria-pressed', String(each === button));
    form?.remove();
    const thanks = block.querySelector('.thanks')!;
    thanks.textContent = '';
    void this.sendVote(block, { helpful }).then((sent) => {
      if (sent && helpful) thanks.textContent = this.strings.thanks;
    });
    if (!helpful) this.askWhy(block);
  }

  private askWhy(block: HTMLElement): void {
    block.querySelector('.thanks')!.insertAdjacentHTML('beforebegin', this.reasonForm());
    block.querySelector<HTMLInputElement>('form.reasons input')!.focus();
  }

  private reasonForm(): string {
    const s = this.strings;
    const reasons: Array<[Reason, string]> = [
      ['wrong-cause', s.reasonWrongCause],
      ['steps-unclear', s.reasonStepsUnclear],
      ['tried-failed', s.reasonTriedFailed],
      ['other', s.reasonOther],
    ];
    const name = this.nextId('reason');
    const comment = this.nextId('comment');
    return `<form class="reasons"><fieldset><legend>${escapeHtml(s.whyNot)}</legend>
${reasons.map(([value, text]) => `<label><input type="radio" name="${name}" value="${value}"> ${escapeHtml(text)}</label>`).join('')}</fieldset>
<label class="muted" for="${comment}">${escapeHtml(s.comment)}</label>
<textarea id="${comment}" maxlength="${COMMENT_MAX}" aria-describedby="${comment}-hint"></textarea>
<p class="muted" id="${comment}-hint">${escapeHtml(s.commentHint)}</p>
<button class="primary" type="submit">${escapeHtml(s.send)}</button></form>`;
  }

  private sendReasons(form: HTMLFormElement): void {
    const block = form.closest<HTMLElement>('.feedback')!;
    const reason = form.querySelector<HTMLInputElement>('input:checked')?.value as Reason | undefined;
    const text = form.querySelector('textarea')!.value.trim().slice(0, COMMENT_MAX);
    // Secrets are removed here, before the words leave the browser (the server removes them again).
    const comment = text ? new Redactor().text(text, 'feedback').slice(0, COMMENT_MAX) : '';
    form.remove();
    block.querySelector<HTMLElement>('[data-helpful="no"]')!.focus();
    void this.sendVote(block, { helpful: false, ...(reason ? { reason } : {}), ...(comment ? { comment } : {}) }).then(
      (sent) => {
        if (sent) block.querySelector('.thanks')!.textContent = this.strings.thanks;
      },
    );
  }

  /** Resolves whether the vote was received; feedback is a courtesy, so a failure never interrupts the customer. */
  private sendVote(block: HTMLElement, choice: Pick<Vote, 'helpful' | 'reason' | 'comment'>): Promise<boolean> {
    const vote: Vote = { ...(JSON.parse(block.dataset.vote!) as VotedItem), ...choice };
    const sent = this.voting.then(() =>
      this.api('/v1/feedback', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(vote),
      }).then(
        () => true,
        () => false,
      ),
    );
    this.voting = sent.then(() => undefined);
    return sent;
  }

  private readonly chat = new ChatSession((body) =>
    this.api<ChatReply>('/v1/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
  );

  /**
   * Describe the problem: a guided conversation. Each turn sends what was said so far; the
   * reply gives the cause's steps, asks one question with quick replies, or hands over to a
   * person. An attached capture is sanitized here, in the browser, before it is sent.
   */
  async describe(quickReply?: string): Promise<void> {
    const s = this.strings;
    const box = this.$('#problem') as HTMLTextAreaElement;
    const text = (quickReply ?? box.value).trim();
    const file = quickReply ? undefined : (this.$('#har') as HTMLInputElement).files?.[0];
    if (!text && !file) return;
    const log = this.$('#answer');
    this.$('#describe').setAttribute('aria-busy', 'true');
    this.setStatus(s.loading);
    try {
      const message: { text?: string; har?: unknown } = { ...(text ? { text } : {}) };
      if (file) {
        const { har, manifest } = sanitizeHar(JSON.parse(await file.text()) as unknown);
        message.har = har;
        if (manifest.removed.length) {
          log.insertAdjacentHTML(
            'beforeend',
            `<details class="card"><summary>${escapeHtml(s.removed)}: ${manifest.total}</summary><ul>${manifest.removed.map((item) => `<li>${escapeHtml(item.name)} (${escapeHtml(item.where)}): ${item.count}</li>`).join('')}</ul></details>`,
          );
        }
        (this.$('#har') as HTMLInputElement).value = '';
      }
      log.insertAdjacentHTML('beforeend', `<p class="bubble user">${escapeHtml(text || file?.name || '')}</p>`);
      box.value = '';
      const reply = await this.chat.send(message);
      log.insertAdjacentHTML('beforeend', this.replyBlock(reply));
      this.setStatus('');
      (log.querySelector('.turn:last-of-type [tabindex="-1"]') as HTMLElement | null)?.focus();
    } catch (error) {
      this.setStatus(error instanceof SyntaxError ? s.error : (error as Error).message, true);
    } finally {
      this.$('#describe').removeAttribute('aria-busy');
    }
  }

  private replyBlock(reply: ChatReply): string {
    const s = this.strings;
    const cause = reply.steps && reply.causes[0] ? { ...reply.causes[0], steps: reply.steps } : null;
    const body = cause
      ? this.causeCard(cause, reply.signature?.id)
      : `<div class="bubble bot" tabindex="-1">${renderMarkdown(reply.reply, { linkBase: this.base, copyLabel: s.copy })}</div>`;
    const options = reply.question
      ? `<div class="quick" role="group" aria-label="${escapeHtml(reply.question.text)}">${cause ? `<p>${escapeHtml(reply.question.text)}</p>` : ''}${reply.question.options.map((option) => `<button type="button" data-reply="${escapeHtml(option)}">${escapeHtml(option)}</button>`).join('')}</div>`
      : '';
    const handoff = reply.handoff ? `<div class="card"><pre>${escapeHtml(reply.handoff.ticket)}</pre></div>` : '';
    return `<div class="turn">${body}${options}${handoff}</div>`;
  }

  private causeCard(cause: Cause, signature: string | undefined): string {
    const s = this.strings;
    const about = { cause: cause.id, ...(signature ? { signature } : {}) };
    const steps = cause.steps.map((step) => {
      const title = this.nextId('step');
      return `<li><strong id="${title}">${escapeHtml(step.title)}</strong>${renderMarkdown(step.markdown, { linkBase: this.base, copyLabel: s.copy })}
${this.voteBlock({ ...about, step: step.id }, { by: title }, [s.stepFixed, s.stepDidNotHelp])}</li>`;
    });
    return `<section class="card" aria-labelledby="cause-title"><p class="muted">${escapeHtml(cause.kind === 'lookalike' ? s.notAuth : s.likelyCause)} · ${Math.round(cause.confidence * 100)}% ${escapeHtml(s.confidence)}</p>
<h3 id="cause-title" tabindex="-1">${escapeHtml(cause.title)}</h3>
${this.voteBlock(about, { text: s.rightCause })}
<h4>${escapeHtml(s.steps)}</h4><ol>${steps.join('')}</ol>
<details><summary>${escapeHtml(s.evidence)}</summary><ul>${cause.evidence.map((item) => `<li>${escapeHtml(item.detail)}</li>`).join('')}</ul></details>
<p><button type="button" class="link" data-slug="${escapeHtml(cause.article.slug)}">${escapeHtml(s.readArticle)}</button></p></section>`;
  }
}

/** Boot from the script tag: <script src=".../widget.js" async data-fixpath="https://kb.example.com"></script>. */
function boot(): void {
  if (!customElements.get('fixpath-help')) customElements.define('fixpath-help', FixpathHelp);
  const script = (document.currentScript ?? document.querySelector('script[data-fixpath]')) as HTMLScriptElement | null;
  const data = script?.dataset ?? {};
  const base = data.fixpath || (script?.src ? new URL(script.src).origin : location.origin);
  const start = (): void => {
    const element = document.createElement('fixpath-help') as FixpathHelp;
    document.body.appendChild(element);
    element.configure({
      base,
      ...(data.title ? { title: data.title } : {}),
      ...(data.accent ? { accent: data.accent } : {}),
      ...(data.position ? { position: data.position } : {}),
      ...(data.lang ? { language: data.lang } : {}),
    });
    (window as unknown as { fixpath: unknown }).fixpath = {
      open: () => element.open(),
      close: () => element.close(),
      search: (query: string) => {
        element.open();
        (element.shadowRoot!.querySelector('#q') as HTMLInputElement).value = query;
        return element.search(query);
      },
      suggest: () => element.suggest(),
    };
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}

boot();
