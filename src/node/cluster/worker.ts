import cluster from 'node:cluster';
import type { Config } from '../../config/parse-config.ts';
import type { InsightsSetting } from '../../http/insights-routes.ts';
import { startHttpService } from '../http-service.ts';
import { flushLogAndWait, log, logAsWorker } from '../log.ts';
import { ForwardedEventStore } from './forwarded-event-store.ts';
import { PrimaryLink } from './primary-link.ts';
import { SharedRateLimits } from './shared-rate-limits.ts';

/** Longest an exiting worker waits for its last log lines and events to reach the primary. */
export const LAST_WORDS_MS = 2_000;

/**
 * One worker of a cluster: the same HTTP server as a single process, with the rate-limit
 * budgets and the event store reached through the primary, and its log lines (each naming the
 * worker) written by the primary. It reads and watches the articles folder itself, so a change
 * reaches every worker without passing through the primary. On SIGTERM or SIGINT (from the
 * primary, or from a service manager signalling the whole group) it answers what is in flight
 * and exits; so it does when the primary dies (Node's cluster ends an orphaned worker).
 */
export async function runWorker(config: Config): Promise<void> {
  const id = cluster.worker!.id;
  const link = new PrimaryLink(process);
  const { analytics } = config;
  const store = analytics.enabled
    ? new ForwardedEventStore(link, { retention: { eventDays: analytics.eventDays, dailyDays: analytics.dailyDays } })
    : null;
  const insights: InsightsSetting = store ? { store, excerpts: analytics.excerpts } : { off: 'ANALYTICS=off' };
  logAsWorker(id, {
    write: (text) => void link.tell({ fixpath: 'log', text }),
    // The channel keeps order: the primary's answer to a flush means it has every line and
    // event this worker sent before.
    delivered: () =>
      (store ? store.flush() : link.ask('flush', {}, LAST_WORDS_MS)).then(
        () => {},
        () => {},
      ),
  });
  const rateLimitStore = new SharedRateLimits(link, (unanswered, reason) =>
    log({
      level: 'warn',
      event: 'rate-limits-unanswered',
      unanswered,
      message: `${reason}: ${unanswered === 1 ? 'a request was' : `${unanswered} requests were`} served without its rate limit (fail-open)`,
    }),
  );
  const service = await startHttpService(config, {
    insights,
    rateLimitStore,
    listening: ({ url, articlesDir }, library) =>
      link.tell({
        fixpath: 'ready',
        url,
        articles: library.kb.articles.length,
        causes: library.kb.causes.length,
        articlesDir,
      }),
  });

  let closing = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) return;
    closing = true;
    const started = performance.now();
    log({ level: 'info', event: 'shutting-down', signal, deadlineMs: config.server.shutdownTimeoutMs });
    const { cut } = await service.stop();
    log({
      level: cut ? 'warn' : 'info',
      event: 'stopped',
      cutConnections: cut,
      durationMs: Math.round(performance.now() - started),
    });
    await flushLogAndWait();
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void shutdown(signal));
  process.on('SIGTERM', (signal) => void shutdown(signal));
}
