/**
 * The fixed kinds an event is made of, kept as small numbers (the `codes` table of
 * migrations/0001_insights.sql holds the same, for the `events_as_text` view). Numbers are never
 * reused: a kind that goes away keeps its number.
 */
export const CODES = {
  type: { diagnose: 1, chat: 2, search: 3, view: 4, handoff: 5, resolution: 6 },
  channel: { widget: 1, console: 2, api: 3, cli: 4, chat: 5 },
  audience: { public: 1, agent: 2 },
  input: { text: 1, error: 2, http: 3, har: 4 },
  outcome: {
    cause: 1,
    lookalike: 2,
    abstained: 3,
    asking: 4,
    handoff: 5,
    resolved: 6,
    confirmed: 7,
    none: 8,
    results: 9,
    search: 10,
    diagnosis: 11,
    chat: 12,
    link: 13,
  },
} as const;

export type CodeKind = keyof typeof CODES;

/** The number of a kind's value; null for a value the kind does not have. */
export function codeOf(kind: CodeKind, name: string | undefined): number | null {
  if (name === undefined) return null;
  return (CODES[kind] as Record<string, number>)[name] ?? null;
}

const NAMES = Object.fromEntries(
  Object.entries(CODES).map(([kind, values]) => [
    kind,
    new Map(Object.entries(values).map(([name, code]) => [code, name])),
  ]),
) as Record<CodeKind, Map<number, string>>;

/** The value a number stands for. */
export function nameOfCode(kind: CodeKind, code: number | null): string | null {
  return code === null ? null : (NAMES[kind].get(code) ?? null);
}
