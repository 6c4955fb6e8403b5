import { readErrorBody } from './error-body.ts';
import { MAX_BODY_SCAN } from './scan-limits.ts';
import { readErrorCodesInText } from './text-signals.ts';
import type { Fact, FactSet } from './types.ts';

/** A response body's error codes and messages, an introspection's `"active": false`, and a status it states when the response had none. */
export function readResponseBody(body: string, set: FactSet, add: (fact: Fact) => void, entry: number): void {
  const reading = readErrorBody(body);
  for (const code of reading.codes) {
    set.errorCodes.push({ code: code.toLowerCase(), where: 'response body', entry });
    set.texts.push(code);
  }
  set.texts.push(...reading.messages);
  for (const message of reading.messages)
    readErrorCodesInText(message.slice(0, MAX_BODY_SCAN), set, 'response body', entry);
  if (reading.inactive)
    add({
      id: 'token.inactive',
      source: 'body',
      detail: 'the response says the token is not active ("active": false)',
    });
  if (reading.status !== undefined && !set.statuses.some((status) => status.entry === entry)) {
    set.statuses.push({ status: reading.status, entry, inferred: true });
  }
}
