/** A plain object read from JSON or YAML (not null, not a list), its fields still unknown. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
