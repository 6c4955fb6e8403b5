import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createApp } from '../src/http/app.ts';
import { buildLibrary } from '../src/kb/library.ts';
import type { Cause } from '../src/kb/types.ts';
import { readArticleSources } from '../src/node/read-articles.ts';
import { EVAL_DIR } from './cases.ts';
import { readCorpus } from './corpus.ts';

interface Reply {
  reply: string;
  causes: Array<{ id: string }>;
  steps?: unknown[];
  question?: { id: string; text: string; options: string[] };
  handoff?: unknown;
  context: Record<string, unknown>;
}

type Turn = { role: 'user' | 'assistant'; text: string };

async function appWithBundledArticles() {
  const library = buildLibrary(
    await readArticleSources(join(import.meta.dirname ?? '.', '..', 'articles')),
    new Date(),
  );
  return { app: createApp({ library: () => library }), library };
}

async function send(
  app: ReturnType<typeof createApp>,
  messages: Turn[],
  context?: Record<string, unknown>,
): Promise<Reply> {
  const response = await app.request('/v1/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages, ...(context ? { context } : {}) }),
  });
  if (!response.ok) throw new Error(`chat answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Reply;
}

export interface DialogueResult {
  id: string;
  expect: string[];
  got: string;
  top1: boolean;
  vague: boolean;
  /** The first reply asked a question. */
  askedFirst: boolean;
  /** The first reply presented a cause's steps as the answer. */
  guessedFirst: boolean;
}

/** The scripted dialogues of ../shared/eval/dev/dialogs.jsonl, as the README there defines them. */
export async function runDialogues(): Promise<DialogueResult[]> {
  const { app } = await appWithBundledArticles();
  const lines = (await readFile(join(EVAL_DIR, 'dialogs.jsonl'), 'utf8')).split('\n').filter((line) => line.trim());
  const results: DialogueResult[] = [];
  for (const line of lines) {
    const dialogue = JSON.parse(line) as { id: string; vague_opening: boolean; turns: string[]; expect: string[] };
    const messages: Turn[] = [];
    let context: Record<string, unknown> | undefined;
    let first: Reply | undefined;
    let last: Reply | undefined;
    for (const turn of dialogue.turns) {
      messages.push({ role: 'user', text: turn });
      last = await send(app, messages, context);
      first ??= last;
      messages.push({ role: 'assistant', text: last.reply });
      context = last.context;
    }
    const none = dialogue.expect.includes('none');
    const got = last!.causes[0]?.id ?? (last!.handoff ? 'handoff' : 'none');
    results.push({
      id: dialogue.id,
      expect: dialogue.expect,
      got,
      top1: none ? !last!.causes.length || Boolean(last!.handoff) : dialogue.expect.includes(last!.causes[0]?.id ?? ''),
      vague: dialogue.vague_opening,
      askedFirst: Boolean(first!.question) && !first!.steps,
      guessedFirst: Boolean(first!.steps),
    });
  }
  return results;
}

export interface SimulationResult {
  cause: string;
  questions: number;
  reached: boolean;
}

const OPENING = 'Our calls to the API started failing with an authentication error.';

/**
 * A simulated customer for every cause: opens vaguely, then answers each question truthfully
 * from the cause's own declared answers ("Not sure" where it declares none), and says "No,
 * still failing" when offered another cause's steps. Counts the questions until the right
 * cause's steps are given.
 */
export async function runSimulations(maxTurns = 10): Promise<SimulationResult[]> {
  const { app, library } = await appWithBundledArticles();
  const results: SimulationResult[] = [];
  for (const cause of library.kb.causes.filter(
    (candidate) => library.kb.bySlug.get(candidate.articleSlug)?.visibility !== 'internal',
  )) {
    const { questions, reached } = await converse(app, OPENING, cause, maxTurns);
    results.push({ cause: cause.id, questions, reached });
  }
  return results;
}

/**
 * One conversation: the opening, then truthful answers from `cause`'s declared answers ("Not
 * sure" where it declares none), "No, still failing" when another cause's steps are offered.
 * Reached when the chat offers `cause`'s steps.
 */
async function converse(
  app: ReturnType<typeof createApp>,
  opening: string,
  cause: Cause,
  maxTurns: number,
): Promise<{ questions: number; wrongOffers: number; reached: boolean }> {
  const messages: Turn[] = [{ role: 'user', text: opening }];
  let context: Record<string, unknown> | undefined;
  let questions = 0;
  let wrongOffers = 0;
  for (let turn = 0; turn < maxTurns; turn += 1) {
    const reply = await send(app, messages, context);
    messages.push({ role: 'assistant', text: reply.reply });
    context = reply.context;
    if (reply.steps && (context as { offered?: string }).offered === cause.id)
      return { questions, wrongOffers, reached: true };
    if (!reply.question || reply.handoff) break;
    let answer: string;
    if (reply.question.id === 'fixed') {
      answer = 'No, still failing';
      wrongOffers += 1;
    } else if (reply.question.id === 'evidence') answer = "I don't have it";
    else {
      questions += 1;
      answer = cause.questions.find((question) => question.id === reply.question!.id)?.expect[0] ?? 'Not sure';
    }
    messages.push({ role: 'user', text: answer });
  }
  return { questions, wrongOffers, reached: false };
}

export interface ConversationResult {
  id: string;
  cause: string;
  questions: number;
  /** Other causes' steps offered (and turned down) before the right one. */
  wrongOffers: number;
  reached: boolean;
}

/**
 * The real-world corpus as conversations: each report that names a cause opens a chat, and a
 * customer who has that cause answers the questions truthfully from its declared answers and
 * turns down other causes' steps. Reached when the chat ends on the right cause's steps: how
 * far the questions carry a report the first answer got wrong or left open.
 */
export async function runCorpusConversations(maxTurns = 10): Promise<ConversationResult[]> {
  const { app, library } = await appWithBundledArticles();
  const results: ConversationResult[] = [];
  for (const entry of await readCorpus()) {
    const cause = entry.expect.map((id) => library.kb.byCauseId.get(id)).find((candidate) => candidate !== undefined);
    if (!cause) continue;
    const opening = typeof entry.input === 'string' ? entry.input : JSON.stringify(entry.input);
    results.push({ id: entry.id, cause: cause.id, ...(await converse(app, opening, cause, maxTurns)) });
  }
  return results;
}
