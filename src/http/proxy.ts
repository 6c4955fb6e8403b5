import { type ProxySettings, parseAddress } from '../config/proxy.ts';

/**
 * Who is on the other end of a request behind a reverse proxy, as far as PUBLIC_ORIGIN and
 * TRUST_PROXY (src/config/proxy.ts) allow the service to know.
 */

/** Who is on the other end, as far as the settings allow the service to know. */
export interface ClientView {
  /** The client's address: the rate-limit key. */
  address: string;
  /** The origin the client used to reach the service. */
  origin: string;
}

const MAX_FORWARDED_HOPS = 32;
const HOST = /^[a-z0-9.-]{1,253}(?::\d{1,5})?$|^\[[0-9a-f:.]{2,45}\](?::\d{1,5})?$/i;

/**
 * The client's address and the origin it used. `peer` is the address the connection came from
 * (Node's socket; on Workers, Cloudflare's `CF-Connecting-IP`). When the peer is a trusted
 * proxy, X-Forwarded-For is read from the right, past every trusted proxy, to the first address
 * that is not one: the client (addresses further left are whatever the client claimed).
 */
export function clientView(request: Request, peer: string | undefined, settings: ProxySettings): ClientView {
  const trusted = settings.trust.trusts(peer);
  let address = peer ?? 'unknown';
  if (trusted) {
    const hops = (request.headers.get('x-forwarded-for') ?? '')
      .split(',')
      .slice(-MAX_FORWARDED_HOPS)
      .map((hop) => hop.trim())
      .filter(Boolean);
    for (let index = hops.length - 1; index >= 0; index -= 1) {
      const hop = hops[index]!;
      if (!parseAddress(hop)) break;
      address = hop;
      if (!settings.trust.trusts(hop)) break;
    }
  }
  return { address, origin: settings.publicOrigin ?? forwardedOrigin(request, trusted) ?? new URL(request.url).origin };
}

function forwardedOrigin(request: Request, trusted: boolean): string | null {
  if (!trusted) return null;
  const first = (name: string): string | undefined => request.headers.get(name)?.split(',')[0]?.trim();
  const proto = first('x-forwarded-proto')?.toLowerCase();
  const forwardedHost = first('x-forwarded-host');
  if (!proto && !forwardedHost) return null;
  const host = forwardedHost ?? request.headers.get('host') ?? undefined;
  const scheme = proto === 'https' || proto === 'http' ? proto : new URL(request.url).protocol.slice(0, -1);
  if (!host || !HOST.test(host)) return null;
  return new URL(`${scheme}://${host}`).origin;
}
