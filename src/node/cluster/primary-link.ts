import {
  isPrimaryMessage,
  type PrimaryMessage,
  type QuestionKind,
  type Questions,
  type WorkerMessage,
} from './messages.ts';

/** The IPC end a worker holds: `process` in a cluster worker, a stand-in in tests. */
export interface IpcPort {
  send?: ((message: WorkerMessage, callback: (error: Error | null) => void) => boolean) | undefined;
  connected?: boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Questions a worker may have in flight at once; past this the primary is taken to be stuck. */
export const MAX_QUESTIONS_IN_FLIGHT = 10_000;

/** Why a question got no answer: none in time, too many waiting, or no channel to the primary. */
export class NoAnswer extends Error {
  override readonly name = 'NoAnswer';
  constructor(
    readonly reason: 'timeout' | 'overloaded' | 'disconnected',
    message: string,
  ) {
    super(message);
  }
}

interface Waiting {
  settle: (message: PrimaryMessage & { fixpath: 'answer' }) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A worker's line to the primary: questions (with an id, answered by id, each with its own
 * deadline, so a stuck primary delays a request by that much at most) and one-way messages.
 * Node's IPC channel keeps order, so an answer also proves that every message sent before the
 * question has arrived.
 */
export class PrimaryLink {
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();
  private readonly listeners: Array<(message: PrimaryMessage) => void> = [];

  constructor(private readonly port: IpcPort) {
    port.on('message', (message) => {
      if (!isPrimaryMessage(message)) return;
      if (message.fixpath === 'answer') {
        const waiting = this.waiting.get(message.id);
        if (!waiting) return;
        this.waiting.delete(message.id);
        clearTimeout(waiting.timer);
        waiting.settle(message);
        return;
      }
      for (const listener of this.listeners) listener(message);
    });
  }

  /** Ask and wait at most `timeoutMs`; rejects with NoAnswer, or with the primary's error. */
  ask<K extends QuestionKind>(
    kind: K,
    question: Questions[K]['ask'],
    timeoutMs: number,
  ): Promise<Questions[K]['answer']> {
    if (this.waiting.size >= MAX_QUESTIONS_IN_FLIGHT)
      return Promise.reject(
        new NoAnswer('overloaded', `${MAX_QUESTIONS_IN_FLIGHT} questions to the primary are already waiting`),
      );
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new NoAnswer('timeout', `the primary did not answer "${kind}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        settle: (message) =>
          'error' in message
            ? reject(new Error(`the primary could not answer "${kind}": ${message.error}`))
            : resolve(message.answer as Questions[K]['answer']),
        timer,
      });
      if (!this.tell({ fixpath: 'ask', id, kind, question })) {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(new NoAnswer('disconnected', 'the channel to the primary is closed'));
      }
    });
  }

  /** Send without waiting; false when the channel is closed. */
  tell(message: WorkerMessage, sent?: () => void): boolean {
    if (!this.port.send || this.port.connected === false) return false;
    try {
      this.port.send(message, () => sent?.());
      return true;
    } catch {
      return false;
    }
  }

  /** Messages the primary sends unasked (its queue of events). */
  onMessage(listener: (message: PrimaryMessage) => void): void {
    this.listeners.push(listener);
  }

  /** Questions waiting for an answer. */
  get inFlight(): number {
    return this.waiting.size;
  }
}
