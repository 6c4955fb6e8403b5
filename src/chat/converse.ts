import { articleRef, type CauseAnswer, type DiagnoseContext, diagnose, summarise } from '../diagnose/diagnose.ts';
import type { DiagnoseInput, ErrorInput } from '../diagnose/observe-input.ts';
import type { CauseScores } from '../diagnose/score-causes.ts';
import type { KnowledgeBase } from '../kb/knowledge-base.ts';
import type { Cause, CauseQuestion } from '../kb/types.ts';
import { isNegation, termsOf, tokenize } from '../kb/vocabulary.ts';
import { Redactor } from '../redact/redactor.ts';
import { bestQuestion, likelihood, normalise, type Posterior } from './information.ts';

/**
 * Guided troubleshooting: each turn re-reads everything the person said, weighs the causes
 * with the knowledge base's own signals and the answers given so far, and either gives the
 * steps of the cause it is sure of, asks the one question that best separates the rest, or
 * hands over to a person. Every statement comes from an article or from the person's own
 * evidence. The server keeps nothing between turns: the state travels in `context`.
 */

export interface ChatMessage {
  role: 'user' | 'assistant';
  text?: string | undefined;
  error?: ErrorInput | undefined;
  har?: unknown;
}

export interface ChatContext {
  /** Answers given, by question id: one of the question's options, or "unknown". */
  answers: Record<string, string>;
  /** Questions asked, in order. */
  asked: string[];
  /** Causes whose steps were given and did not help. */
  tried: string[];
  /** The cause whose steps were just given, awaiting "did it work?". */
  offered?: string | undefined;
  /** The question just asked, awaiting its answer. */
  pending?: string | undefined;
  /** Whether the person was already asked for the error response or a capture. */
  evidenceAsked?: boolean | undefined;
}

export interface ChatReply {
  reply: string;
  causes: CauseAnswer[];
  steps?: Array<{ id: string; title: string; markdown: string }>;
  question?: { id: string; text: string; options: string[] };
  handoff?: { summary: string; ticket: string };
  resolved?: boolean;
  context: ChatContext;
}

/** How sure the chat must be before it gives a cause's steps. */
export const OFFER_AT = 0.6;
/** Below this expected gain (bits) a question is not worth the customer's time. */
const MIN_GAIN = 0.2;
/** Most questions in one conversation before asking for evidence or a person. */
const MAX_QUESTIONS = 6;
/** Scores become a prior through a softmax at this temperature (score points per e-fold). */
const TEMPERATURE = 1.5;

const FIXED = {
  id: 'fixed',
  text: 'Did that fix it?',
  options: ['Yes, it works now', 'No, still failing', 'Talk to a person'],
};
const EVIDENCE = {
  id: 'evidence',
  text: 'Could you paste the exact error response (status, the WWW-Authenticate header and the body), or attach a HAR capture of the failing call?',
  options: ["I don't have it", 'Talk to a person'],
};
const HANDOFF =
  /\b(talk|speak|chat)\s+(to|with)\s+(a\s+)?(person|human|someone|agent|support)|\b(real|human)\s+(person|agent)\b|\bopen\s+a\s+ticket\b|\bhandoff\b/i;
const YES = /^\s*(yes|yeah|yep|yup|it (does|did|works)|works now|fixed|solved|correct|right|exactly|sure)\b/i;
const NO = /^\s*(no|nope|nah|not really|still (failing|broken|not)|didn'?t|doesn'?t|it (does not|did not))\b/i;
const UNKNOWN = /\b(don'?t know|not sure|no idea|unsure|can'?t tell)\b/i;

export interface ChatDeps {
  kb: KnowledgeBase;
  diagnoseContext: Omit<DiagnoseContext, 'inspect'>;
  /** The origin article links in replies start with: replies are shown on customers' own sites, where a root-relative link would lead nowhere. */
  linkBase?: string;
  /** Told each diagnosis the turn makes, with every cause's score (the event store records its facts). */
  observe?: (diagnosis: ReturnType<typeof diagnose>, scores: CauseScores | undefined) => void;
}

export function converse(messages: ChatMessage[], sent: ChatContext, deps: ChatDeps): ChatReply {
  const questions = questionCatalogue(deps.kb);
  const context = knownContext(sent, questions, deps.kb);
  const state: ChatContext = {
    answers: { ...context.answers },
    asked: [...context.asked],
    tried: [...context.tried],
    evidenceAsked: context.evidenceAsked,
  };
  const users = messages.filter((message) => message.role === 'user');
  const last = users.at(-1);
  const lastText = last?.text?.trim() ?? '';

  if (HANDOFF.test(lastText))
    return handoff(users, state, deps, 'Of course. I have summarised the conversation for a support agent.');

  // What the last message answers: the fix we offered, or the question we asked.
  let evidenceTexts = users.map((message) => message.text?.trim() ?? '').filter(Boolean);
  if (context.offered) {
    if (YES.test(lastText)) {
      return {
        reply: 'Great, glad it works now. If it comes back, tell me what changed.',
        causes: [],
        resolved: true,
        context: { ...state, offered: undefined, pending: undefined },
      };
    }
    if (NO.test(lastText) || UNKNOWN.test(lastText)) {
      state.tried.push(context.offered);
      evidenceTexts = evidenceTexts.slice(0, -1);
    }
  } else if (context.pending) {
    const question = questions.get(context.pending);
    if (question) {
      const answer = matchOption(lastText, question.options, question.hints);
      state.answers[question.id] = answer ?? 'unknown';
      // A quick reply ("Not sure" included) is an answer, not a description of the problem.
      if (
        answer === lastText ||
        UNKNOWN.test(lastText) ||
        question.options.some((option) => option.toLowerCase() === lastText.toLowerCase())
      )
        evidenceTexts = evidenceTexts.slice(0, -1);
    } else if ((context.pending === EVIDENCE.id && UNKNOWN.test(lastText)) || /don'?t have/i.test(lastText)) {
      evidenceTexts = evidenceTexts.slice(0, -1);
    }
  }

  const { posterior, diagnosis, positive, notAuth } = weigh(evidenceTexts, users, state, questions, deps);
  const causes = posterior
    .slice(0, 3)
    .map(({ cause, probability }) => answerFor(cause, probability, diagnosis, deps.kb));

  const [leader] = posterior;
  // A lookalike the evidence points to is an answer too: say what it is rather than hand over blind.
  if (leader && leader.cause.kind === 'lookalike' && diagnosis.causes[0]?.id === leader.cause.id)
    return offer(leader.cause, leader.probability, causes, state, deps.kb, diagnosis, deps.linkBase);
  if (notAuth || !positive) {
    if (!positive && !notAuth && state.asked.length === 0 && !context.pending) {
      // Something about access, but nothing to go on yet: start with the best question.
      const question = bestQuestion(posterior, questions, state);
      if (question) return ask(question, state, [], "Let's narrow it down.");
    }
    return {
      ...handoff(
        users,
        state,
        deps,
        "This doesn't look like an authentication or access problem I can diagnose. Try searching the help articles, or a support agent can take it from here.",
      ),
      causes: [],
    };
  }

  const [top] = posterior;
  if (top && top.probability >= OFFER_AT)
    return offer(top.cause, top.probability, causes, state, deps.kb, diagnosis, deps.linkBase);

  const question = state.asked.length < MAX_QUESTIONS ? bestQuestion(posterior, questions, state) : null;
  if (question && question.gain >= MIN_GAIN) return ask(question, state, causes, '');
  const hasEvidence = users.some((message) => message.error || message.har) || diagnosis.causes.length > 0;
  if (!state.evidenceAsked && !hasEvidence) {
    state.evidenceAsked = true;
    return {
      reply: EVIDENCE.text,
      causes,
      question: EVIDENCE,
      context: { ...state, pending: EVIDENCE.id, offered: undefined },
    };
  }
  if (top && top.probability >= 0.3)
    return offer(top.cause, top.probability, causes, state, deps.kb, diagnosis, deps.linkBase);
  return handoff(
    users,
    state,
    deps,
    "I can't tell the cause apart with what we have. A support agent can take it from here; here is a summary for them.",
  );
}

interface Weighed {
  posterior: Posterior;
  diagnosis: ReturnType<typeof diagnose>;
  /** Whether anything the person said points at any cause at all. */
  positive: boolean;
  /** Whether the input is clearly something else (a how-to question, a network failure). */
  notAuth: boolean;
}

/** The causes' probabilities: the diagnosis's scores as a prior, times every answer's likelihood. */
function weigh(
  texts: string[],
  users: ChatMessage[],
  state: ChatContext,
  questions: Map<string, CauseQuestion>,
  deps: ChatDeps,
): Weighed {
  const error = [...users].reverse().find((message) => message.error)?.error;
  const har = [...users].reverse().find((message) => message.har !== undefined)?.har;
  const input: DiagnoseInput = {
    ...(texts.length ? { text: texts.join('\n') } : {}),
    ...(error ? { error } : {}),
    ...(har !== undefined ? { har } : {}),
  };
  let scores: CauseScores | undefined;
  let facts = new Set<string>();
  const diagnosis =
    input.text || input.error || input.har !== undefined
      ? diagnose(input, {
          ...deps.diagnoseContext,
          inspect: (all, ids) => {
            scores = all;
            facts = ids;
          },
        })
      : {
          summary: summarise([]),
          input: { kind: 'text' as const, entries: 0, failing: 0 },
          causes: [],
          findings: [],
          articles: [],
        };
  deps.observe?.(diagnosis, scores);
  const visible = deps.kb.causes.filter(
    (cause) =>
      (deps.diagnoseContext.includeInternal || deps.kb.bySlug.get(cause.articleSlug)?.visibility !== 'internal') &&
      !state.tried.includes(cause.id),
  );
  const best = Math.max(0, ...visible.map((cause) => scores?.get(cause.id) ?? 0));
  const weights = visible.map((cause) => {
    let weight = Math.exp(((scores?.get(cause.id) ?? 0) - best) / TEMPERATURE);
    for (const [id, answer] of Object.entries(state.answers)) {
      if (answer !== 'unknown' && questions.has(id)) weight *= likelihood(cause, questions.get(id)!, answer);
    }
    return { cause, probability: weight };
  });
  const positive =
    [...(scores?.values() ?? [])].some((score) => score > 0) ||
    Object.values(state.answers).some((answer) => answer !== 'unknown');
  return {
    posterior: normalise(weights),
    diagnosis,
    positive,
    notAuth: facts.has('text.how-to') || facts.has('network.error'),
  };
}

/** Every question the knowledge base declares, once, by id. */
/**
 * The context as the chat itself could have written it: answers that are options of known
 * questions, known question and cause ids. Anything else a client put there (free text, a
 * pasted token) is dropped, so it is neither trusted nor sent back.
 */
function knownContext(context: ChatContext, questions: Map<string, CauseQuestion>, kb: KnowledgeBase): ChatContext {
  const isQuestion = (id: string | undefined): id is string =>
    id !== undefined && (questions.has(id) || id === EVIDENCE.id);
  const isCause = (id: string | undefined): id is string => id !== undefined && kb.byCauseId.has(id);
  const answers = new Map<string, string>();
  for (const [id, answer] of Object.entries(context.answers)) {
    const options = questions.get(id)?.options;
    if (options && (answer === 'unknown' || options.includes(answer))) answers.set(id, answer);
  }
  return {
    answers: Object.fromEntries(answers),
    asked: context.asked.filter(isQuestion),
    tried: context.tried.filter(isCause),
    offered: isCause(context.offered) ? context.offered : undefined,
    pending: isQuestion(context.pending) ? context.pending : undefined,
    evidenceAsked: context.evidenceAsked,
  };
}

function questionCatalogue(kb: KnowledgeBase): Map<string, CauseQuestion> {
  const questions = new Map<string, CauseQuestion>();
  for (const cause of kb.causes) {
    for (const question of cause.questions) {
      const known = questions.get(question.id);
      if (!known) questions.set(question.id, { ...question, hints: { ...question.hints } });
      // Hints declared anywhere serve the one question.
      else
        for (const [option, phrases] of Object.entries(question.hints ?? {}))
          known.hints![option] = [...(known.hints![option] ?? []), ...phrases];
    }
  }
  return questions;
}

/** A quick reply is one of the options word for word; free text is matched by the words it shares with an option. */
export function matchOption(text: string, options: string[], hints: Record<string, string[]> = {}): string | undefined {
  const exact = options.find((option) => option.toLowerCase() === text.toLowerCase());
  if (exact) return exact;
  if (UNKNOWN.test(text)) return undefined;
  // The phrases people answer an option with, as the articles declare them, word by word.
  const said = ` ${termsOf(text, true).join(' ')} `;
  const hinted = options.filter((option) =>
    (hints[option] ?? []).some((phrase) => {
      const terms = termsOf(phrase, true);
      return terms.length > 0 && said.includes(` ${terms.join(' ')} `);
    }),
  );
  if (hinted.length === 1) return hinted[0];
  const negated = tokenize(text).some(isNegation);
  // Free text counts as an answer only when it clearly picks one option; otherwise it is
  // evidence for the diagnosis, which reads every word of it anyway.
  const words = new Set(termsOf(text));
  const scored = options
    .map((option) => {
      const terms = termsOf(option);
      return { option, score: terms.filter((term) => words.has(term)).length / Math.max(1, terms.length) };
    })
    .sort((a, b) => b.score - a.score);
  const [best, second] = scored;
  if (!best || best.score < 0.5 || best.score - (second?.score ?? 0) < 0.25) return undefined;
  // "never worked" is not "It worked, then failed": a negation must be the option's too.
  return negated && !tokenize(best.option).some(isNegation) ? undefined : best.option;
}

function ask(
  question: { question: CauseQuestion; gain: number },
  state: ChatContext,
  causes: CauseAnswer[],
  lead: string,
): ChatReply {
  state.asked.push(question.question.id);
  const text = question.question.ask;
  return {
    reply: `${lead ? `${lead} ` : ''}${text}`,
    causes,
    question: { id: question.question.id, text, options: [...question.question.options, 'Not sure'] },
    context: { ...state, pending: question.question.id, offered: undefined },
  };
}

function offer(
  cause: Cause,
  probability: number,
  causes: CauseAnswer[],
  state: ChatContext,
  kb: KnowledgeBase,
  diagnosis: ReturnType<typeof diagnose>,
  linkBase = '',
): ChatReply {
  const article = kb.bySlug.get(cause.articleSlug)!;
  const steps = cause.stepIds
    .map((id) => article.steps.find((step) => step.id === id)!)
    .filter(Boolean)
    .map((step) => ({ id: step.id, title: step.title, markdown: step.markdown }));
  const evidence =
    diagnosis.causes
      .find((candidate) => candidate.id === cause.id)
      ?.evidence.slice(0, 3)
      .map((item) => `- ${item.detail}`) ?? [];
  const sure = `${Math.round(probability * 100)}% sure`;
  const lead =
    cause.kind === 'lookalike'
      ? `This is not an authentication problem: it looks like **${cause.title.toLowerCase()}** (${sure}). ${cause.description}`
      : `This looks like **${cause.title.toLowerCase()}** (${sure}). ${cause.description}`;
  const reply = [
    lead,
    ...(evidence.length ? ['', 'What points to it:', ...evidence] : []),
    '',
    `Steps, from [${article.title}](${linkBase}/articles/${article.slug}):`,
    ...steps.map((step, index) => `${index + 1}. ${step.title}`),
  ].join('\n');
  return { reply, causes, steps, question: FIXED, context: { ...state, offered: cause.id, pending: undefined } };
}

function answerFor(
  cause: Cause,
  probability: number,
  diagnosis: ReturnType<typeof diagnose>,
  kb: KnowledgeBase,
): CauseAnswer {
  const found = diagnosis.causes.find((candidate) => candidate.id === cause.id);
  if (found) return { ...found, confidence: Math.round(probability * 100) / 100 };
  const article = kb.bySlug.get(cause.articleSlug)!;
  return {
    id: cause.id,
    kind: cause.kind,
    title: cause.title,
    confidence: Math.round(probability * 100) / 100,
    article: articleRef(article),
    evidence: [],
    steps: [],
  };
}

/** How much of one message the hand-off reads before cutting it to length. */
const HANDOFF_SCAN_CHARS = 65_536;

/** A summary an agent reads in ten seconds, and the same as a ticket. Secrets redacted. */
function handoff(users: ChatMessage[], state: ChatContext, deps: ChatDeps, lead: string): ChatReply {
  const redactor = new Redactor();
  // Redacted before it is cut, so no secret is cut into a piece the redactor cannot recognise.
  const clip = (text: string, length: number): string => {
    const clean = redactor.text(text.slice(0, HANDOFF_SCAN_CHARS), 'handoff');
    return clean.length > length ? `${clean.slice(0, length)}…` : clean;
  };
  const symptom = clip(users.find((message) => message.text?.trim())?.text?.trim() ?? '(no description)', 300);
  const { posterior, diagnosis } = weigh(
    users.map((message) => message.text ?? '').filter(Boolean),
    users,
    state,
    questionCatalogue(deps.kb),
    deps,
  );
  const facts = diagnosis.causes
    .flatMap((cause) => cause.evidence)
    .slice(0, 5)
    .map((item) => item.detail);
  // knownContext kept only answers that are options of known questions: nothing here to redact.
  const answered = Object.entries(state.answers).map(([id, answer]) => `${id}: ${answer}`);
  const tried = state.tried.map((id) => deps.kb.byCauseId.get(id)?.title ?? id);
  const candidates = posterior
    .filter((item) => item.probability >= 0.05)
    .slice(0, 3)
    .map((item) => `${item.cause.title} (${Math.round(item.probability * 100)}%)`);
  const summary = [
    `Symptom: ${symptom}`,
    `Facts: ${facts.length ? facts.join('; ') : 'none extracted'}`,
    `Answers: ${answered.length ? answered.join('; ') : 'none'}`,
    `Tried: ${tried.length ? tried.join('; ') : 'nothing yet'}`,
    `Candidates: ${candidates.length ? candidates.join('; ') : 'none'}`,
  ].join('\n');
  const ticket = `Subject: ${symptom.slice(0, 80)}\n\n${summary}\n\nConversation:\n${users.map((message) => `- ${clip(message.text ?? (message.error ? '[pasted error response]' : '[attached capture]'), 500)}`).join('\n')}\n`;
  return {
    reply: `${lead}\n\n${summary}`,
    causes: [],
    handoff: { summary, ticket },
    context: { ...state, pending: undefined, offered: undefined },
  };
}
