import type { Cause, CauseQuestion } from '../kb/types.ts';

/** Causes with their probabilities, most likely first, summing to 1. */
export type Posterior = Array<{ cause: Cause; probability: number }>;

/** How often a person whose problem is this cause gives one of the answers the cause expects. */
const TRUTHFUL = 0.85;

export function normalise(weights: Posterior): Posterior {
  const total = weights.reduce((sum, item) => sum + item.probability, 0);
  if (total <= 0) return weights.map((item) => ({ ...item, probability: 1 / Math.max(1, weights.length) }));
  return weights
    .map((item) => ({ ...item, probability: item.probability / total }))
    .sort((a, b) => b.probability - a.probability || a.cause.id.localeCompare(b.cause.id));
}

/** P(answer | cause): the cause's expected answers share most of the mass; a cause that does not declare the question has no preference. */
export function likelihood(cause: Cause, question: CauseQuestion, answer: string): number {
  const declared = cause.questions.find((candidate) => candidate.id === question.id);
  const options = question.options.length;
  if (!declared) return 1 / options;
  if (declared.expect.includes(answer)) return TRUTHFUL / declared.expect.length;
  return (1 - TRUTHFUL) / Math.max(1, options - declared.expect.length);
}

function entropy(probabilities: number[]): number {
  return -probabilities.reduce((sum, p) => (p > 0 ? sum + p * Math.log2(p) : sum), 0);
}

/**
 * The unasked question with the greatest expected information gain: how much, on average, its
 * answer would lower the uncertainty over the current candidates.
 */
export function bestQuestion(
  posterior: Posterior,
  questions: Map<string, CauseQuestion>,
  state: { asked: string[]; answers: Record<string, string> },
): { question: CauseQuestion; gain: number } | null {
  const before = entropy(posterior.map((item) => item.probability));
  let best: { question: CauseQuestion; gain: number } | null = null;
  for (const question of questions.values()) {
    if (state.asked.includes(question.id) || question.id in state.answers) continue;
    let after = 0;
    for (const answer of question.options) {
      const joint = posterior.map((item) => item.probability * likelihood(item.cause, question, answer));
      const pAnswer = joint.reduce((sum, value) => sum + value, 0);
      if (pAnswer > 0) after += pAnswer * entropy(joint.map((value) => value / pAnswer));
    }
    const gain = before - after;
    if (!best || gain > best.gain) best = { question, gain };
  }
  return best;
}
