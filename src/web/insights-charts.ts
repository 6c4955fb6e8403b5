// Chart.js v4 rather than uPlot: three of the four charts are (horizontal, stacked) bar charts,
// which Chart.js draws natively while uPlot is built for time series; Chart.js is tree-shaken
// here (only the controllers, elements, scales and plugins below are registered, ~half the
// library), has no install scripts, and is actively kept.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { Gap, InsightsSummary } from '../http/api-types.ts';

/** The insights page's four charts, drawn on canvases the page provides; colours come from its CSS. */

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
);

/** How many causes, gaps and causes' steps a chart shows; the tables below them have the rest. */
export const CHART_LIMITS = { causes: 8, gaps: 8, stepCauses: 3 } as const;
/** A bar's label wraps at this many characters, on at most two lines, so the bars keep their room. */
const LABEL_LINE_CHARS = 26;

/** A colour the page's stylesheet names (`--chart-cause`…), so light and dark schemes each have theirs. */
function colour(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim() || '#888';
}

/** Chart.js draws an array label as lines; the tooltip shows the whole text. */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > LABEL_LINE_CHARS) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  const [first = '', second] = lines.map((item) =>
    item.length > LABEL_LINE_CHARS ? `${item.slice(0, LABEL_LINE_CHARS - 1)}…` : item,
  );
  if (second === undefined) return [first];
  return [first, lines.length > 2 && !second.endsWith('…') ? `${second}…` : second];
}

function applyTheme(): void {
  Chart.defaults.color = colour('muted');
  Chart.defaults.borderColor = colour('line');
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.position = 'bottom';
}

const bar = (label: string, data: number[], name: string, stack?: string): ChartDataset<'bar', number[]> => ({
  type: 'bar',
  label,
  data,
  backgroundColor: colour(name),
  ...(stack ? { stack } : {}),
});

const line = (label: string, data: number[], name: string, dashed = false): ChartDataset<'line', number[]> => ({
  type: 'line',
  label,
  data,
  borderColor: colour(name),
  backgroundColor: colour(name),
  borderWidth: 2,
  pointRadius: 2,
  ...(dashed ? { borderDash: [6, 4] } : {}),
});

const countAxis = { beginAtZero: true, ticks: { precision: 0 } } as const;

/** Outcomes per day, stacked (cause, lookalike, abstained), with hand-offs and resolutions as lines. */
function outcomesChart(canvas: HTMLCanvasElement, summary: InsightsSummary): Chart {
  const { daily } = summary;
  return new Chart<'bar' | 'line', number[], string>(canvas, {
    type: 'bar',
    data: {
      labels: daily.map((day) => day.day.slice(5)),
      datasets: [
        bar(
          'Cause named',
          daily.map((day) => day.cause),
          'chart-cause',
          'outcome',
        ),
        bar(
          'Lookalike',
          daily.map((day) => day.lookalike),
          'chart-lookalike',
          'outcome',
        ),
        bar(
          'Abstained',
          daily.map((day) => day.abstained),
          'chart-abstained',
          'outcome',
        ),
        line(
          'Hand-offs',
          daily.map((day) => day.handoffs),
          'chart-handoff',
        ),
        line(
          'Confirmed fixes',
          daily.map((day) => day.confirmed),
          'chart-fixed',
        ),
        line(
          'Assumed fixes',
          daily.map((day) => day.assumed),
          'chart-fixed',
          true,
        ),
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: { x: { stacked: true }, y: { ...countAxis, stacked: true } },
    },
  });
}

/** The causes given most often, with how many of them a customer confirmed fixed. */
function causesChart(canvas: HTMLCanvasElement, summary: InsightsSummary): Chart {
  const causes = summary.causes.slice(0, CHART_LIMITS.causes);
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: causes.map((cause) => wrap(cause.title)),
      datasets: [
        bar(
          'Given',
          causes.map((cause) => cause.count),
          'chart-cause',
        ),
        bar(
          'Confirmed fixed',
          causes.map((cause) => cause.confirmed),
          'chart-fixed',
        ),
      ],
    },
    options: {
      indexAxis: 'y',
      scales: { x: countAxis },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => causes[items[0]?.dataIndex ?? 0]?.title ?? '',
            footer: (items) => {
              const share = causes[items[0]?.dataIndex ?? 0]?.confirmedShare;
              return share === null || share === undefined ? '' : `Confirmed share: ${Math.round(share * 100)}%`;
            },
          },
        },
      },
    },
  });
}

/** The open gaps reported most often. */
function gapsChart(canvas: HTMLCanvasElement, gaps: Gap[]): Chart {
  const top = gaps.slice(0, CHART_LIMITS.gaps);
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: top.map((gap) => wrap(gap.signature)),
      datasets: [
        bar(
          'Reports',
          top.map((gap) => gap.count),
          'chart-abstained',
        ),
      ],
    },
    options: {
      indexAxis: 'y',
      scales: { x: countAxis },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => top[items[0]?.dataIndex ?? 0]?.signature ?? '' } },
      },
    },
  });
}

/** The steps of the most frequent causes, as a row each. */
export function topSteps(
  summary: InsightsSummary,
): Array<{ cause: string; step: InsightsSummary['causes'][number]['steps'][number] }> {
  return summary.causes
    .filter((cause) => cause.steps.length > 0)
    .slice(0, CHART_LIMITS.stepCauses)
    .flatMap((cause) => cause.steps.map((step) => ({ cause: cause.title, step })));
}

/** "This fixed it" against "didn't help", stacked, for each step of the top causes. */
function stepsChart(canvas: HTMLCanvasElement, summary: InsightsSummary): Chart {
  const rows = topSteps(summary);
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((row) => wrap(row.step.title)),
      datasets: [
        bar(
          'Fixed it',
          rows.map((row) => row.step.fixed),
          'chart-fixed',
          'votes',
        ),
        bar(
          "Didn't help",
          rows.map((row) => row.step.didNotHelp),
          'chart-abstained',
          'votes',
        ),
      ],
    },
    options: {
      indexAxis: 'y',
      scales: { x: { ...countAxis, stacked: true }, y: { stacked: true } },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => {
              const row = rows[items[0]?.dataIndex ?? 0];
              return row ? `${row.cause}: ${row.step.title}` : '';
            },
          },
        },
      },
    },
  });
}

export interface ChartCanvases {
  outcomes: HTMLCanvasElement;
  causes: HTMLCanvasElement;
  gaps: HTMLCanvasElement;
  steps: HTMLCanvasElement;
}

/** Draws the charts, replacing any drawn before on the same canvases. */
export function drawCharts(canvases: ChartCanvases, summary: InsightsSummary, gaps: Gap[]): Chart[] {
  for (const canvas of Object.values(canvases)) Chart.getChart(canvas)?.destroy();
  applyTheme();
  return [
    outcomesChart(canvases.outcomes, summary),
    causesChart(canvases.causes, summary),
    gapsChart(canvases.gaps, gaps),
    stepsChart(canvases.steps, summary),
  ];
}
