import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../../config/parse-config.ts';
import { openLocalEventStore } from '../local-event-store.ts';
import { flushLog, log } from '../log.ts';
import { isWorkerMessage, type PrimaryMessage } from './messages.ts';
import { CrashHistory } from './restart-policy.ts';
import { SharedServices } from './shared-services.ts';

/**
 * The argument the primary starts its workers with: a process that is some other supervisor's
 * cluster worker (pm2's cluster mode) has not got it, and serves as one process.
 */
export const WORKER_ARGUMENT = '--fixpath-cluster-worker';

/** Whether this process is a worker this project's primary started. */
export const isOurWorker = (): boolean => cluster.isWorker && process.argv.includes(WORKER_ARGUMENT);

/** Past the workers' own shutdown deadline, how long the primary waits before it kills one that has not exited. */
export const WORKER_EXIT_GRACE_MS = 5_000;

export interface ClusterPaths {
  /** The file each worker runs: the server's entry (src/node.ts, or dist/server.js when built). */
  entry: string;
  migrationsDir: string;
}

/**
 * The cluster's primary: forks `WORKERS` workers that share the port (Node's cluster hands each
 * new connection to the next worker), holds what must be one for all of them (rate-limit
 * budgets, the event store with its upkeep, the log's one writer) and answers their questions,
 * replaces a worker that dies (see restart-policy.ts), and on SIGTERM or SIGINT passes the
 * signal on, waits for every worker to finish its requests and exit, writes the last events and
 * exits. It serves no HTTP itself.
 */
export function runPrimary(config: Config, paths: ClusterPaths): void {
  const { server } = config;
  const count = server.workers;
  const events = openLocalEventStore(config.analytics, paths.migrationsDir);
  const crashes = new CrashHistory();
  const ready = new Set<number>();
  const restarts = new Set<ReturnType<typeof setTimeout>>();
  let announced = false;
  let stopping: { started: number; exitCode: number; killed: number[] } | null = null;
  let killTimer: ReturnType<typeof setTimeout> | undefined;

  const send = (worker: Worker | undefined, message: PrimaryMessage): void => {
    // A worker that died meanwhile cannot be told anything: its answers are dropped.
    if (worker?.isConnected()) worker.send(message, () => {});
  };
  const services = new SharedServices(events, {
    // Only a listening worker can have served a request, and so have events to send.
    ids: () => [...ready],
    send: (id, message) => send(cluster.workers?.[id], message),
  });

  const heard = (worker: Worker, message: unknown): void => {
    if (!isWorkerMessage(message)) return;
    switch (message.fixpath) {
      case 'log':
        // Whole lines from one process at a time: the workers' lines never interleave.
        flushLog();
        process.stdout.write(message.text);
        return;
      case 'ready':
        ready.add(worker.id);
        log({ level: 'info', event: 'worker-ready', worker: worker.id, pid: worker.process.pid });
        if (!announced && ready.size >= count) {
          announced = true;
          log({
            level: 'info',
            event: 'listening',
            url: message.url,
            workers: count,
            articles: message.articles,
            causes: message.causes,
            articlesDir: message.articlesDir,
          });
        }
        return;
      default:
        services.heard(worker.id, message, (answer) => send(worker, answer));
    }
  };

  const fork = (): void => {
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => heard(worker, message));
    // A send to a worker that just died must not take the primary down.
    worker.process.on('error', () => {});
  };

  const workersLeft = (): Worker[] => Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);

  const finish = async (): Promise<void> => {
    clearTimeout(killTimer);
    await events.close();
    const { started, exitCode, killed } = stopping!;
    log({
      level: exitCode === 0 ? 'info' : 'error',
      event: 'stopped',
      workers: count,
      ...(killed.length > 0 ? { killedWorkers: killed } : {}),
      durationMs: Math.round(performance.now() - started),
    });
    flushLog();
    process.exit(exitCode);
  };

  /** Pass the signal to every worker, and exit once all have. */
  const stop = (signal: NodeJS.Signals, exitCode: number): void => {
    if (stopping) return;
    stopping = { started: performance.now(), exitCode, killed: [] };
    for (const timer of restarts) clearTimeout(timer);
    restarts.clear();
    const workers = workersLeft();
    log({
      level: 'info',
      event: 'shutting-down',
      signal,
      workers: workers.length,
      deadlineMs: server.shutdownTimeoutMs,
    });
    for (const worker of workers) worker.process.kill(signal);
    killTimer = setTimeout(() => {
      for (const worker of workersLeft()) {
        stopping!.killed.push(worker.id);
        stopping!.exitCode = 1;
        log({
          level: 'error',
          event: 'worker-killed',
          worker: worker.id,
          message: 'did not exit after its shutdown deadline',
        });
        worker.process.kill('SIGKILL');
      }
    }, server.shutdownTimeoutMs + WORKER_EXIT_GRACE_MS);
    if (workers.length === 0) void finish();
  };

  cluster.on('exit', (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    services.forget(worker.id);
    if (stopping) {
      if (workersLeft().length === 0) void finish();
      return;
    }
    const exit = { worker: worker.id, pid: worker.process.pid, code, signal };
    if (!announced && !wasReady) {
      log({
        level: 'error',
        event: 'start-failed',
        ...exit,
        message: `worker ${worker.id} exited before it was listening; its own log line says why`,
      });
      stop('SIGTERM', 1);
      return;
    }
    const decision = crashes.crashed(performance.now());
    if ('giveUp' in decision) {
      log({
        level: 'error',
        event: 'workers-crash-loop',
        ...exit,
        message: `${decision.crashes} workers died within a minute: not replacing them; stopping the cluster`,
      });
      stop('SIGTERM', 1);
      return;
    }
    log({ level: 'error', event: 'worker-exited', ...exit, restartInMs: decision.restartInMs });
    const timer = setTimeout(() => {
      restarts.delete(timer);
      fork();
    }, decision.restartInMs);
    restarts.add(timer);
  });

  cluster.setupPrimary({ exec: paths.entry, args: [WORKER_ARGUMENT] });
  log({ level: 'info', event: 'cluster-starting', workers: count, pid: process.pid });
  for (let index = 0; index < count; index += 1) fork();
  process.on('SIGINT', (signal) => stop(signal, 0));
  process.on('SIGTERM', (signal) => stop(signal, 0));
}
