import { createHash } from 'node:crypto';
import { DEFAULT_LIMITS } from '../src/config/limits.ts';
import { diagnose } from '../src/diagnose/diagnose.ts';
import type { ErrorSignature } from '../src/facts/error-signature.ts';
import { readDiagnoseBody } from '../src/http/diagnose-body.ts';
import {
  type Channel,
  FEEDBACK_REASONS,
  type FeedbackVote,
  type InsightEvent,
  MINUTES_PER_DAY,
} from '../src/insights/events.ts';
import { type AnswerFacts, diagnosisFacts, nearestOf } from '../src/insights/recorder.ts';
import type { Library } from '../src/kb/library.ts';

/**
 * A synthetic day of fixpath traffic for the insights benchmark, as the events and votes the
 * server itself would record. The answers are real: every diagnosis's facts (input kind, causes
 * with their confidences, steps, signature) come from running the real diagnosis over the
 * real-world evaluation corpus; what is synthetic is how often each is asked, when, by whom,
 * and what the asker did next.
 */

/** Share of each outcome among diagnoses (issue 14's target mix). */
const OUTCOME_MIX = { cause: 0.7, lookalike: 0.1, abstained: 0.2 } as const;
/** Per diagnosis: searches, chat conversations. */
const SEARCHES_PER_DIAGNOSIS = 0.4;
const CONVERSATIONS_PER_DIAGNOSIS = 0.05;
/** Share of searches that find nothing, and of those with hits where a result is opened. */
const SEARCH_NONE_SHARE = 0.12;
const SEARCH_CLICK_SHARE = 0.35;
/** Where diagnoses come from: client, audience, and whether the client sends a session id. */
const DIAGNOSE_CHANNELS: Array<{ channel: Channel; weight: number; session: boolean }> = [
  { channel: 'widget', weight: 0.45, session: true },
  { channel: 'console', weight: 0.25, session: true },
  { channel: 'api', weight: 0.2, session: false },
  { channel: 'cli', weight: 0.1, session: true },
];
/** The widget's searches are simple GETs: they carry no session (src/web/widget.ts). */
const SEARCH_CHANNELS: Array<{ channel: Channel; weight: number; session: boolean }> = [
  { channel: 'widget', weight: 0.6, session: false },
  { channel: 'console', weight: 0.3, session: true },
  { channel: 'api', weight: 0.1, session: false },
];
/** Mean diagnoses per visit (a person pastes, refines, pastes again). */
const DIAGNOSES_PER_VISIT = 1.6;
/** Of visits with a session whose answer named a cause: how many vote, and how many open the article. */
const VOTE_SHARE = 0.12;
const VIEW_AFTER_DIAGNOSIS_SHARE = 0.15;
const HELPFUL_SHARE = 0.68;
/** Distinct error signatures seen over the year, drawn with a Zipf law (rank r has weight 1/r^s). */
const SIGNATURES = 3_000;
const ZIPF_EXPONENT = 1.05;

export type TrafficAction =
  | { minute: number; kind: 'event'; event: InsightEvent }
  | { minute: number; kind: 'vote'; vote: FeedbackVote };

interface Palette {
  cause: AnswerFacts[];
  lookalike: AnswerFacts[];
  abstained: AnswerFacts[];
}

/** Run the real diagnosis over each corpus input and keep its answer's facts, grouped by outcome. */
export function answerPalette(library: Library, inputs: Array<{ text: string } | { error: unknown }>): Palette {
  const palette: Palette = { cause: [], lookalike: [], abstained: [] };
  for (const body of inputs) {
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const input = readDiagnoseBody('application/json', { bytes }, DEFAULT_LIMITS);
    let nearest: string | undefined;
    const diagnosis = diagnose(input, {
      kb: library.kb,
      index: library.index,
      clock: () => new Date(),
      includeInternal: true,
      inspect: (scores) => (nearest = nearestOf(scores)),
    });
    const facts = diagnosisFacts(diagnosis, nearest);
    palette[facts.outcome as keyof Palette].push(facts);
  }
  for (const [outcome, list] of Object.entries(palette))
    if (list.length === 0) throw new Error(`insights bench: the corpus gave no "${outcome}" answer to sample from`);
  return palette;
}

/**
 * The year's signatures: the real ones the corpus produced first, then variants of them (the
 * same status and codes, another message), as different errors from different APIs would be.
 */
function signaturePool(palette: Palette): Array<NonNullable<AnswerFacts['signature']>> {
  const real = new Map<string, NonNullable<AnswerFacts['signature']>>();
  for (const facts of [...palette.cause, ...palette.lookalike, ...palette.abstained])
    if (facts.signature) real.set(facts.signature.id, facts.signature);
  const pool = [...real.values()];
  const bases = [...pool];
  for (let index = 0; pool.length < SIGNATURES; index += 1) {
    const base = bases[index % bases.length]!;
    const template = `${base.template ?? 'request failed'} (variant ${index})`;
    const key = [base.status ?? '', ...base.codes, ...base.exceptions, `"${template}"`].filter(Boolean).join(' · ');
    const id = createHash('sha256').update(key).digest('hex').slice(0, 16);
    pool.push({ ...base, id, key, template } satisfies Pick<
      ErrorSignature,
      'id' | 'key' | 'status' | 'codes' | 'exceptions' | 'template'
    >);
  }
  return pool;
}

/** Weights scaled into a cumulative distribution, for `pickCumulative`. */
function cumulative(weights: number[]): Float64Array {
  const table = new Float64Array(weights.length);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let running = 0;
  weights.forEach((weight, index) => {
    running += weight;
    table[index] = running / total;
  });
  return table;
}

/** The first index whose cumulative weight reaches `u`. */
function pickCumulative(table: Float64Array, u: number): number {
  let low = 0;
  let high = table.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (table[middle]! < u) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** More traffic in the working hours of Europe and the Americas than at night: a daily wave peaking at 15:00 UTC. */
const minuteWeight = (minute: number): number => 1 + 0.7 * Math.sin(((minute / 60 - 9) / 24) * 2 * Math.PI);

export interface TrafficModel {
  /** The actions of one day, in time order; only those before `untilMinute` when given (today). */
  day(day: number, diagnoses: number, untilMinute?: number): TrafficAction[];
  signatures: number;
}

export function trafficModel(library: Library, palette: Palette, random: () => number): TrafficModel {
  const signatures = signaturePool(palette);
  const zipf = cumulative(signatures.map((_, rank) => 1 / (rank + 1) ** ZIPF_EXPONENT));
  const minutes = cumulative(Array.from({ length: MINUTES_PER_DAY }, (_, minute) => minuteWeight(minute)));
  const causes = library.kb.causes;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const weighted = <T extends { weight: number }>(list: T[]): T => {
    let u = random();
    for (const item of list) {
      u -= item.weight;
      if (u < 0) return item;
    }
    return list.at(-1)!;
  };
  const signature = () => signatures[pickCumulative(zipf, random())]!;
  const answer = (): AnswerFacts => {
    const u = random();
    const group =
      u < OUTCOME_MIX.cause
        ? palette.cause
        : u < OUTCOME_MIX.cause + OUTCOME_MIX.lookalike
          ? palette.lookalike
          : palette.abstained;
    return { ...pick(group), signature: signature() };
  };
  const articleOf = (causeId: string): string =>
    library.kb.byCauseId.get(causeId)?.articleSlug ?? pick(library.kb.articles).slug;

  return {
    signatures: signatures.length,
    day(day, diagnoses, untilMinute = Number.POSITIVE_INFINITY) {
      const start = day * MINUTES_PER_DAY;
      const actions: TrafficAction[] = [];
      const at = (minute: number) => Math.min(minute, start + MINUTES_PER_DAY - 1);
      const event = (minute: number, event: InsightEvent) => actions.push({ minute: at(minute), kind: 'event', event });
      const vote = (minute: number, vote: FeedbackVote) => actions.push({ minute: at(minute), kind: 'vote', vote });
      const sessionId = (prefix: string, index: number) => `${prefix}-${day}-${index.toString(36).padStart(6, '0')}`;
      let visit = 0;

      for (let made = 0; made < diagnoses; visit += 1) {
        const source = weighted(DIAGNOSE_CHANNELS);
        const session = source.session ? sessionId('d', visit) : null;
        const audience = source.channel === 'console' ? 'agent' : 'public';
        let minute = start + pickCumulative(minutes, random());
        const count = Math.min(diagnoses - made, 1 + Math.floor(-Math.log(1 - random()) * (DIAGNOSES_PER_VISIT - 1)));
        let last: AnswerFacts | undefined;
        for (let turn = 0; turn < count; turn += 1, made += 1) {
          last = answer();
          event(minute, { type: 'diagnose', channel: source.channel, audience, session, ...last });
          minute += 1 + Math.floor(random() * 4);
        }
        if (!session || !last?.cause) continue;
        if (random() < VIEW_AFTER_DIAGNOSIS_SHARE)
          event(minute, {
            type: 'view',
            channel: source.channel,
            audience,
            session,
            article: articleOf(last.cause),
            outcome: 'diagnosis',
          });
        if (random() < VOTE_SHARE) {
          const helpful = random() < HELPFUL_SHARE;
          const cause = library.kb.byCauseId.get(last.cause);
          const kind = random();
          const target =
            kind < 0.5 || !cause
              ? { cause: last.cause }
              : kind < 0.85
                ? { cause: last.cause, step: pick(cause.stepIds) }
                : { article: cause.articleSlug };
          vote(minute + 1, {
            channel: source.channel,
            audience,
            session,
            helpful,
            ...target,
            reason: helpful ? undefined : pick(FEEDBACK_REASONS),
            signature: 'article' in target ? undefined : last.signature?.id,
          });
        }
      }

      for (let index = 0; index < diagnoses * SEARCHES_PER_DIAGNOSIS; index += 1, visit += 1) {
        const source = weighted(SEARCH_CHANNELS);
        const session = source.session ? sessionId('s', visit) : null;
        const audience = source.channel === 'console' ? 'agent' : 'public';
        const minute = start + pickCumulative(minutes, random());
        const results = random() < SEARCH_NONE_SHARE ? 0 : 1 + Math.floor(random() * 10);
        event(minute, {
          type: 'search',
          channel: source.channel,
          audience,
          session,
          results,
          outcome: results ? 'results' : 'none',
        });
        if (results && random() < SEARCH_CLICK_SHARE)
          event(minute + 1, {
            type: 'view',
            channel: source.channel,
            audience,
            session,
            article: pick(library.kb.articles).slug,
            outcome: 'search',
          });
      }

      for (let index = 0; index < diagnoses * CONVERSATIONS_PER_DIAGNOSIS; index += 1, visit += 1)
        conversation(sessionId('c', visit), start + pickCumulative(minutes, random()));

      /** A chat: a few questions, then steps, a lookalike, an abstention or nothing; then a fix, a hand-off or silence. */
      function conversation(session: string, first: number): void {
        const identity = { channel: 'chat' as const, audience: 'public' as const, session };
        let minute = first;
        const asking = Math.floor(random() * 3);
        const evidence = answer();
        for (let turn = 0; turn < asking; turn += 1, minute += 1 + Math.floor(random() * 3))
          event(minute, {
            type: 'chat',
            ...identity,
            inputKind: 'text',
            outcome: 'asking',
            causes: evidence.causes?.slice(0, 3),
            steps: 0,
          });
        const u = random();
        if (u < 0.15) return;
        const ended = u < 0.8 ? 'cause' : u < 0.88 ? 'lookalike' : 'abstained';
        const offered = ended === 'cause' ? (evidence.cause ?? pick(causes).id) : undefined;
        event(minute, {
          type: 'chat',
          ...identity,
          ...evidence,
          outcome: ended,
          cause: ended === 'abstained' ? undefined : (offered ?? evidence.cause),
          nearest: ended === 'abstained' ? (evidence.nearest ?? pick(causes).id) : undefined,
          steps: offered ? (library.kb.byCauseId.get(offered)?.stepIds.length ?? 0) : 0,
        });
        minute += 2 + Math.floor(random() * 20);
        const next = random();
        const fixed = offered && next < 0.35;
        const handedOff = offered ? next >= 0.35 && next < 0.45 : next < 0.4;
        if (!fixed && !handedOff) return;
        // The closing turn judges nothing; its own event says what happened (recorder.ts chatFacts).
        event(minute, { type: 'chat', ...identity, outcome: fixed ? 'resolved' : 'handoff', causes: [], steps: 0 });
        if (fixed) event(minute, { type: 'resolution', ...identity, outcome: 'confirmed', cause: offered });
        else
          event(minute, {
            type: 'handoff',
            ...identity,
            cause: offered,
            signature: evidence.signature,
            nearest: evidence.nearest ?? evidence.cause,
          });
      }

      const kept = actions.filter((action) => action.minute < untilMinute);
      // Stable: a conversation's events at the same minute stay in the order they happened.
      return kept.sort((a, b) => a.minute - b.minute);
    },
  };
}
