import { createServer, type Server } from 'node:http';
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

/**
 * A real identity provider's key set on a local port: serves a JWKS, counts fetches, and can be
 * made to go down (503), answer slowly, answer with something that is not JSON, or refuse
 * connections. Publishes new keys on demand and signs tokens with the matching private keys.
 */
export interface JwksServer {
  url: string;
  issuer: string;
  audience: string;
  fetches: () => number;
  /** Resolves once the server is in that mode (refusing or listening again). */
  mode: (mode: Mode) => Promise<void>;
  /** Adds a key with this kid to the published set; `sign` with that kid then uses it. */
  publishKey: (kid: string) => Promise<void>;
  sign: (
    claims?: JWTPayload,
    options?: {
      kid?: string;
      expiresIn?: string | number;
      omitExp?: boolean;
      notBefore?: string | number;
      issuedAt?: number;
    },
  ) => Promise<string>;
  publicPem: () => Promise<string>;
  stop: () => Promise<void>;
}

type Mode = 'up' | 'down' | 'slow' | 'not-json' | 'refuse';

export const ISSUER = 'https://idp.example.com/';
export const AUDIENCE = 'fixpath-agents';

export async function startJwksServer(slowMs = 2_000): Promise<JwksServer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const published: Array<Record<string, unknown>> = [
    { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' },
  ];
  const privateKeys = new Map<string, CryptoKey>([['k1', privateKey as CryptoKey]]);
  let fetches = 0;
  let mode: Mode = 'up';
  const server: Server = createServer((_request, response) => {
    fetches += 1;
    if (mode === 'down') {
      response.writeHead(503).end('down');
      return;
    }
    if (mode === 'not-json') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
      return;
    }
    const send = (): void => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: published }));
    };
    if (mode === 'slow') setTimeout(send, slowMs);
    else send();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  const refuse = (): Promise<void> =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  const listen = (): Promise<void> => new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    issuer: ISSUER,
    audience: AUDIENCE,
    fetches: () => fetches,
    async mode(next) {
      const wasRefusing = mode === 'refuse';
      mode = next;
      if (next === 'refuse' && !wasRefusing) await refuse();
      if (next !== 'refuse' && wasRefusing) await listen();
    },
    async publishKey(kid) {
      const pair = await generateKeyPair('RS256', { extractable: true });
      published.push({ ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' });
      privateKeys.set(kid, pair.privateKey as CryptoKey);
    },
    async sign(claims = {}, options = {}) {
      let builder = new SignJWT({ roles: ['support-agent'], iss: ISSUER, aud: AUDIENCE, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
        .setSubject('agent-7')
        .setIssuedAt(options.issuedAt);
      if (!options.omitExp) builder = builder.setExpirationTime(options.expiresIn ?? '10m');
      if (options.notBefore !== undefined) builder = builder.setNotBefore(options.notBefore);
      // A kid that was never published is signed with k1's key: only the kid is unknown.
      return builder.sign(privateKeys.get(options.kid ?? 'k1') ?? (privateKey as CryptoKey));
    },
    async publicPem() {
      const { exportSPKI } = await import('jose');
      return exportSPKI(publicKey as CryptoKey);
    },
    stop: () => (mode === 'refuse' ? Promise.resolve() : refuse()),
  };
}
