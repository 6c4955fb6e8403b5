import type { RateLimitDecision, RateLimitStore, RateLimit as Rule } from '../http/security.ts';

/** The part of the Workers Rate Limiting binding this uses. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/**
 * Budgets kept by the Workers Rate Limiting binding, one binding per bucket (`requests`,
 * `uploads`), so they hold across isolates and locations rather than in one isolate's memory.
 * The binding says only yes or no: how much is left is not known, and a refused client is told
 * to wait one period. A bucket without a binding is not limited here.
 */
export class BindingRateLimits implements RateLimitStore {
  constructor(private readonly bindings: Partial<Record<string, RateLimitBinding>>) {}

  async take(bucket: string, client: string, rule: Rule): Promise<RateLimitDecision> {
    const binding = this.bindings[bucket];
    if (!binding) return { allowed: true, resetSeconds: 0 };
    const { success } = await binding.limit({ key: client });
    return { allowed: success, resetSeconds: rule.windowSeconds };
  }
}
