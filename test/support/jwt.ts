/** Build an unsigned-looking JWT for tests: real base64url JSON parts, a fake signature. */
const base64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function makeJwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', kid: 'k1', typ: 'JWT' },
): string {
  return `${base64url(header)}.${base64url(claims)}.${base64url('signature-bytes-here')}`;
}

export { base64url };
