/** Tokens, codes and quoted headers are looked for in the first part of a body or text only; none of them is deep in a dump. */
export const MAX_BODY_SCAN = 65_536;
/** Most tokens read from one response body or one text. */
export const MAX_TEXT_JWTS = 5;
