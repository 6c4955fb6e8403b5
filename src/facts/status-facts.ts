import { MAX_BODY_SCAN } from './scan-limits.ts';
import type { Fact, FactSet, ResponseRecord } from './types.ts';

/** Network failures that also leave status 0, and are not CORS. */
const NETWORK_ERROR =
  /net::ERR_(?:NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|CONNECTION_(?:REFUSED|RESET|TIMED_OUT|CLOSED)|INTERNET_DISCONNECTED|NETWORK_CHANGED|ADDRESS_UNREACHABLE|TIMED_OUT|CERT_[A-Z_]+|SSL_[A-Z_]+)|NET::ERR_CERT_[A-Z_]+|\b(?:ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|CERTIFICATE_VERIFY_FAILED|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED_CERT|SSLError|SSLHandshakeException|getaddrinfo)\b|NS_ERROR_(?:UNKNOWN_HOST|CONNECTION_REFUSED|NET_TIMEOUT)|certificate has expired|Name or service not known|Could not resolve host|No connection could be made because the target machine actively refused|connected party did not properly respond|\b(?:ConnectionRefused|HostNotFound|TimedOut) \(0x[0-9a-f]{1,8}\)|\bconnection refused\b|Connect call failed/i;

/** The network or TLS failure a text names (`net::ERR_NAME_NOT_RESOLVED`, `ECONNREFUSED`), as written. */
export function findNetworkError(text: string): string | undefined {
  return NETWORK_ERROR.exec(text.slice(0, MAX_BODY_SCAN))?.[0];
}

/** A response's status: an error status, no response at all (a browser policy such as CORS), or a network failure. */
export function readResponseStatus(
  response: ResponseRecord,
  set: FactSet,
  add: (fact: Fact) => void,
  entry: number,
): void {
  if (typeof response.status !== 'number') return;
  const network =
    response.status === 0 ? findNetworkError(`${response.statusText ?? ''} ${response.body ?? ''}`) : undefined;
  set.statuses.push({
    status: response.status,
    entry,
    inferred: false,
    ...(network !== undefined ? { network: true } : {}),
  });
  if (network !== undefined) {
    add({
      id: 'network.error',
      source: 'status',
      detail: `no response because the network failed (${network}), not because a browser policy blocked it`,
    });
  } else if (response.status === 0) {
    add({ id: 'status=0', source: 'status', detail: 'no response reached the client (status 0)' });
    add({
      id: 'cors.status-0',
      source: 'status',
      detail: 'the browser got no response (status 0): blocked by a browser policy such as CORS, or cancelled',
    });
  } else {
    add({
      id: `status=${response.status}`,
      source: 'status',
      detail: `response status ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    });
  }
}
