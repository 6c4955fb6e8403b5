import type { KnowledgeBase } from '../kb/knowledge-base.ts';
import type { CountRow, EventStore } from './event-store.ts';
import { isoDay, MINUTES_PER_DAY, minuteOf } from './events.ts';

/** A span of whole UTC days, both ends included. */
export interface DayRange {
  from: number;
  to: number;
}

export interface CauseInsight {
  id: string;
  title: string;
  kind: string;
  count: number;
  confirmed: number;
  /** Confirmed resolutions per time the cause was given. */
  confirmedShare: number | null;
  handoffs: number;
  handoffRate: number | null;
  /** Median minutes from a session's first diagnosis to its confirmed fix: exact under 10, then to 5, 15 and 60 minutes. */
  medianMinutesToFix: number | null;
  votes: { helpful: number; notHelpful: number };
  steps: Array<{ id: string; title: string; fixed: number; didNotHelp: number; successRate: number | null }>;
}

export interface InsightsSummary {
  from: string;
  to: string;
  diagnoses: { total: number; cause: number; lookalike: number; abstained: number };
  chat: { turns: number; conversations: number };
  searches: { total: number; noResult: number; noResultRate: number | null; noClickRate: number | null };
  views: number;
  handoffs: number;
  resolutions: { confirmed: number; assumed: number };
  /** Resolutions (confirmed and assumed) per conversation that ended in a resolution or a hand-off. */
  selfServiceRatio: number | null;
  feedback: { helpful: number; notHelpful: number; reasons: Record<string, number> };
  channels: Record<string, number>;
  daily: Array<{
    day: string;
    cause: number;
    lookalike: number;
    abstained: number;
    searches: number;
    handoffs: number;
    confirmed: number;
    assumed: number;
  }>;
  causes: CauseInsight[];
}

/** Every metric the summary reads (the gap inbox reads `gap`). */
const SUMMARY_METRICS = [
  'event',
  'outcome',
  'channel',
  'search-none',
  'view-from',
  'cause',
  'confirmed',
  'handoff',
  'fix-minutes',
  'conversations',
  'assumed',
  'vote-cause',
  'vote-step',
  'vote-article',
  'reason',
];

const ratio = (part: number, whole: number): number | null =>
  whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null;

/** Sum of one metric's counts by key. */
function byKey(rows: CountRow[], metric: string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const row of rows) if (row.metric === metric) sums.set(row.key, (sums.get(row.key) ?? 0) + row.count);
  return sums;
}
const total = (sums: Map<string, number>): number => [...sums.values()].reduce((sum, n) => sum + n, 0);

export async function insightsSummary(store: EventStore, kb: KnowledgeBase, range: DayRange): Promise<InsightsSummary> {
  const [rows = [], perDay = []] = await store.counts(range.from, range.to, [
    { metrics: SUMMARY_METRICS, perDay: false },
    { metrics: ['outcome', 'event', 'handoff', 'confirmed', 'assumed'], perDay: true },
  ]);
  const events = byKey(rows, 'event');
  const outcomes = byKey(rows, 'outcome');
  const confirmed = byKey(rows, 'confirmed');
  const assumed = byKey(rows, 'assumed');
  const handoffs = byKey(rows, 'handoff');
  const searches = events.get('search') ?? 0;
  const noResult = total(byKey(rows, 'search-none'));
  const viewsFromSearch = byKey(rows, 'view-from').get('search') ?? 0;
  const resolved = total(confirmed) + total(assumed);

  const votes = {
    cause: byKey(rows, 'vote-cause'),
    step: byKey(rows, 'vote-step'),
    article: byKey(rows, 'vote-article'),
  };
  let helpful = 0;
  let notHelpful = 0;
  for (const sums of Object.values(votes))
    for (const [key, count] of sums) {
      if (key.endsWith('|1')) helpful += count;
      else notHelpful += count;
    }

  const fixMinutes = new Map<string, Array<[number, number]>>();
  for (const [key, count] of byKey(rows, 'fix-minutes')) {
    const split = key.lastIndexOf('|');
    const cause = key.slice(0, split);
    const histogram = fixMinutes.get(cause) ?? [];
    histogram.push([Number(key.slice(split + 1)), count]);
    fixMinutes.set(cause, histogram);
  }

  const given = byKey(rows, 'cause');
  const causeIds = new Set([...given.keys(), ...confirmed.keys(), ...handoffs.keys()].filter(Boolean));
  const causes: CauseInsight[] = [...causeIds]
    .map((id) => {
      const cause = kb.byCauseId.get(id);
      const article = cause ? kb.bySlug.get(cause.articleSlug) : undefined;
      const count = given.get(id) ?? 0;
      const fixed = confirmed.get(id) ?? 0;
      const handedOff = handoffs.get(id) ?? 0;
      return {
        id,
        title: cause?.title ?? '(no longer in the knowledge base)',
        kind: cause?.kind ?? 'unknown',
        count,
        confirmed: fixed,
        confirmedShare: ratio(fixed, count),
        handoffs: handedOff,
        handoffRate: ratio(handedOff, count),
        medianMinutesToFix: median(fixMinutes.get(id) ?? []),
        votes: { helpful: votes.cause.get(`${id}|1`) ?? 0, notHelpful: votes.cause.get(`${id}|0`) ?? 0 },
        steps: (cause?.stepIds ?? []).map((stepId) => {
          const yes = votes.step.get(`${id}#${stepId}|1`) ?? 0;
          const no = votes.step.get(`${id}#${stepId}|0`) ?? 0;
          return {
            id: stepId,
            title: article?.steps.find((step) => step.id === stepId)?.title ?? stepId,
            fixed: yes,
            didNotHelp: no,
            successRate: ratio(yes, yes + no),
          };
        }),
      };
    })
    .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));

  const daily = new Map<number, InsightsSummary['daily'][number]>();
  for (let day = range.from; day <= range.to; day += 1)
    daily.set(day, {
      day: isoDay(day),
      cause: 0,
      lookalike: 0,
      abstained: 0,
      searches: 0,
      handoffs: 0,
      confirmed: 0,
      assumed: 0,
    });
  for (const row of perDay) {
    const entry = daily.get(row.day);
    if (!entry) continue;
    if (row.metric === 'outcome' && (row.key === 'cause' || row.key === 'lookalike' || row.key === 'abstained'))
      entry[row.key] += row.count;
    else if (row.metric === 'event' && row.key === 'search') entry.searches += row.count;
    else if (row.metric === 'handoff') entry.handoffs += row.count;
    else if (row.metric === 'confirmed') entry.confirmed += row.count;
    else if (row.metric === 'assumed') entry.assumed += row.count;
  }

  return {
    from: isoDay(range.from),
    to: isoDay(range.to),
    diagnoses: {
      total: events.get('diagnose') ?? 0,
      cause: outcomes.get('cause') ?? 0,
      lookalike: outcomes.get('lookalike') ?? 0,
      abstained: outcomes.get('abstained') ?? 0,
    },
    chat: { turns: events.get('chat') ?? 0, conversations: total(byKey(rows, 'conversations')) },
    searches: {
      total: searches,
      noResult,
      noResultRate: ratio(noResult, searches),
      noClickRate:
        searches - noResult > 0 ? ratio(Math.max(0, searches - noResult - viewsFromSearch), searches - noResult) : null,
    },
    views: events.get('view') ?? 0,
    handoffs: total(handoffs),
    resolutions: { confirmed: total(confirmed), assumed: total(assumed) },
    selfServiceRatio: ratio(resolved, resolved + total(handoffs)),
    feedback: { helpful, notHelpful, reasons: Object.fromEntries(byKey(rows, 'reason')) },
    channels: Object.fromEntries(byKey(rows, 'channel')),
    daily: [...daily.values()],
    causes,
  };
}

/** The median of a histogram of [value, count] pairs. */
function median(histogram: Array<[number, number]>): number | null {
  const count = histogram.reduce((sum, [, n]) => sum + n, 0);
  if (count === 0) return null;
  const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
  const lower = (count - 1) / 2;
  let seen = 0;
  let low: number | null = null;
  for (const [value, n] of sorted) {
    if (low === null && seen + n > Math.floor(lower)) low = value;
    if (seen + n > Math.ceil(lower)) return (low! + value) / 2;
    seen += n;
  }
  return low;
}

export type GapStatus = 'open' | 'settled' | 'ignored';
export const GAP_SOURCES = ['abstained', 'wrong-cause', 'step-failed', 'handoff'] as const;

export interface Gap {
  id: string;
  signature: string;
  status: GapStatus;
  count: number;
  firstSeen: string;
  lastSeen: string;
  settledAt: string | null;
  /** The last seven days against the seven before them. */
  trend: 'new' | 'rising' | 'falling' | 'steady';
  daily: Array<{ day: string; count: number }>;
  sources: Record<(typeof GAP_SOURCES)[number], number>;
  channels: Record<string, number>;
  nearestCause: { id: string; title: string } | null;
  /** The facts behind the signature: masked and machine-printed, never what a person wrote. */
  example: {
    status: number | null;
    codes: string[];
    exceptions: string[];
    template: string | null;
    excerpt: string | null;
  };
}

interface SignatureRow {
  id: string;
  key: string;
  status: number | null;
  codes: string;
  exceptions: string;
  template: string | null;
  first_seen: number;
  last_seen: number;
  settled_at: number | null;
  nearest: string | null;
  ignored_at: number | null;
  [column: string]: string | number | null;
}

/** What fixpath could not settle in a span, grouped by error signature, most frequent first. */
export async function insightsGaps(
  store: EventStore,
  kb: KnowledgeBase,
  range: DayRange,
  only?: string,
): Promise<Gap[]> {
  const [rows = []] = await store.counts(range.from, range.to, [
    { metrics: ['gap'], perDay: true, ...(only ? { keyPrefix: `${only}|` } : {}) },
  ]);
  const bySignature = new Map<string, CountRow[]>();
  for (const row of rows) {
    const id = row.key.slice(0, row.key.indexOf('|'));
    const found = bySignature.get(id);
    if (found) found.push(row);
    else bySignature.set(id, [row]);
  }
  if (bySignature.size === 0) return [];
  const ids = [...bySignature.keys()];
  const signatures = new Map<string, SignatureRow>();
  for (let start = 0; start < ids.length; start += 90) {
    const chunk = ids.slice(start, start + 90);
    for (const row of await store.db.all<SignatureRow>(
      `SELECT * FROM signatures WHERE id IN (${chunk.map(() => '?').join(', ')})`,
      chunk,
    ))
      signatures.set(row.id, row);
  }
  const excerpts = new Map<string, string>();
  for (const row of await store.db.all<{ signature: string; excerpt: string }>(
    `SELECT n.name AS signature, max(e.excerpt) AS excerpt FROM events AS e JOIN names AS n ON n.id = e.signature
       WHERE e.excerpt IS NOT NULL AND e.id >= ? GROUP BY e.signature`,
    [range.from * MINUTES_PER_DAY * 1_000_000],
  ))
    excerpts.set(row.signature, row.excerpt);

  const gaps: Gap[] = [];
  for (const [id, counts] of bySignature) {
    const signature = signatures.get(id);
    if (!signature) continue;
    const sources = Object.fromEntries(GAP_SOURCES.map((source) => [source, 0])) as Gap['sources'];
    const channels: Record<string, number> = {};
    const perDay = new Map<number, number>();
    for (const row of counts) {
      const [, source = '', channel = ''] = row.key.split('|');
      if (source in sources) sources[source as keyof Gap['sources']] += row.count;
      channels[channel] = (channels[channel] ?? 0) + row.count;
      perDay.set(row.day, (perDay.get(row.day) ?? 0) + row.count);
    }
    const recent = sumDays(perDay, range.to - 6, range.to);
    const before = sumDays(perDay, range.to - 13, range.to - 7);
    const nearest = signature.nearest ? kb.byCauseId.get(signature.nearest) : undefined;
    gaps.push({
      id,
      signature: signature.key,
      status: signature.ignored_at !== null ? 'ignored' : signature.settled_at !== null ? 'settled' : 'open',
      count: [...perDay.values()].reduce((sum, n) => sum + n, 0),
      firstSeen: new Date(signature.first_seen * 60_000).toISOString(),
      lastSeen: new Date(signature.last_seen * 60_000).toISOString(),
      settledAt: signature.settled_at === null ? null : new Date(signature.settled_at * 60_000).toISOString(),
      trend:
        before === 0
          ? recent > 0
            ? 'new'
            : 'steady'
          : recent > before * 1.2
            ? 'rising'
            : recent < before * 0.8
              ? 'falling'
              : 'steady',
      daily: [...perDay.entries()].sort((a, b) => a[0] - b[0]).map(([day, count]) => ({ day: isoDay(day), count })),
      sources,
      channels,
      nearestCause: nearest ? { id: nearest.id, title: nearest.title } : null,
      example: {
        status: signature.status,
        codes: JSON.parse(signature.codes) as string[],
        exceptions: JSON.parse(signature.exceptions) as string[],
        template: signature.template,
        excerpt: excerpts.get(id) ?? null,
      },
    });
  }
  return gaps.sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
}

function sumDays(perDay: Map<number, number>, from: number, to: number): number {
  let sum = 0;
  for (let day = from; day <= to; day += 1) sum += perDay.get(day) ?? 0;
  return sum;
}

/** Ignore a gap (it stays ignored, whatever comes later) or take it back into the inbox: its status after, or null when no signature has this id. */
export async function setGapIgnored(store: EventStore, id: string, ignored: boolean): Promise<GapStatus | null> {
  const [found] = await store.db.all<{ settled_at: number | null }>('SELECT settled_at FROM signatures WHERE id = ?', [
    id,
  ]);
  if (!found) return null;
  await store.db.batch([
    { sql: 'UPDATE signatures SET ignored_at = ? WHERE id = ?', params: [ignored ? minuteOf(store.now()) : null, id] },
  ]);
  return ignored ? 'ignored' : found.settled_at !== null ? 'settled' : 'open';
}
