/**
 * The text with every lone UTF-16 surrogate replaced by U+FFFD, as `String.prototype.toWellFormed`
 * does where it exists. `encodeURIComponent` throws on a lone surrogate, and input may hold one.
 */
export function toWellFormed(text: string): string {
  const native = (text as { toWellFormed?: () => string }).toWellFormed;
  if (native) return native.call(text);
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** encodeURIComponent for any string, lone surrogates included. */
export function encodeComponent(text: string): string {
  return encodeURIComponent(toWellFormed(text));
}
