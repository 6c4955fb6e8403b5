import type { RateLimitDecision, RateLimitStore, RateLimit as Rule } from '../../http/security.ts';
import { NoAnswer, type PrimaryLink } from './primary-link.ts';

/** Longest a request waits for the primary's answer: a healthy primary answers in well under a millisecond. */
export const RATE_LIMIT_ANSWER_MS = 500;
/** Unanswered questions are logged at most this often, with how many there were. */
export const UNANSWERED_REPORT_MS = 10_000;

/**
 * A cluster worker's rate limits: the budgets live in the primary (one `RateLimiter` for every
 * worker), so a client has one budget whichever worker its connection lands on. Each public
 * request asks the primary to take from it.
 *
 * Fail-open: when the primary does not answer in time the request goes on unlimited (and the
 * worker logs it). The budgets guard capacity against one noisy client; they are not access
 * control (sign-in is). Failing closed would turn a stalled primary into an outage for every
 * customer, where failing open lets a client past its budget only while the primary is stuck.
 */
export class SharedRateLimits implements RateLimitStore {
  private unanswered = 0;
  private lastReport = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly link: PrimaryLink,
    private readonly report: (unanswered: number, reason: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly answerMs = RATE_LIMIT_ANSWER_MS,
  ) {}

  async take(bucket: string, client: string, rule: Rule): Promise<RateLimitDecision> {
    try {
      return await this.link.ask('rate-limit', { bucket, client, rule }, this.answerMs);
    } catch (error) {
      this.unanswered += 1;
      const now = this.now();
      if (now - this.lastReport >= UNANSWERED_REPORT_MS) {
        this.report(this.unanswered, error instanceof NoAnswer ? error.message : String(error));
        this.unanswered = 0;
        this.lastReport = now;
      }
      // No `remaining`: the answer then claims no count it does not know.
      return { allowed: true, resetSeconds: rule.windowSeconds };
    }
  }
}
