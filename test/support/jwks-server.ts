import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type CryptoKey } from 'jose';
import { createServer, type Server } from 'node:http';

/**
 * A real identity provider's key set on a local port: serves a JWKS, counts fetches, and can be
 * made to go down or answer slowly. Also signs tokens with the matching private key.
 */
export interface JwksServer {
  url: string;
  issuer: string;
  audience: string;
  fetches: () => number;
  mode: (mode: 'up' | 'down' | 'slow') => void;
  sign: (claims?: JWTPayload, options?: { kid?: string; expiresIn?: string | number; omitExp?: boolean; notBefore?: string | number }) => Promise<string>;
  publicPem: () => Promise<string>;
  stop: () => Promise<void>;
}

export const ISSUER = 'https://idp.example.com/';
export const AUDIENCE = 'fixpath-agents';

export async function startJwksServer(slowMs = 2_000): Promise<JwksServer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  let mode: 'up' | 'down' | 'slow' = 'up';
  const server: Server = createServer((_request, response) => {
    fetches += 1;
    if (mode === 'down') {
      response.writeHead(503).end('down');
      return;
    }
    const send = (): void => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    };
    if (mode === 'slow') setTimeout(send, slowMs);
    else send();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    issuer: ISSUER,
    audience: AUDIENCE,
    fetches: () => fetches,
    mode: (next) => {
      mode = next;
    },
    async sign(claims = {}, options = {}) {
      let builder = new SignJWT({ roles: ['support-agent'], iss: ISSUER, aud: AUDIENCE, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
        .setSubject('agent-7')
        .setIssuedAt();
      if (!options.omitExp) builder = builder.setExpirationTime(options.expiresIn ?? '10m');
      if (options.notBefore !== undefined) builder = builder.setNotBefore(options.notBefore);
      return builder.sign(privateKey as CryptoKey);
    },
    async publicPem() {
      const { exportSPKI } = await import('jose');
      return exportSPKI(publicKey as CryptoKey);
    },
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
