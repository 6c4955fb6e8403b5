import type { Gap, GapDraft, GapIgnored } from '../http/api-types.ts';
import { escapeHtml } from '../text/escape-html.ts';
import { api, postJson } from './console-api.ts';
import { copyText } from './console-clipboard.ts';

/**
 * The gap inbox: each error signature fixpath could not settle, with what a writer needs to
 * decide (how often, rising or not, from where, why, the nearest cause) and three actions:
 * ignore it for good, copy a drafted article, or copy the frontmatter that attaches it to the
 * nearest cause.
 */

export type GapFilter = Gap['status'] | 'all';

const SOURCE_WORDS: Record<keyof Gap['sources'], string> = {
  abstained: 'no cause fitted',
  'wrong-cause': 'voted wrong cause',
  'step-failed': "a step didn't help",
  handoff: 'handed off to a person',
};
const TREND_WORDS: Record<Gap['trend'], string> = {
  new: 'New this week',
  rising: 'Rising',
  falling: 'Falling',
  steady: 'Steady',
};

const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const counts = (entries: Array<[string, number]>): string =>
  entries
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${escapeHtml(name)} ${count}`)
    .join(' · ') || '—';

function statusLine(gap: Gap): string {
  if (gap.status === 'ignored') return '<p class="meta"><strong>Ignored</strong>: it stays out of the open inbox.</p>';
  if (gap.status === 'settled' && gap.settledAt)
    return `<p class="meta"><strong>Settled</strong>: fixpath names a cause for it since ${when(gap.settledAt)}.</p>`;
  return '';
}

function gapHtml(gap: Gap): string {
  const sources = (Object.keys(SOURCE_WORDS) as Array<keyof Gap['sources']>).map((source): [string, number] => [
    SOURCE_WORDS[source],
    gap.sources[source],
  ]);
  const nearest = gap.nearestCause
    ? `${escapeHtml(gap.nearestCause.title)} (<code>${escapeHtml(gap.nearestCause.id)}</code>)`
    : 'None came near';
  const ignore =
    gap.status === 'ignored'
      ? '<button type="button" data-action="restore">Stop ignoring</button>'
      : '<button type="button" data-action="ignore">Ignore</button>';
  return `<li class="gap" data-gap="${escapeHtml(gap.id)}">
<h3><code>${escapeHtml(gap.signature)}</code></h3>
${statusLine(gap)}<dl class="gap-facts">
<div><dt>Reports</dt><dd data-fact="count">${gap.count}</dd></div>
<div><dt>Trend</dt><dd>${TREND_WORDS[gap.trend]}</dd></div>
<div><dt>First seen</dt><dd>${when(gap.firstSeen)}</dd></div>
<div><dt>Last seen</dt><dd>${when(gap.lastSeen)}</dd></div>
<div><dt>Channels</dt><dd>${counts(Object.entries(gap.channels))}</dd></div>
<div><dt>Why it is here</dt><dd>${counts(sources)}</dd></div>
<div><dt>Nearest cause</dt><dd>${nearest}</dd></div>
</dl>
<div class="row gap-actions"><button type="button" data-action="draft">Copy draft</button>${gap.nearestCause ? '<button type="button" data-action="attach">Copy frontmatter change</button>' : ''}${ignore}</div>
<p class="gap-note" role="status"></p>
</li>`;
}

export class GapInbox {
  private gaps: Gap[] = [];
  private readonly drafts = new Map<string, Promise<GapDraft>>();

  constructor(
    private readonly list: HTMLElement,
    private readonly copyBox: HTMLTextAreaElement,
    private readonly filter: () => GapFilter,
    private readonly onChange: (gaps: Gap[], message: string) => void,
  ) {
    list.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('[data-action]');
      const card = button?.closest<HTMLElement>('[data-gap]');
      if (button && card) void this.act(button.dataset.action!, card);
    });
  }

  /** Every gap of the span, whatever its status; the filter picks which are listed. */
  show(gaps: Gap[]): void {
    this.gaps = gaps;
    this.drafts.clear();
    this.render();
  }

  render(): void {
    const filter = this.filter();
    const shown = this.gaps.filter((gap) => filter === 'all' || gap.status === filter);
    this.list.innerHTML = shown.length
      ? shown.map(gapHtml).join('')
      : `<li class="meta">No ${filter === 'all' ? '' : `${filter} `}gaps in these days.</li>`;
  }

  private draftOf(id: string): Promise<GapDraft> {
    let draft = this.drafts.get(id);
    if (!draft) {
      draft = api<GapDraft>(`/v1/insights/gaps/${encodeURIComponent(id)}/draft`);
      draft.catch(() => this.drafts.delete(id));
      this.drafts.set(id, draft);
    }
    return draft;
  }

  private async act(action: string, card: HTMLElement): Promise<void> {
    const id = card.dataset.gap!;
    const note = card.querySelector<HTMLElement>('.gap-note')!;
    const say = (html: string, error = false): void => {
      note.innerHTML = html;
      note.classList.toggle('error', error);
    };
    try {
      if (action === 'ignore' || action === 'restore') {
        const result = await postJson<GapIgnored>(`/v1/insights/gaps/${encodeURIComponent(id)}/ignore`, {
          ignored: action === 'ignore',
        });
        this.gaps = this.gaps.map((gap) => (gap.id === id ? { ...gap, status: result.status } : gap));
        this.render();
        this.onChange(
          this.gaps,
          result.status === 'ignored'
            ? 'Gap ignored: it stays out of the open inbox. Show ignored gaps to take it back.'
            : `Gap no longer ignored: it is ${result.status} again.`,
        );
        return;
      }
      const draft = await this.draftOf(id);
      if (action === 'draft') {
        const copied = await copyText(draft.markdown, this.copyBox);
        say(
          `${copied ? 'Draft copied' : 'Copy the draft from the box below'}: save it as <code data-filename>${escapeHtml(draft.filename)}</code>, then name the cause and write its steps.`,
        );
      } else if (draft.attach) {
        const copied = await copyText(draft.attach.yaml, this.copyBox);
        say(
          `${copied ? 'Frontmatter change copied' : 'Copy the change from the box below'}: add it to cause <code>${escapeHtml(draft.attach.cause)}</code> in <code data-filename>${escapeHtml(draft.attach.filename)}</code>.`,
        );
      } else {
        card.querySelector('[data-action="attach"]')?.remove();
        say('No existing cause is near enough to attach this to: copy the draft instead.');
      }
    } catch (error) {
      say(escapeHtml((error as Error).message), true);
    }
  }
}
