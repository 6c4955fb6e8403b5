import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { InputError } from '../errors.ts';
import type { EventStore } from '../insights/event-store.ts';
import { type Audience, CHANNELS, type Channel, dayOf, minuteOf } from '../insights/events.ts';
import { draftForGap } from '../insights/gap-draft.ts';
import { type DayRange, type Gap, insightsGaps, insightsSummary, setGapIgnored } from '../insights/insights.ts';
import { type Library, withArticleText, withEveryArticle } from '../kb/library.ts';
import { Redactor } from '../redact/redactor.ts';
import { type AppEnv, requireAgent } from './access.ts';
import { mountReadingItsBody, refuseInvalid } from './mount.ts';
import { decodeUtf8, parseJsonSafely } from './read-body.ts';
import {
  clientEventRoute,
  feedbackRoute,
  gapDraftRoute,
  gapIgnoreRoute,
  insightsGapsRoute,
  insightsSummaryRoute,
  sessionDeleteRoute,
  sessionExportRoute,
} from './routes.ts';
import { ClientEventRequest, FeedbackRequest, GapIgnoreRequest, validate } from './schemas.ts';

/** The event store, or why there is none. */
export type InsightsSetting = { store: EventStore; excerpts: boolean } | { off: string };

/** Who is asking, as the event store keeps it. */
export interface ClientIdentity {
  session: string | null;
  channel: Channel;
  audience: Audience;
}

const SESSION = /^[\w-]{8,64}$/;
const CLIENT_CHANNELS = new Set<string>(CHANNELS.filter((channel) => channel !== 'chat' && channel !== 'api'));
/** Longest span one insights request may cover: the daily counts' retention at most. */
const MAX_SPAN_DAYS = 3_650;
const DEFAULT_SPAN_DAYS = 30;
const DEFAULT_GAPS = 100;
const CLIENT_BODY_BYTES = 4096;

/** The client's session id (`X-Fixpath-Session`) and channel (`X-Fixpath-Channel`); either may be absent or bad, and then counts as none. */
export function clientIdentity(c: Context<AppEnv>, channel?: Channel): ClientIdentity {
  const session = c.req.header('x-fixpath-session');
  // A browser's GET names its channel in the query: a custom header would cost it a preflight.
  const named = (c.req.header('x-fixpath-channel') ?? c.req.query('channel'))?.toLowerCase();
  return {
    session: session && SESSION.test(session) ? session : null,
    channel: channel ?? (named && CLIENT_CHANNELS.has(named) ? (named as Channel) : 'api'),
    audience: c.get('agent') ? 'agent' : 'public',
  };
}

interface InsightsRouteDeps {
  library: () => Library;
  insights: InsightsSetting;
  readBody: (c: Context, maxBytes: number, limitName: string) => Promise<Uint8Array<ArrayBuffer>>;
  onFeedback?: (event: { helpful: boolean; article?: string; cause?: string; audience: Audience }) => void;
}

/** Feedback, client events, and the agents' insights API (summary, gaps, drafts, sessions). */
export function mountInsightsRoutes(app: OpenAPIHono<AppEnv>, deps: InsightsRouteDeps): void {
  const store = 'store' in deps.insights ? deps.insights.store : null;
  const storeOrRefuse = (): EventStore => {
    if (store) return store;
    throw new InputError(
      'analytics-off',
      `nothing is kept to report: ${(deps.insights as { off: string }).off}. Set ANALYTICS=on (Node) or bind a D1 database as DB (Workers)`,
    );
  };
  const readClientJson = async (c: Context, what: string): Promise<unknown> => {
    const text = decodeUtf8(await deps.readBody(c, CLIENT_BODY_BYTES, `${what} is at most 4 KiB`));
    return parseJsonSafely(text || '{}', 4);
  };

  mountReadingItsBody(app, feedbackRoute, async (c) => {
    const vote = validate(FeedbackRequest, await readClientJson(c, 'feedback'), 'the feedback is not valid');
    // Only names the knowledge base knows are kept: nothing stored is a string a client made up.
    const library = deps.library();
    const { kb } = library;
    if (vote.article !== undefined && !kb.bySlug.has(vote.article))
      throw new InputError(
        'not-found',
        'the feedback names an article this knowledge base does not have; send an article slug from GET /v1/articles',
      );
    const named = vote.cause;
    const cause = named === undefined ? undefined : await withArticleText(library, () => kb.byCauseId.get(named));
    if (vote.cause !== undefined && !cause)
      throw new InputError(
        'not-found',
        'the feedback names a cause this knowledge base does not have; send a cause id from a diagnosis',
      );
    if (vote.step !== undefined && !cause!.stepIds.includes(vote.step))
      throw new InputError(
        'not-found',
        `cause "${cause!.id}" has no step "${vote.step.slice(0, 100)}"; send a step id from the cause's steps`,
      );
    const identity = clientIdentity(c);
    store?.vote({
      ...identity,
      helpful: vote.helpful,
      cause: vote.cause,
      step: vote.step,
      article: vote.article,
      reason: vote.helpful ? undefined : vote.reason,
      comment: vote.comment && !vote.helpful ? new Redactor().text(vote.comment, 'feedback') : undefined,
      signature: vote.signature,
    });
    deps.onFeedback?.({
      helpful: vote.helpful,
      ...(vote.article !== undefined ? { article: vote.article } : {}),
      ...(vote.cause !== undefined ? { cause: vote.cause } : {}),
      audience: identity.audience,
    });
    return c.json({ received: true as const }, 202);
  });

  mountReadingItsBody(app, clientEventRoute, async (c) => {
    const event = validate(ClientEventRequest, await readClientJson(c, 'an event'), 'the event is not valid');
    if (!deps.library().kb.bySlug.has(event.article))
      throw new InputError('not-found', 'the event names an article this knowledge base does not have');
    store?.record({ ...clientIdentity(c), type: 'view', article: event.article, outcome: event.via ?? 'link' });
    return c.json({ received: true as const }, 202);
  });

  app.openapi(
    { ...insightsSummaryRoute, middleware: requireAgent() },
    async (c) => {
      const query = c.req.valid('query');
      const store = storeOrRefuse();
      const summary = await insightsSummary(
        store,
        await withEveryArticle(deps.library()),
        dayRange(query, store.now()),
      );
      if (query.format === 'csv')
        return csvResponse(c, `fixpath-summary-${summary.from}-${summary.to}.csv`, summaryCsv(summary));
      return c.json(summary, 200);
    },
    refuseInvalid('the insights query is not valid'),
  );

  const gapsOf = async (query: { from?: string; to?: string; status?: string }) => {
    const store = storeOrRefuse();
    const range = dayRange(query, store.now());
    const all = await insightsGaps(store, await withEveryArticle(deps.library()), range);
    const status = query.status ?? 'open';
    return { range, gaps: status === 'all' ? all : all.filter((gap) => gap.status === status) };
  };

  app.openapi(
    { ...insightsGapsRoute, middleware: requireAgent() },
    async (c) => {
      const query = c.req.valid('query');
      const { range, gaps } = await gapsOf(query);
      const [from, to] = [isoDate(range.from), isoDate(range.to)];
      if (query.format === 'csv') return csvResponse(c, `fixpath-gaps-${from}-${to}.csv`, gapsCsv(gaps));
      return c.json({ from, to, total: gaps.length, gaps: gaps.slice(0, query.limit ?? DEFAULT_GAPS) }, 200);
    },
    refuseInvalid('the gaps query is not valid'),
  );

  app.openapi(
    { ...gapDraftRoute, middleware: requireAgent() },
    async (c) => {
      const { id } = c.req.valid('param');
      const store = storeOrRefuse();
      const library = deps.library();
      const kb = await withEveryArticle(library);
      const gap = await findGap(store, library, id);
      const draft = draftForGap(gap, kb, store.now());
      return c.json({ gap: gap.id, ...draft }, 200);
    },
    refuseInvalid('the gap id is not valid'),
  );

  mountReadingItsBody(
    app,
    gapIgnoreRoute,
    async (c) => {
      const id = c.req.param('id') ?? '';
      const store = storeOrRefuse();
      const text = decodeUtf8(await deps.readBody(c, CLIENT_BODY_BYTES, 'the request is at most 4 KiB'));
      const { ignored } = validate(GapIgnoreRequest, parseJsonSafely(text || '{}', 4), 'the request is not valid');
      const status = /^[0-9a-f]{16}$/.test(id) ? await setGapIgnored(store, id, ignored) : null;
      if (!status)
        throw new InputError('not-found', `no gap has the id "${id.slice(0, 40)}"; GET /v1/insights/gaps lists them`);
      return c.json({ id, status }, 200);
    },
    requireAgent(),
  );

  app.openapi(
    { ...sessionExportRoute, middleware: requireAgent() },
    async (c) => {
      const { session } = c.req.valid('param');
      return c.json({ session, ...(await storeOrRefuse().exportSession(session)) }, 200);
    },
    refuseInvalid('the session id is not valid'),
  );

  app.openapi(
    { ...sessionDeleteRoute, middleware: requireAgent() },
    async (c) => {
      const { session } = c.req.valid('param');
      return c.json({ session, deleted: await storeOrRefuse().deleteSession(session) }, 200);
    },
    refuseInvalid('the session id is not valid'),
  );
}

async function findGap(store: EventStore, library: Library, id: string): Promise<Gap> {
  // Only this signature's counts are read, over everything still kept.
  const [gap] = await insightsGaps(store, library.kb, wholeRetention(store), id);
  if (!gap) throw new InputError('not-found', `no gap has the id "${id}"; GET /v1/insights/gaps lists them`);
  return gap;
}

function wholeRetention(store: EventStore): DayRange {
  const today = dayOf(minuteOf(store.now()));
  return { from: today - store.retention.dailyDays, to: today };
}

const isoDate = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

function parseDay(text: string, name: string): number {
  const time = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(time) || isoDate(time / 86_400_000) !== text)
    throw new InputError('invalid-input', `${name} is not a real date: "${text}"; write it as YYYY-MM-DD`);
  return time / 86_400_000;
}

/** `from` and `to` as whole days; by default the last 30 days up to today. */
export function dayRange(query: { from?: string | undefined; to?: string | undefined }, now: Date): DayRange {
  const to = query.to ? parseDay(query.to, 'to') : dayOf(minuteOf(now));
  const from = query.from ? parseDay(query.from, 'from') : to - (DEFAULT_SPAN_DAYS - 1);
  if (from > to) throw new InputError('invalid-input', `from (${isoDate(from)}) is after to (${isoDate(to)})`);
  if (to - from >= MAX_SPAN_DAYS)
    throw new InputError('invalid-input', `the span is ${to - from + 1} days; ask for at most ${MAX_SPAN_DAYS}`);
  return { from, to };
}

/** A CSV field: quoted when it holds a comma, quote or line break; a leading =+-@ is defused for spreadsheets. */
function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
const csvLines = (rows: unknown[][]): string => `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;

function csvResponse(c: Context, filename: string, body: string) {
  return c.body(body, 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
  }) as never;
}

function summaryCsv(summary: Awaited<ReturnType<typeof insightsSummary>>): string {
  const days = summary.daily.map((day) => [
    'day',
    day.day,
    day.cause,
    day.lookalike,
    day.abstained,
    day.searches,
    day.handoffs,
    day.confirmed,
    day.assumed,
  ]);
  const causes = summary.causes.map((cause) => [
    'cause',
    cause.id,
    cause.title,
    cause.count,
    cause.confirmed,
    cause.confirmedShare,
    cause.handoffs,
    cause.handoffRate,
    cause.medianMinutesToFix,
  ]);
  return csvLines([
    ['row', 'day', 'cause', 'lookalike', 'abstained', 'searches', 'handoffs', 'confirmed', 'assumed'],
    ...days,
    [],
    [
      'row',
      'cause',
      'title',
      'count',
      'confirmed',
      'confirmed share',
      'handoffs',
      'handoff rate',
      'median minutes to fix',
    ],
    ...causes,
  ]);
}

function gapsCsv(gaps: Gap[]): string {
  return csvLines([
    [
      'id',
      'signature',
      'status',
      'count',
      'first seen',
      'last seen',
      'trend',
      'abstained',
      'wrong cause',
      'step failed',
      'handoff',
      'nearest cause',
    ],
    ...gaps.map((gap) => [
      gap.id,
      gap.signature,
      gap.status,
      gap.count,
      gap.firstSeen,
      gap.lastSeen,
      gap.trend,
      gap.sources.abstained,
      gap.sources['wrong-cause'],
      gap.sources['step-failed'],
      gap.sources.handoff,
      gap.nearestCause?.id ?? '',
    ]),
  ]);
}
