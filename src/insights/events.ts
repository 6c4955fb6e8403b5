import type { ErrorSignature } from '../facts/error-signature.ts';

/** Where a request came from: the help widget, the agent console, the chat, the CLI, or a direct API call. */
export const CHANNELS = ['widget', 'console', 'api', 'cli', 'chat'] as const;
export type Channel = (typeof CHANNELS)[number];
export type Audience = 'public' | 'agent';

/** What happened, as facts: no text a person wrote, no secret, no address. */
export interface InsightEvent {
  type: 'diagnose' | 'chat' | 'search' | 'view' | 'handoff' | 'resolution';
  channel: Channel;
  audience: Audience;
  /** The client's own session id (the widget's and console's per tab, the CLI's per run); hashed before it is kept. */
  session: string | null;
  inputKind?: string | undefined;
  signature?: Pick<ErrorSignature, 'id' | 'key' | 'status' | 'codes' | 'exceptions' | 'template'> | undefined;
  /** diagnose/chat: cause, lookalike or abstained; resolution: confirmed; search: none or results; view: how it was reached. */
  outcome?: string | undefined;
  /** The leading cause, or the one a resolution or hand-off is about. */
  cause?: string | undefined;
  /** When fixpath abstained: the cause that came closest. */
  nearest?: string | undefined;
  causes?: Array<{ id: string; confidence: number }> | undefined;
  /** How many resolution steps were shown. */
  steps?: number | undefined;
  article?: string | undefined;
  results?: number | undefined;
  /** A redacted excerpt of the input, kept only when the operator turns excerpts on. */
  excerpt?: string | undefined;
}

export const FEEDBACK_REASONS = ['wrong-cause', 'steps-unclear', 'tried-failed', 'other'] as const;
export type FeedbackReason = (typeof FEEDBACK_REASONS)[number];

/** A vote on a cause ("right cause?"), a step ("this fixed it") or an article ("helpful?"). */
export interface FeedbackVote {
  channel: Channel;
  audience: Audience;
  session: string | null;
  helpful: boolean;
  cause?: string | undefined;
  step?: string | undefined;
  article?: string | undefined;
  reason?: FeedbackReason | undefined;
  /** Redacted by the caller before it reaches the store. */
  comment?: string | undefined;
  signature?: string | undefined;
}

/** What a vote is about: a step (within its cause), else a cause, else an article. */
export function votedItem(vote: FeedbackVote): { kind: 'cause' | 'step' | 'article'; item: string } {
  if (vote.step !== undefined && vote.cause !== undefined) return { kind: 'step', item: `${vote.cause}#${vote.step}` };
  if (vote.cause !== undefined) return { kind: 'cause', item: vote.cause };
  return { kind: 'article', item: vote.article ?? '' };
}

export const MINUTES_PER_DAY = 1440;
export const minuteOf = (time: Date): number => Math.floor(time.getTime() / 60_000);
export const dayOf = (minute: number): number => Math.floor(minute / MINUTES_PER_DAY);
export const isoDay = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
