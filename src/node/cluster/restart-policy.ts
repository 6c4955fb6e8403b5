/**
 * When the primary replaces a worker that died: soon after a first crash, later after each one
 * that follows within the window, and never after too many in it; a worker that cannot stay up
 * (a bad deploy, a full disk) then stops the cluster with a log line saying so, instead of
 * being restarted forever, and the service manager decides what comes next.
 */
export interface RestartPolicy {
  /** Delay before the replacement of a first crash; doubled for each further crash in the window. */
  firstDelayMs: number;
  /** Crashes are counted over this much time. */
  windowMs: number;
  /** Crashes in the window that are still replaced; one more and the primary gives up. */
  maxCrashes: number;
}

/** 100, 200, 400, 800 and 1,600 ms for five crashes within a minute; the sixth stops the cluster. */
export const RESTART_POLICY: RestartPolicy = { firstDelayMs: 100, windowMs: 60_000, maxCrashes: 5 };

export type RestartDecision = { restartInMs: number } | { giveUp: true; crashes: number };

export class CrashHistory {
  private crashes: number[] = [];

  constructor(private readonly policy: RestartPolicy = RESTART_POLICY) {}

  /** A worker died at `now` (ms): when to start its replacement, or to give up. */
  crashed(now: number): RestartDecision {
    this.crashes = this.crashes.filter((time) => now - time < this.policy.windowMs);
    this.crashes.push(now);
    if (this.crashes.length > this.policy.maxCrashes) return { giveUp: true, crashes: this.crashes.length };
    return { restartInMs: this.policy.firstDelayMs * 2 ** (this.crashes.length - 1) };
  }
}
