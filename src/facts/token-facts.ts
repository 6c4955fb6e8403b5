import { inspectToken, type TokenContext } from './jwt.ts';
import { type Exchange, type FactSet, headerValue } from './types.ts';

/** A token decoded and judged: the token joins the set, with what it says (expired, wrong audience, …). */
export function addToken(raw: string, context: TokenContext, set: FactSet): void {
  const { token, facts } = inspectToken(raw, context);
  set.tokens.push(token);
  set.facts.push(...facts);
}

/** The time a token in an exchange is judged against: the request's, the response's Date, or the clock. */
export function referenceTimeOf(exchange: Exchange, clock: () => Date): { time: Date; label: string } {
  if (exchange.startedAt) return { time: exchange.startedAt, label: 'the request' };
  const date = Date.parse(headerValue(exchange.response?.headers, 'date') ?? '');
  if (Number.isFinite(date)) return { time: new Date(date), label: "the response's Date" };
  return { time: clock(), label: 'now (the input carries no request time)' };
}
