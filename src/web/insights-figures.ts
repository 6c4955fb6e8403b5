import type { InsightsSummary } from '../http/api-types.ts';

/** The key figures of an insights summary, worded for agents; pure, so tests can check the words. */

export interface KeyFigure {
  /** Stable name, for tests and styling: `data-figure`. */
  id: string;
  label: string;
  value: string;
  detail: string;
}

export const percent = (rate: number | null): string => (rate === null ? '—' : `${Math.round(rate * 100)}%`);

export function duration(minutes: number | null): string {
  if (minutes === null) return '—';
  if (minutes < 90) return `${Math.round(minutes)} min`;
  const hours = minutes / 60;
  return hours < 48 ? `${Math.round(hours * 10) / 10} h` : `${Math.round(hours / 24)} d`;
}

/**
 * The summary gives a median time to fix per cause only; across causes, take the median of those
 * medians weighted by how many confirmed fixes each stands for.
 */
export function typicalMinutesToFix(causes: InsightsSummary['causes']): number | null {
  const weighted = causes
    .filter((cause) => cause.medianMinutesToFix !== null && cause.confirmed > 0)
    .map((cause) => [cause.medianMinutesToFix!, cause.confirmed] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = weighted.reduce((sum, [, count]) => sum + count, 0);
  let seen = 0;
  for (const [minutes, count] of weighted) {
    seen += count;
    if (seen * 2 >= total) return minutes;
  }
  return null;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export function keyFigures(summary: InsightsSummary): KeyFigure[] {
  const { diagnoses, searches, resolutions } = summary;
  return [
    {
      id: 'diagnoses',
      label: 'Diagnoses',
      value: String(diagnoses.total),
      detail: `${diagnoses.cause} named a cause · ${diagnoses.lookalike} lookalike · ${diagnoses.abstained} abstained`,
    },
    {
      id: 'abstention-rate',
      label: 'Abstention rate',
      value: percent(ratio(diagnoses.abstained, diagnoses.total)),
      detail: 'Diagnoses where no cause fitted',
    },
    {
      id: 'self-service-ratio',
      label: 'Self-service ratio',
      value: percent(summary.selfServiceRatio),
      detail: `Resolutions per resolution or hand-off (${summary.handoffs} hand-offs)`,
    },
    {
      id: 'no-result-rate',
      label: 'Searches with no result',
      value: percent(searches.noResultRate),
      detail: `${searches.noResult} of ${searches.total} searches · ${percent(searches.noClickRate)} opened no result`,
    },
    {
      id: 'confirmed',
      label: 'Confirmed resolutions',
      value: String(resolutions.confirmed),
      detail: '"Yes, it works now" in a conversation',
    },
    {
      id: 'assumed',
      label: 'Assumed resolutions',
      value: String(resolutions.assumed),
      detail: 'Shown steps, then 30 minutes without asking for a person',
    },
    {
      id: 'time-to-fix',
      label: 'Median time to fix',
      value: duration(typicalMinutesToFix(summary.causes)),
      detail: 'From first diagnosis to confirmed fix',
    },
  ];
}
