import { sanitizeHar } from '../har/sanitize-har.ts';
import type { ArticleDetail, Cause, SearchResults, Suggestions } from '../http/api-types.ts';
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
.feedback button { border: 1px solid #8c959f; background: #fff; border-radius: 6px; padding: 4px 10px; cursor: pointer; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #d0d7de; padding: 3px 6px; }
@media (max-width: 420px) { :host { right: 8px; left: 8px; bottom: 8px; } .panel { width: calc(100vw - 16px); right: 0; left: 0; } }
@media (prefers-reduced-motion: reduce) { .panel { transition: none; } }
`;

export class FixpathHelp extends HTMLElement {
  private root: ShadowRoot;
  private base = '';
  private strings: Strings = stringsFor('en');
  private active = -1;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private lastQuery = '';

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
      const slug = target.closest<HTMLElement>('[data-slug]')?.dataset.slug;
      if (slug) void this.showArticle(slug);
      const quick = target.closest<HTMLElement>('[data-reply]')?.dataset.reply;
      if (quick) void this.describe(quick);
      const helpful = target.closest<HTMLElement>('[data-helpful]')?.dataset.helpful;
      if (helpful)
        void this.feedback(helpful === 'yes', target.closest<HTMLElement>('[data-about]')?.dataset.about ?? '');
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
      response = await fetch(`${this.base}${path}`, init);
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
      void this.showArticle(options[this.active]!.dataset.slug!);
    }
  }

  /** Suggestions for the page the customer is on, from its title. */
  suggest(): Promise<void> {
    this.open();
    const words = document.title.replace(/[|–-].*$/, '').trim();
    (this.$('#q') as HTMLInputElement).value = words;
    return this.search(words);
  }

  async showArticle(slug: string): Promise<void> {
    this.setStatus(this.strings.loading);
    try {
      const article = await this.api<ArticleDetail>(`/v1/articles/${encodeURIComponent(slug)}`);
      const view = this.$('#view-article');
      for (const panel of this.root.querySelectorAll<HTMLElement>('[role=tabpanel]')) panel.hidden = true;
      view.hidden = false;
      view.innerHTML = `<button type="button" class="link" id="back">← ${escapeHtml(this.strings.back)}</button>
<article aria-labelledby="article-title"><h3 id="article-title" tabindex="-1">${escapeHtml(article.title)}</h3><p class="muted">${escapeHtml(article.summary)}</p>
${article.sections.map((section) => `<h${Math.min(section.level + 2, 6)}>${escapeHtml(section.heading)}</h${Math.min(section.level + 2, 6)}>${renderMarkdown(section.markdown, { linkBase: this.base, copyLabel: this.strings.copy })}`).join('\n')}</article>
${this.feedbackBlock(`article:${article.slug}`)}`;
      this.$('#back').addEventListener('click', () => this.selectTab('tab-search', true));
      this.$('#article-title').focus();
      this.setStatus('');
    } catch (error) {
      this.setStatus((error as Error).message, true);
    }
  }

  private feedbackBlock(about: string): string {
    const s = this.strings;
    return `<div class="feedback" data-about="${escapeHtml(about)}" role="group" aria-label="${escapeHtml(s.helpful)}"><span>${escapeHtml(s.helpful)}</span><button type="button" data-helpful="yes">${escapeHtml(s.yes)}</button><button type="button" data-helpful="no">${escapeHtml(s.no)}</button></div>`;
  }

  private async feedback(helpful: boolean, about: string): Promise<void> {
    const [kind, id] = about.split(':');
    try {
      await this.api('/v1/feedback', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ helpful, ...(kind === 'article' ? { article: id } : { cause: id }) }),
      });
    } catch {
      // Feedback is a courtesy: never interrupt the customer for it.
    }
    const block = this.root.querySelector(`[data-about="${CSS.escape(about)}"]`);
    if (block) block.textContent = this.strings.thanks;
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
      ? this.causeCard(cause)
      : `<div class="bubble bot" tabindex="-1">${renderMarkdown(reply.reply, { linkBase: this.base, copyLabel: s.copy })}</div>`;
    const options = reply.question
      ? `<div class="quick" role="group" aria-label="${escapeHtml(reply.question.text)}">${cause ? `<p>${escapeHtml(reply.question.text)}</p>` : ''}${reply.question.options.map((option) => `<button type="button" data-reply="${escapeHtml(option)}">${escapeHtml(option)}</button>`).join('')}</div>`
      : '';
    const handoff = reply.handoff ? `<div class="card"><pre>${escapeHtml(reply.handoff.ticket)}</pre></div>` : '';
    return `<div class="turn">${body}${options}${handoff}</div>`;
  }

  private causeCard(cause: Cause): string {
    const s = this.strings;
    return `<section class="card" aria-labelledby="cause-title"><p class="muted">${escapeHtml(cause.kind === 'lookalike' ? s.notAuth : s.likelyCause)} · ${Math.round(cause.confidence * 100)}% ${escapeHtml(s.confidence)}</p>
<h3 id="cause-title" tabindex="-1">${escapeHtml(cause.title)}</h3>
<h4>${escapeHtml(s.steps)}</h4><ol>${cause.steps.map((step) => `<li><strong>${escapeHtml(step.title)}</strong>${renderMarkdown(step.markdown, { linkBase: this.base, copyLabel: s.copy })}</li>`).join('')}</ol>
<details><summary>${escapeHtml(s.evidence)}</summary><ul>${cause.evidence.map((item) => `<li>${escapeHtml(item.detail)}</li>`).join('')}</ul></details>
<p><button type="button" class="link" data-slug="${escapeHtml(cause.article.slug)}">${escapeHtml(s.readArticle)}</button></p>
${this.feedbackBlock(`cause:${cause.id}`)}</section>`;
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
