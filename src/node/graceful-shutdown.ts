import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';

export interface ShutdownTiming {
  /** Time left to in-flight requests; then every remaining connection is cut. */
  deadlineMs: number;
  /** Time idle keep-alive connections stay open for a request already on its way. */
  idleGraceMs: number;
}

/**
 * Stop an HTTP server without cutting a request it has begun to read, and within a deadline
 * whatever clients do: it stops accepting connections at once; requests in flight are
 * answered (the response says `Connection: close`, see lingering-response.ts); idle keep-alive
 * connections are closed after a short grace, in which a request that was already on its way
 * is answered rather than reset; at the deadline every remaining socket (a half-sent head, a
 * body trickling in) is destroyed. Resolves once no connection is left, saying whether the
 * deadline had to cut any.
 */
export function closeGracefully(server: Server, timing: ShutdownTiming): Promise<{ cut: boolean }> {
  return new Promise((resolve) => {
    const idle = setTimeout(() => server.closeIdleConnections(), Math.min(timing.idleGraceMs, timing.deadlineMs));
    const deadline = setTimeout(() => {
      clearTimeout(idle);
      server.closeAllConnections();
      resolve({ cut: true });
    }, timing.deadlineMs);
    // net's close stops accepting without http's close destroying idle connections at once,
    // and leaves Node's head and request timeouts running during the shutdown.
    NetServer.prototype.close.call(server, () => {
      clearTimeout(idle);
      clearTimeout(deadline);
      resolve({ cut: false });
    });
  });
}
