import type { ChatReply } from '../chat/converse.ts';
import type { Diagnosis } from '../diagnose/diagnose.ts';
import type { CauseScores } from '../diagnose/score-causes.ts';
import { SCORING } from '../diagnose/scoring.ts';
import { Redactor } from '../redact/redactor.ts';
import type { InsightEvent } from './events.ts';

/** What a diagnosis or chat turn adds to its event: facts of the answer, never the input. */
export type AnswerFacts = Pick<
  InsightEvent,
  'inputKind' | 'signature' | 'outcome' | 'cause' | 'nearest' | 'causes' | 'steps' | 'excerpt'
>;

/** A cause scoring at least half the naming bar is "near": its phrases may be all a gap lacks. */
const NEAR_SCORE = SCORING.minimumScore / 2;

/** The best-scoring cause, for an answer that named none, if it came near: where a gap's draft might attach. */
export function nearestOf(scores: Pick<CauseScores, 'best'>): string | undefined {
  return scores.best(NEAR_SCORE);
}

/** How many characters of an input an excerpt keeps, cut after redaction. */
const EXCERPT_CHARS = 300;
const EXCERPT_SCAN = 4_096;

/** A redacted excerpt of what fixpath could not settle, for operators who turn excerpts on. */
export function excerptOf(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const redacted = new Redactor().text(text.slice(0, EXCERPT_SCAN), 'insights').replace(/\s+/g, ' ').trim();
  return redacted.length > EXCERPT_CHARS ? `${redacted.slice(0, EXCERPT_CHARS)}…` : redacted;
}

function outcomeOf(causes: Diagnosis['causes']): 'cause' | 'lookalike' | 'abstained' {
  const lead = causes[0];
  return !lead ? 'abstained' : lead.kind === 'lookalike' ? 'lookalike' : 'cause';
}

export function diagnosisFacts(diagnosis: Diagnosis, nearest: string | undefined): AnswerFacts {
  const outcome = outcomeOf(diagnosis.causes);
  return {
    inputKind: diagnosis.input.kind,
    signature: diagnosis.signature,
    outcome,
    cause: diagnosis.causes[0]?.id,
    nearest: outcome === 'abstained' ? nearest : undefined,
    causes: diagnosis.causes.slice(0, 5).map((cause) => ({ id: cause.id, confidence: cause.confidence })),
    steps: diagnosis.causes[0]?.steps.length ?? 0,
  };
}

/**
 * A chat turn: it settles when it gives a cause's steps or names a lookalike; it abstains when
 * the person gave evidence and no cause fits. A turn still asking questions is `asking`; one that
 * hands over to a person or hears that the fix worked is `handoff` or `resolved`.
 */
export function chatFacts(
  reply: ChatReply,
  diagnosis: Diagnosis | undefined,
  nearest: string | undefined,
): AnswerFacts {
  const offered = reply.steps?.length ? reply.context.offered : undefined;
  const lookalike = reply.causes[0]?.kind === 'lookalike' && !reply.question;
  // A turn that hands over or closes the conversation judges nothing: its own event says what happened.
  const outcome = reply.handoff
    ? 'handoff'
    : reply.resolved
      ? 'resolved'
      : offered
        ? 'cause'
        : lookalike
          ? 'lookalike'
          : reply.causes.length === 0 && !reply.question
            ? 'abstained'
            : 'asking';
  return {
    inputKind: diagnosis?.input.kind,
    signature: diagnosis?.signature,
    outcome,
    cause: offered ?? (lookalike ? reply.causes[0]?.id : undefined),
    nearest: outcome === 'abstained' ? nearest : undefined,
    causes: reply.causes.slice(0, 5).map((cause) => ({ id: cause.id, confidence: cause.confidence })),
    steps: reply.steps?.length ?? 0,
  };
}
