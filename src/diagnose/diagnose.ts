import { captureContextFacts } from '../facts/capture-context.ts';
import { type ErrorSignature, errorSignature } from '../facts/error-signature.ts';
import { extractFacts } from '../facts/extract-facts.ts';
import { isFailing } from '../facts/failing-exchange.ts';
import type { DecodedToken, Exchange, FactSet, Observation } from '../facts/types.ts';
import { type Challenge, parseWwwAuthenticate } from '../facts/www-authenticate.ts';
import type { HarLimits } from '../har/read-har.ts';
import type { KnowledgeBase } from '../kb/knowledge-base.ts';
import { NotYetRead, readEach } from '../kb/record-table.ts';
import type { SearchIndex } from '../kb/search-index.ts';
import type { Article, Cause, CauseKind } from '../kb/types.ts';
import { Redactor } from '../redact/redactor.ts';
import { type DiagnoseInput, observeInput } from './observe-input.ts';
import { CauseCatalogue, type CauseScores, type Evidence, nearTieOf, scoreCauses } from './score-causes.ts';

export interface ArticleRef {
  slug: string;
  title: string;
  url: string;
}

export interface CauseAnswer {
  id: string;
  /** `lookalike` at the top means the failure is not an authentication problem. */
  kind: CauseKind;
  title: string;
  confidence: number;
  article: ArticleRef;
  evidence: Evidence[];
  steps: Array<{ id: string; title: string; markdown: string }>;
}

export interface Finding {
  entry: number;
  method: string | null;
  url: string | null;
  status: number | null;
  wwwAuthenticate: Challenge[];
  tokens: DecodedToken[];
  /** What the rest of the capture says about this exchange: what worked before, what it lacks. */
  context: string[];
  bodyExcerpt: string | null;
}

/** Two or more causes fit about equally: which, and the question whose answer would separate them. */
export interface Uncertainty {
  between: string[];
  question?: { id: string; text: string; options: string[] };
}

export interface Diagnosis {
  /** The verdict in one sentence a person can read: the likely cause, "not an authentication problem", or that nothing fits. */
  summary: string;
  /** Present when the leading causes fit about equally: the answer is uncertain and says so. */
  uncertain?: Uncertainty;
  input: { kind: Observation['kind']; entries: number; failing: number; sanitized?: boolean; creator?: string };
  causes: CauseAnswer[];
  findings: Finding[];
  articles: ArticleRef[];
  /** What a machine printed in the input, as a key equal for the same error from any customer (docs/error-signature.md). */
  signature?: ErrorSignature;
}

export interface DiagnoseContext {
  kb: KnowledgeBase;
  index: SearchIndex;
  /** The clock, called only for inputs that carry no time of their own. */
  clock: () => Date;
  includeInternal: boolean;
  harLimits?: HarLimits;
  /** Receives every cause's raw score and the facts' ids (the chat weighs them itself). */
  inspect?: (scores: CauseScores, factIds: Set<string>) => void;
}

const BODY_EXCERPT_CHARS = 500;
/** The excerpt is cut after redaction, so no secret is cut into a piece the patterns miss. */
const BODY_EXCERPT_SCAN = 65_536;

function excerpt(text: string): string {
  return text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…` : text;
}
const RELATED_ARTICLES = 3;
/** Findings listed in one answer; `input.failing` still counts them all. */
const MAX_FINDINGS = 50;
const catalogues = new WeakMap<KnowledgeBase, CauseCatalogue>();

/**
 * Compile a knowledge base's causes once; a reloaded knowledge base gets its own. Call it when
 * a library loads, so the first diagnosis does not pay for it.
 */
/** Use `catalogue` for `kb`: a prebuilt library brings its own, worked out at build. */
export function rememberCatalogue(kb: KnowledgeBase, catalogue: CauseCatalogue): void {
  catalogues.set(kb, catalogue);
}

export function catalogueFor(kb: KnowledgeBase): CauseCatalogue {
  let catalogue = catalogues.get(kb);
  if (!catalogue) {
    catalogue = CauseCatalogue.build(kb);
    catalogues.set(kb, catalogue);
  }
  return catalogue;
}

export function articleRef(article: Article): ArticleRef {
  return { slug: article.slug, title: article.title, url: `/articles/${article.slug}` };
}

/** normalise → extract facts → score causes → answer. */
export function diagnose(input: DiagnoseInput, context: DiagnoseContext): Diagnosis {
  return answer(assess(input, context), context);
}

export function diagnoseObservation(observation: Observation, context: DiagnoseContext): Diagnosis {
  return answer(assessObservation(observation, context), context);
}

/**
 * What a diagnosis works out before it reads any article text: the facts and the scored causes.
 * A Worker that has to fetch article text computes the answer again once the text has come
 * (`withArticleText`); this part is not redone for that.
 */
export interface Assessment {
  observation: Observation;
  /** Tags each secret once: the answer, computed again, tags it alike. */
  redactor: Redactor;
  facts: FactSet;
  captureFacts: FactSet['facts'];
  scored: ReturnType<typeof scoreCauses>['causes'];
  textRanking: Iterable<number>;
}

export function assess(input: DiagnoseInput, context: DiagnoseContext): Assessment {
  return score(observe(input, context), context);
}

/** What a diagnosis reads from its input before scoring: the facts, and the redactor that tagged their secrets. */
export type Observed = Pick<Assessment, 'observation' | 'redactor' | 'facts' | 'captureFacts'>;

/**
 * The facts of an input. Worked out once: a Worker that has to fetch records to score them
 * scores again (`withArticleText`), not this.
 */
export function observe(input: DiagnoseInput, context: DiagnoseContext): Observed {
  return observeFacts(observeInput(input, context.harLimits), context);
}

function observeFacts(observation: Observation, context: DiagnoseContext): Observed {
  const redactor = new Redactor();
  const facts = extractFacts(observation, { clock: context.clock, redactor });
  const captureFacts = observation.kind === 'har' ? captureContextFacts(observation) : [];
  facts.facts = withoutSubsumed([...facts.facts, ...captureFacts]);
  return { observation, redactor, facts, captureFacts };
}

/** The causes scored against what was observed. */
export function score(observed: Observed, context: DiagnoseContext): Assessment {
  const {
    causes: scored,
    textRanking,
    all,
  } = scoreCauses(observed.facts, catalogueFor(context.kb), context.index, {
    includeInternal: context.includeInternal,
  });
  context.inspect?.(all, new Set(observed.facts.facts.map((fact) => fact.id)));
  return { ...observed, scored, textRanking: replayable(textRanking) };
}

function assessObservation(observation: Observation, context: DiagnoseContext): Assessment {
  return score(observeFacts(observation, context), context);
}

/**
 * A lazily walked sequence that can be walked again: what the first walk took is kept, and a
 * later walk goes past it only as far as it is asked to. The text ranking is walked only as far
 * as the answer shows; answering again must find the same items.
 */
function replayable<T>(items: Iterable<T>): Iterable<T> {
  const taken: T[] = [];
  const source = items[Symbol.iterator]();
  let ended = false;
  return {
    *[Symbol.iterator]() {
      for (let at = 0; ; at += 1) {
        if (at === taken.length) {
          if (ended) return;
          const next = source.next();
          if (next.done) {
            ended = true;
            return;
          }
          taken.push(next.value);
        }
        yield taken[at]!;
      }
    },
  };
}

/** The answer to an assessment: the causes with their steps, what was found, further reading. */
export function answer(assessment: Assessment, context: DiagnoseContext): Diagnosis {
  const { observation, redactor, facts, captureFacts, scored, textRanking } = assessment;
  const showEntries = observation.kind === 'har';
  // The causes named are read together: a library read on demand fetches their articles in one round.
  const causes = readEach(scored, ({ cause, confidence, evidence }): CauseAnswer => {
    const article = context.kb.bySlug.get(cause.articleSlug)!;
    const steps = cause.stepIds.map((id) => article.steps.find((step) => step.id === id)!).filter(Boolean);
    return {
      id: cause.id,
      kind: cause.kind,
      title: cause.title,
      confidence,
      article: articleRef(article),
      evidence: evidence.map(({ entry, ...rest }) => ({
        ...rest,
        detail: redactor.text(rest.detail, 'evidence'),
        ...(showEntries && entry !== undefined ? { entry } : {}),
      })),
      steps: steps.map((step) => ({ id: step.id, title: step.title, markdown: step.markdown })),
    };
  });
  const failing = observation.exchanges.filter(isFailing);
  const findings = failing.slice(0, MAX_FINDINGS).map((exchange) =>
    findingOf(
      exchange,
      showEntries ? facts.tokens.filter((token) => token.entry === exchange.index) : facts.tokens,
      captureFacts.filter((fact) => fact.entry === exchange.index).map((fact) => fact.detail),
      redactor,
    ),
  );
  const tied = nearTieOf(scored).map((candidate) => candidate.cause);
  const uncertain =
    tied.length >= 2 ? { between: tied.map((cause) => cause.id), ...separatingQuestion(tied) } : undefined;
  return {
    summary: summarise(causes, uncertain && tied.map((cause) => cause.title)),
    ...(uncertain ? { uncertain } : {}),
    input: {
      kind: observation.kind,
      entries: observation.exchanges.length,
      failing: failing.length,
      ...(observation.capture
        ? { sanitized: observation.capture.sanitized, creator: redactor.text(observation.capture.creator, 'input') }
        : {}),
    },
    causes,
    findings,
    articles: relatedArticles(causes, textRanking, context),
    signature: errorSignature(facts),
  };
}

/**
 * A request "with no Authorization header, cookie or API key" whose cookie the capture shows
 * was sent before and withheld now is explained by the withheld cookie: the general fact gives
 * way to the specific one for that entry, so it does not speak for a missing header too.
 */
function withoutSubsumed(facts: FactSet['facts']): FactSet['facts'] {
  const cookieDropped = new Set(facts.filter((fact) => fact.id === 'cookie.dropped').map((fact) => fact.entry));
  return facts.filter(
    (fact) => !(fact.id === 'auth.header-missing' && fact.entry !== undefined && cookieDropped.has(fact.entry)),
  );
}

function findingOf(exchange: Exchange, tokens: DecodedToken[], context: string[], redactor: Redactor): Finding {
  const response = exchange.response;
  const request = exchange.request;
  const challenges = (response?.headers ?? [])
    .filter((header) => /^www-authenticate$/i.test(header.name))
    .flatMap((header) => parseWwwAuthenticate(header.value))
    .map((challenge) => ({
      ...challenge,
      params: Object.fromEntries(
        Object.entries(challenge.params).map(([name, value]) => [name, redactor.text(value, 'finding')]),
      ),
    }));
  const body = response?.body;
  return {
    entry: exchange.index,
    method: request ? redactor.text(request.method, 'finding') : null,
    url: request ? redactor.url(request.url, 'finding') : null,
    status: response?.status ?? null,
    wwwAuthenticate: challenges,
    // Claims are shown decoded, so a secret carried in one (an API key claim) is redacted like any JSON.
    tokens: tokens.map((token) => ({
      ...token,
      header: token.header && (redactor.json(token.header, 'token header') as Record<string, unknown>),
      claims: token.claims && (redactor.json(token.claims, 'token claims') as Record<string, unknown>),
    })),
    context: context.map((detail) => redactor.text(detail, 'finding')),
    bodyExcerpt: body ? excerpt(redactor.body(body.slice(0, BODY_EXCERPT_SCAN), '', 'finding')) : null,
  };
}

/** The verdict in words: what leads, whether it is an authentication problem at all, or that nothing fits. */
export function summarise(
  causes: Array<Pick<CauseAnswer, 'kind' | 'title' | 'confidence'>>,
  tiedTitles?: string[],
): string {
  const [top] = causes;
  if (!top)
    return 'No cause fits this input. The exact error response (status, WWW-Authenticate header and body) or a HAR capture of the failing call would tell more.';
  if (tiedTitles && tiedTitles.length >= 2)
    return `Not certain: ${tiedTitles.length} causes fit about equally (${tiedTitles.map(lowerFirst).join('; ')}). The question below, or the exact error response, would tell them apart.`;
  const sure = `${Math.round(top.confidence * 100)}% sure`;
  if (top.kind === 'lookalike')
    return `This is not an authentication problem: ${lowerFirst(top.title)} (${sure}). The credentials are not what fails.`;
  return `Most likely an authentication problem: ${lowerFirst(top.title)} (${sure}).`;
}

/**
 * Of the questions the tied causes declare, the one on which they expect the most different
 * answers: asking it separates them.
 */
function separatingQuestion(tied: Cause[]): Pick<Uncertainty, 'question'> {
  let best: { question: Cause['questions'][number]; spread: number } | undefined;
  const byId = new Map<string, Array<Cause['questions'][number]>>();
  for (const cause of tied)
    for (const question of cause.questions) byId.set(question.id, [...(byId.get(question.id) ?? []), question]);
  for (const declared of byId.values()) {
    const answers = new Set(declared.map((question) => [...question.expect].sort().join('|')));
    // A cause that does not declare the question is undecided on it: it separates less.
    const spread = answers.size + (declared.length === tied.length ? 0.5 : 0);
    if (answers.size >= 2 && (!best || spread > best.spread)) best = { question: declared[0]!, spread };
  }
  return best ? { question: { id: best.question.id, text: best.question.ask, options: best.question.options } } : {};
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? `${text[0]!.toLowerCase()}${text.slice(1)}` : text;
}

/** Further reading: the top cause's related articles, then the articles the input's words fit best. */
function relatedArticles(causes: CauseAnswer[], textRanking: Iterable<number>, context: DiagnoseContext): ArticleRef[] {
  if (causes.length === 0) return [];
  const shown = new Set(causes.map((cause) => cause.article.slug));
  const related: ArticleRef[] = [];
  // Articles still to be fetched hold their place, so that every article the list may show is
  // asked for in one round (see `NotYetRead`) and the walk stops where it will once they are here.
  let pending = 0;
  const push = (read: () => Article | undefined): void => {
    if (related.length + pending >= RELATED_ARTICLES) return;
    let article: Article | undefined;
    try {
      article = read();
    } catch (error) {
      if (!(error instanceof NotYetRead)) throw error;
      pending += 1;
      return;
    }
    if (!article || shown.has(article.slug)) return;
    if (article.visibility === 'internal' && !context.includeInternal) return;
    shown.add(article.slug);
    related.push(articleRef(article));
  };
  const top = context.kb.bySlug.get(causes[0]!.article.slug);
  for (const slug of top?.related ?? []) push(() => context.kb.bySlug.get(slug));
  // The ranking names causes by catalogue number, which is their position in the knowledge base.
  for (const number of textRanking) {
    if (related.length + pending >= RELATED_ARTICLES) break;
    push(() => context.kb.bySlug.get(context.kb.causes[number]?.articleSlug ?? ''));
  }
  if (pending > 0) throw new NotYetRead();
  return related;
}
