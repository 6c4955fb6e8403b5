import { ConfigError } from './limits.ts';

/**
 * Behind a reverse proxy the connection comes from the proxy, and the URL the request names is
 * the proxy's upstream (`http://127.0.0.1:8787`), not the one customers use. Two settings say
 * what to believe instead:
 *
 * - `PUBLIC_ORIGIN`: the origin customers and agents use (`https://help.example.com`). It is
 *   the service's own origin for the browser origin check, the base of absolute links and of
 *   problem `type` URIs.
 * - `TRUST_PROXY`: the addresses of the proxies allowed to speak for the client through
 *   `X-Forwarded-For`, `-Proto` and `-Host` (addresses, CIDR ranges, or `loopback`,
 *   `private`, `linklocal`). From anyone else those headers are ignored, so a client cannot
 *   pick its own rate-limit key by sending them.
 */

/** An address range: a network and the number of leading bits that must match. */
interface Range {
  family: 4 | 6;
  network: bigint;
  bits: number;
}

const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
};

/** Which peers may set the forwarded headers: none unless configured. */
export class ProxyTrust {
  private constructor(private readonly ranges: Range[]) {}

  static none(): ProxyTrust {
    return new ProxyTrust([]);
  }

  /** TRUST_PROXY: a comma-separated list of addresses, CIDR ranges and the names above. */
  static parse(value: string | undefined): ProxyTrust {
    const ranges: Range[] = [];
    for (const raw of (value ?? '').split(',')) {
      const item = raw.trim().toLowerCase();
      if (!item) continue;
      for (const range of NAMED_RANGES[item] ?? [item]) {
        const parsed = parseRange(range);
        if (!parsed)
          throw new ConfigError(
            `TRUST_PROXY: "${raw.trim()}" is not an address, a CIDR range (10.0.0.0/8, fd00::/8) or one of ${Object.keys(NAMED_RANGES).join(', ')}`,
          );
        ranges.push(parsed);
      }
    }
    return new ProxyTrust(ranges);
  }

  get enabled(): boolean {
    return this.ranges.length > 0;
  }

  trusts(address: string | undefined): boolean {
    const parsed = address === undefined ? null : parseAddress(address);
    if (!parsed) return false;
    return this.ranges.some(
      (range) =>
        range.family === parsed.family &&
        (parsed.value ^ range.network) >> BigInt(widthOf(range.family) - range.bits) === 0n,
    );
  }
}

function widthOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function parseRange(text: string): Range | null {
  const slash = text.indexOf('/');
  const address = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!address) return null;
  const width = widthOf(address.family);
  const bits = slash < 0 ? width : Number(text.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > width || (slash >= 0 && !/^\d{1,3}$/.test(text.slice(slash + 1))))
    return null;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { family: address.family, network: address.value & mask, bits };
}

/** An IPv4 or IPv6 address as a number; IPv4-mapped IPv6 (`::ffff:127.0.0.1`, as Node reports dual-stack peers) is IPv4. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | null {
  const address = text
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%[\w.-]{1,32}$/, '');
  if (address.length === 0 || address.length > 45) return null;
  if (!address.includes(':')) {
    const value = parseIpv4(address);
    return value === null ? null : { family: 4, value };
  }
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) {
    const value = parseIpv4(mapped[1]!);
    return value === null ? null : { family: 4, value };
  }
  const value = parseIpv6(address);
  return value === null ? null : { family: 6, value };
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  let head = text;
  let tail = '';
  const gap = text.indexOf('::');
  if (gap >= 0) {
    if (text.indexOf('::', gap + 1) >= 0) return null;
    head = text.slice(0, gap);
    tail = text.slice(gap + 2);
  }
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  let headGroups = groups(head);
  let tailGroups = groups(tail);
  // A trailing dotted quad (::ffff:1.2.3.4 in other spellings, 64:ff9b::1.2.3.4) is two groups.
  const last = (gap >= 0 ? tailGroups : headGroups).at(-1);
  if (last?.includes('.')) {
    const v4 = parseIpv4(last);
    if (v4 === null) return null;
    const pair = [((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16)];
    if (gap >= 0) tailGroups = [...tailGroups.slice(0, -1), ...pair];
    else headGroups = [...headGroups.slice(0, -1), ...pair];
  }
  const missing = 8 - headGroups.length - tailGroups.length;
  if ((gap < 0 && missing !== 0) || (gap >= 0 && missing < 1)) return null;
  let value = 0n;
  for (const group of [...headGroups, ...Array<string>(gap >= 0 ? missing : 0).fill('0'), ...tailGroups]) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

/** PUBLIC_ORIGIN: one exact origin (scheme, host, port), or nothing to use each request's own. */
export function readPublicOrigin(value: string | undefined): string | null {
  const raw = value?.trim();
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PUBLIC_ORIGIN: "${raw}" is not a URL such as https://help.example.com`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== raw.replace(/\/$/, '')) {
    throw new ConfigError(
      `PUBLIC_ORIGIN: "${raw}" must be an exact http(s) origin (scheme, host and port, no path), such as https://help.example.com`,
    );
  }
  return url.origin;
}

export interface ProxySettings {
  publicOrigin: string | null;
  trust: ProxyTrust;
}
