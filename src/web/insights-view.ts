import type { Gap, GapList, InsightsSummary } from '../http/api-types.ts';
import { escapeHtml } from '../text/escape-html.ts';
import { ApiError, api, apiHeaders, TOKEN_KEY } from './console-api.ts';
import { CHART_LIMITS, drawCharts, topSteps } from './insights-charts.ts';
import { duration, keyFigures, percent } from './insights-figures.ts';
import { type GapFilter, GapInbox } from './insights-gap-inbox.ts';

/**
 * The console's Insights view (`/#insights`): key figures and charts for a span of days, links to
 * the CSVs, and the gap inbox. Everything comes from /v1/insights, which only agents may read.
 */

const DEFAULT_SPAN_DAYS = 30;
const DAY_MS = 86_400_000;
/** Height of one bar in a horizontal bar chart, and the room its axis and legend take. */
const BAR_ROW_PX = 40;
const BAR_CHART_FRAME_PX = 70;

const $ = <T extends HTMLElement = HTMLElement>(selector: string): T => document.querySelector(selector) as T;
const isoDay = (time: number): string => new Date(time).toISOString().slice(0, 10);

/** Today and the 29 days before it, in UTC days as the event store counts them. */
export function defaultRange(now = Date.now()): { from: string; to: string } {
  return { from: isoDay(now - (DEFAULT_SPAN_DAYS - 1) * DAY_MS), to: isoDay(now) };
}

function numbersTable(caption: string, headers: string[], rows: Array<Array<string | number>>): string {
  if (rows.length === 0) return '';
  const head = headers.map((header) => `<th scope="col">${escapeHtml(header)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')}</tr>`)
    .join('');
  return `<details><summary>${escapeHtml(caption)}</summary><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></details>`;
}

/** Give a horizontal bar chart room for its rows. */
function fitRows(canvas: HTMLCanvasElement, rows: number): void {
  canvas.parentElement!.style.height = `${Math.max(rows, 2) * BAR_ROW_PX + BAR_CHART_FRAME_PX}px`;
}

export class InsightsView {
  private loaded = false;
  private readonly inbox: GapInbox;
  private summary: InsightsSummary | null = null;
  private gaps: Gap[] = [];

  constructor() {
    const range = defaultRange();
    $<HTMLInputElement>('#insights-from').value = range.from;
    $<HTMLInputElement>('#insights-to').value = range.to;
    this.inbox = new GapInbox(
      $('#gap-list'),
      $<HTMLTextAreaElement>('#gap-copy'),
      () => $<HTMLSelectElement>('#gap-status').value as GapFilter,
      (gaps, message) => {
        this.say(message);
        this.redrawCharts(gaps);
        $('#gaps-heading').focus();
      },
    );
    $('#insights-range').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.load();
    });
    $('#gap-status').addEventListener('change', () => {
      this.updateDownloads();
      this.inbox.render();
    });
    for (const link of [$<HTMLAnchorElement>('#summary-csv'), $<HTMLAnchorElement>('#gaps-csv')])
      link.addEventListener('click', (event) => {
        // A plain link sends no Authorization header: a signed-in agent's download goes through fetch.
        if (!sessionStorage.getItem(TOKEN_KEY)) return;
        event.preventDefault();
        void this.download(link);
      });
    this.updateDownloads();
    // The charts take their colours from the stylesheet, which has one set per colour scheme.
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.redrawCharts());
  }

  /** Show the view; its data loads the first time, and again on `refresh`. */
  show(refresh = false): void {
    if (!this.loaded || refresh) void this.load();
  }

  private range(): { from: string; to: string } {
    return { from: $<HTMLInputElement>('#insights-from').value, to: $<HTMLInputElement>('#insights-to').value };
  }

  private say(message: string, error = false): void {
    const element = $('#insights-status');
    element.textContent = message;
    element.classList.toggle('error', error);
  }

  private updateDownloads(): void {
    const { from, to } = this.range();
    const span = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    $<HTMLAnchorElement>('#summary-csv').href = `/v1/insights/summary?${span}&format=csv`;
    $<HTMLAnchorElement>('#gaps-csv').href =
      `/v1/insights/gaps?${span}&status=${$<HTMLSelectElement>('#gap-status').value}&format=csv`;
  }

  private async download(link: HTMLAnchorElement): Promise<void> {
    try {
      const response = await fetch(link.href, { headers: apiHeaders() });
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'fixpath.csv';
      const url = URL.createObjectURL(await response.blob());
      const save = Object.assign(document.createElement('a'), { href: url, download: name });
      save.click();
      setTimeout(() => URL.revokeObjectURL(url), 1_000);
    } catch (error) {
      this.say(`The download failed: ${(error as Error).message}`, true);
    }
  }

  async load(): Promise<void> {
    const { from, to } = this.range();
    if (!from || !to || from > to) {
      this.say('Choose a first day on or before the last day.', true);
      return;
    }
    this.updateDownloads();
    this.say('Loading insights…');
    $('#insights-body').setAttribute('aria-busy', 'true');
    const span = `from=${from}&to=${to}`;
    try {
      const [summary, gaps] = await Promise.all([
        api<InsightsSummary>(`/v1/insights/summary?${span}`),
        api<GapList>(`/v1/insights/gaps?${span}&status=all`),
      ]);
      this.loaded = true;
      this.summary = summary;
      $('#insights-body').hidden = false;
      this.renderFigures(summary);
      this.renderTables(summary);
      this.inbox.show(gaps.gaps);
      this.redrawCharts(gaps.gaps);
      this.say(`Insights from ${summary.from} to ${summary.to} (UTC).`);
    } catch (error) {
      $('#insights-body').hidden = true;
      const status = error instanceof ApiError ? error.status : 0;
      this.say(
        status === 401 || status === 403
          ? 'Insights are for support agents: sign in with an agent token above.'
          : `Insights could not be loaded: ${(error as Error).message}`,
        true,
      );
    } finally {
      $('#insights-body').removeAttribute('aria-busy');
    }
  }

  private renderFigures(summary: InsightsSummary): void {
    $('#figures').innerHTML = keyFigures(summary)
      .map(
        (figure) =>
          `<div class="figure"><dt>${escapeHtml(figure.label)}</dt><dd data-figure="${figure.id}">${escapeHtml(figure.value)}</dd><dd class="meta">${escapeHtml(figure.detail)}</dd></div>`,
      )
      .join('');
  }

  private renderTables(summary: InsightsSummary): void {
    $('#outcomes-numbers').innerHTML = numbersTable(
      'The numbers per day',
      ['Day', 'Cause named', 'Lookalike', 'Abstained', 'Searches', 'Hand-offs', 'Confirmed', 'Assumed'],
      summary.daily
        .filter((day) => day.cause + day.lookalike + day.abstained + day.searches + day.handoffs > 0)
        .map((day) => [
          day.day,
          day.cause,
          day.lookalike,
          day.abstained,
          day.searches,
          day.handoffs,
          day.confirmed,
          day.assumed,
        ]),
    );
    $('#causes-numbers').innerHTML = numbersTable(
      'Every cause',
      ['Cause', 'Given', 'Confirmed', 'Confirmed share', 'Hand-off rate', 'Median time to fix', 'Votes yes / no'],
      summary.causes.map((cause) => [
        cause.title,
        cause.count,
        cause.confirmed,
        percent(cause.confirmedShare),
        percent(cause.handoffRate),
        duration(cause.medianMinutesToFix),
        `${cause.votes.helpful} / ${cause.votes.notHelpful}`,
      ]),
    );
    $('#steps-numbers').innerHTML = numbersTable(
      `The steps of the top ${CHART_LIMITS.stepCauses} causes`,
      ['Cause', 'Step', 'Fixed it', "Didn't help", 'Success rate'],
      topSteps(summary).map(({ cause, step }) => [
        cause,
        step.title,
        step.fixed,
        step.didNotHelp,
        percent(step.successRate),
      ]),
    );
  }

  private redrawCharts(gaps = this.gaps): void {
    this.gaps = gaps;
    const summary = this.summary;
    if (!summary) return;
    const open = gaps.filter((gap) => gap.status === 'open');
    const canvases = {
      outcomes: $<HTMLCanvasElement>('#chart-outcomes'),
      causes: $<HTMLCanvasElement>('#chart-causes'),
      gaps: $<HTMLCanvasElement>('#chart-gaps'),
      steps: $<HTMLCanvasElement>('#chart-steps'),
    };
    fitRows(canvases.causes, Math.min(summary.causes.length, CHART_LIMITS.causes));
    fitRows(canvases.gaps, Math.min(open.length, CHART_LIMITS.gaps));
    fitRows(canvases.steps, topSteps(summary).length);
    const { diagnoses } = summary;
    canvases.outcomes.setAttribute(
      'aria-label',
      `Outcomes per day: ${diagnoses.cause} causes named, ${diagnoses.lookalike} lookalikes, ${diagnoses.abstained} abstained, ${summary.handoffs} hand-offs, ${summary.resolutions.confirmed} confirmed and ${summary.resolutions.assumed} assumed fixes`,
    );
    canvases.causes.setAttribute(
      'aria-label',
      `Top causes: ${
        summary.causes
          .slice(0, CHART_LIMITS.causes)
          .map((cause) => `${cause.title} ${cause.count}`)
          .join(', ') || 'none yet'
      }`,
    );
    canvases.gaps.setAttribute(
      'aria-label',
      `Top open gaps: ${
        open
          .slice(0, CHART_LIMITS.gaps)
          .map((gap) => `${gap.signature} ${gap.count}`)
          .join(', ') || 'none'
      }`,
    );
    canvases.steps.setAttribute(
      'aria-label',
      `Step success, votes "fixed it" against "didn't help": ${
        topSteps(summary)
          .filter(({ step }) => step.fixed + step.didNotHelp > 0)
          .map(({ step }) => `${step.title} ${step.fixed} to ${step.didNotHelp}`)
          .join(', ') || 'no votes yet'
      }`,
    );
    drawCharts(canvases, summary, open);
  }
}
