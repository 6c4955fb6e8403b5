import {
  BIG_NUMBERS,
  between,
  CONDITIONS,
  CUSTOMER_HOSTS,
  distinctPicks,
  fillSentence,
  fillSlots,
  GENERIC_SNIPPETS,
  OPENERS,
  pickUniform,
  pickZipf,
  plural,
  type Random,
  REASONS,
  SECTION_SENTENCES,
  SHARED_VOCABULARY,
  shuffled,
  slugify,
  wordCount,
} from './article-prose.ts';
import type { Failure, TopicFamily } from './article-topics.ts';

/**
 * One generated article of a topic family: its causes are planned first (ids, codes, the
 * wording of their messages, steps), then the frontmatter and the five sections quote them, and
 * sentences from the family's templates are added until the body reaches its drawn length.
 */

/** Body length in words, code included. */
const BODY_WORDS = { min: 900, max: 1300 };
const TWO_CAUSES_SHARE = 0.3;
/** How often a sentence opens with a phrase such as "In most cases,". */
const OPENER_SHARE = 0.2;

/** A chat question every bundled cause shares, read from the bundled articles. */
export interface SharedQuestion {
  id: string;
  ask: string;
  options: string[];
}

interface PlannedCause {
  id: string;
  failure: Failure;
  /** The cause's own wording of its messages, also its phrases. */
  messages: string[];
  codes: string[];
  stepIds: string[];
}

type SectionName = 'symptoms' | 'causes' | 'steps' | 'verification' | 'prevention';

/**
 * Each family favours its own few of the shared sentence shapes (a seeded order per section),
 * and its own sentences rank near the top of every section.
 */
export type TemplateOrder = Record<SectionName | 'symptomWordings', string[]>;

export function sentenceOrder(random: Random, family: TopicFamily): TemplateOrder {
  const order = (templates: readonly string[]): string[] => {
    const ranked = shuffled(random, templates);
    shuffled(random, family.sentences).forEach((sentence, position) => {
      ranked.splice(1 + position * 2, 0, sentence);
    });
    return ranked;
  };
  return {
    symptoms: order(SECTION_SENTENCES.symptoms),
    causes: order(SECTION_SENTENCES.causes),
    steps: order(SECTION_SENTENCES.steps),
    verification: order(SECTION_SENTENCES.verification),
    prevention: order(SECTION_SENTENCES.prevention),
    symptomWordings: shuffled(random, SECTION_SENTENCES.symptomWordings),
  };
}

/** A title or sentence continued mid-sentence; acronyms and code (SDK, SAML, `CODE`) stay as written. */
const lowerFirst = (text: string): string =>
  /^[A-Z][A-Z0-9-]|^`/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);

/** One article: its causes are planned first, so every section can quote their codes and messages. */
export class ArticleWriter {
  private readonly product: string;
  private readonly causes: PlannedCause[];
  private cause: PlannedCause;
  private lastNoun = '';
  private readonly usedTemplates = new Set<string>();

  constructor(
    private readonly random: Random,
    private readonly family: TopicFamily,
    private readonly index: number,
    private readonly order: TemplateOrder,
    private readonly questions: Map<string, SharedQuestion>,
  ) {
    this.product = pickZipf(random, family.products);
    const failures = distinctPicks(
      random() < TWO_CAUSES_SHARE ? 2 : 1,
      () => pickZipf(random, family.failures),
      (failure) => failure.id,
    );
    const usedStepIds = new Set<string>();
    this.causes = failures.map((failure) => this.planCause(failure, usedStepIds));
    this.cause = this.causes[0]!;
  }

  article(visibility: 'public' | 'internal', related: string[]): string {
    const body = this.body();
    return `${this.frontmatter(visibility, related)}\n\n${body}`;
  }

  private planCause(failure: Failure, usedStepIds: Set<string>): PlannedCause {
    const id = `${this.family.id}-${failure.id}-${this.index}`;
    const planned: PlannedCause = { id, failure, messages: [], codes: [], stepIds: [] };
    this.cause = planned;
    planned.messages = distinctPicks(failure.messages.length, () =>
      this.fill(pickUniform(this.random, failure.messages)),
    );
    planned.codes = this.codesOf(failure);
    const fixes = failure.fixes.slice(0, between(this.random, Math.min(2, failure.fixes.length), failure.fixes.length));
    planned.stepIds = fixes.map((fix) => {
      let stepId = slugify(fix);
      for (let suffix = 2; usedStepIds.has(stepId); suffix += 1) stepId = `${slugify(fix)}-${suffix}`;
      usedStepIds.add(stepId);
      return stepId;
    });
    return planned;
  }

  /** The failure's own codes, sometimes with a variant an older release printed. */
  private codesOf(failure: Failure): string[] {
    const codes = failure.codes.slice(0, between(this.random, 1, failure.codes.length));
    if (this.random() < 0.35) {
      const noun = pickZipf(this.random, this.family.nouns)
        .toUpperCase()
        .split(/[^A-Z0-9]+/)
        .filter((word) => word && word !== this.family.codePrefix);
      codes.push([this.family.codePrefix, ...noun, pickUniform(this.random, CONDITIONS)].join('_'));
    }
    if (this.random() < 0.2) codes.push(`E${between(this.random, 1000, 9999)}`);
    return [...new Set(codes)];
  }

  /** The value of one `{slot}`, drawn afresh each time it appears. */
  private fill(template: string, asSentence = false): string {
    const random = this.random;
    const family = this.family;
    const slot = (name: string): string | undefined => {
      switch (name) {
        case 'noun':
          this.lastNoun = pickZipf(random, family.nouns);
          return this.lastNoun;
        case 'noun2': {
          const others = family.nouns.filter((noun) => noun !== this.lastNoun);
          return pickZipf(random, others);
        }
        case 'noun_plural':
          return plural(pickZipf(random, family.nouns));
        case 'verb':
          return pickZipf(random, family.verbs);
        case 'product':
          return random() < 0.7 ? this.product : pickZipf(random, family.products);
        case 'setting':
          return pickZipf(random, family.settings);
        case 'place':
          return pickZipf(random, family.places);
        case 'resource':
          return family.resource;
        case 'role':
          return pickZipf(random, SHARED_VOCABULARY.role);
        case 'role_plural':
          return plural(pickZipf(random, SHARED_VOCABULARY.role));
        case 'plan':
          return pickZipf(random, SHARED_VOCABULARY.plan);
        case 'state':
          return pickZipf(random, SHARED_VOCABULARY.state);
        case 'done_state':
          return pickZipf(random, SHARED_VOCABULARY.doneState);
        case 'event':
          return pickZipf(random, SHARED_VOCABULARY.event);
        case 'duration':
          return pickZipf(random, SHARED_VOCABULARY.duration);
        case 'region':
          return pickZipf(random, SHARED_VOCABULARY.region);
        case 'n':
          return String(between(random, 2, 60));
        case 'big':
          return pickZipf(random, BIG_NUMBERS);
        case 'percent':
          return String(between(random, 0, 99));
        case 'id':
          return `${family.codePrefix.slice(0, 3).toLowerCase()}_${Math.floor(random() * 36 ** 8).toString(36)}`;
        case 'request_id':
          return `req_${Math.floor(random() * 36 ** 10).toString(36)}`;
        case 'host':
          return pickZipf(random, CUSTOMER_HOSTS);
        case 'version':
          return `${between(random, 1, 9)}.${between(random, 0, 24)}.${between(random, 0, 9)}`;
        case 'date':
          return `2026-${String(between(random, 1, 12)).padStart(2, '0')}-${String(between(random, 1, 28)).padStart(2, '0')}`;
        case 'status':
          return String(this.cause.failure.statuses[0] ?? 'no error status');
        case 'code':
          return pickUniform(random, this.cause.codes.length ? this.cause.codes : this.cause.failure.codes);
        case 'message':
          return pickUniform(random, this.cause.messages.length ? this.cause.messages : this.cause.failure.messages);
        case 'symptom':
          return this.fill(pickZipf(random, this.order.symptomWordings));
        default:
          return undefined;
      }
    };
    return asSentence ? fillSentence(template, slot) : fillSlots(template, slot);
  }

  /** A sentence from a template this article has not used yet (until the section's run out), sometimes with an opener. */
  private sentence(section: SectionName): string {
    const pool = this.order[section];
    let unused = pool.filter((template) => !this.usedTemplates.has(template));
    if (unused.length === 0) {
      for (const template of pool) this.usedTemplates.delete(template);
      unused = pool;
    }
    const template = pickZipf(this.random, unused);
    this.usedTemplates.add(template);
    const sentence = this.fill(template, true);
    if (this.random() >= OPENER_SHARE) return sentence;
    const opener = this.fill(pickZipf(this.random, OPENERS), true);
    const [first = ''] = sentence.split(' ', 1);
    // Lower-case the first word after an opener unless it is a name (a product, an acronym, code).
    const keep = this.family.products.some((name) => name.startsWith(first));
    return `${opener}${keep ? sentence : lowerFirst(sentence)}`;
  }

  private sentences(section: SectionName, count: number): string[] {
    return Array.from({ length: count }, () => this.sentence(section));
  }

  private frontmatter(visibility: 'public' | 'internal', related: string[]): string {
    const yaml = JSON.stringify;
    const first = this.causes[0]!;
    const lines = [
      '---',
      `title: ${yaml(this.title())}`,
      `summary: ${yaml(`${first.failure.explanation} ${this.fill(`${first.failure.fixes[0]!} in {place}.`, true)}`)}`,
      `visibility: ${visibility}`,
      `tags: ${yaml(this.tags())}`,
      `updated: ${this.fill('{date}')}`,
      ...(related.length ? [`related: ${yaml(related)}`] : []),
      'causes:',
      ...this.causes.flatMap((cause) => this.causeYaml(cause)),
      '---',
    ];
    return lines.join('\n');
  }

  private title(): string {
    const { failure } = this.causes[0]!;
    this.cause = this.causes[0]!;
    const templates = [
      failure.title,
      `${failure.title} in ${this.product}`,
      `${failure.title} after {event}`,
      `Why ${lowerFirst(failure.title)}`,
      `${failure.title} on the {plan} plan`,
      `${failure.title} for {role_plural}`,
      `${this.family.area}: ${lowerFirst(failure.title)}`,
      `How to fix "{message}"`,
      `{code}: ${lowerFirst(failure.title)}`,
      `Troubleshooting ${lowerFirst(this.family.area)}: ${lowerFirst(failure.title)}`,
    ];
    const status = failure.statuses[0];
    if (status) templates.push(`${status} ${REASONS[status] ?? 'error'} when trying to {verb} the {noun}`);
    return this.fill(pickZipf(this.random, templates), true);
  }

  private tags(): string[] {
    const tags = [
      this.family.id,
      slugify(this.product),
      slugify(pickZipf(this.random, this.family.nouns)),
      ...this.causes.flatMap((cause) => cause.failure.statuses.map(String)),
    ];
    return [...new Set(tags)];
  }

  private causeYaml(cause: PlannedCause): string[] {
    this.cause = cause;
    const yaml = JSON.stringify;
    const { failure } = cause;
    const phrases = distinctPicks(between(this.random, 6, 20), () => this.phrase());
    const words = distinctPicks(between(this.random, 4, 10), () => this.word());
    return [
      `  - id: ${cause.id}`,
      ...(failure.kind === 'auth' ? [] : ['    kind: lookalike']),
      `    title: ${yaml(this.random() < 0.25 ? `${failure.title} (${this.product})` : failure.title)}`,
      `    description: ${yaml(`${failure.explanation} ${this.sentence('causes')}`)}`,
      '    signals:',
      ...(failure.statuses.length ? [`      status: ${yaml(failure.statuses)}`] : []),
      `      error: ${yaml(cause.codes)}`,
      '      phrases:',
      ...phrases.map((phrase) => `        - ${yaml(phrase)}`),
      `      words: ${yaml(words)}`,
      `    steps: ${yaml(cause.stepIds)}`,
      ...this.questionsYaml(failure),
    ];
  }

  /** How customers and logs word this cause: its messages, in their own words, or with the product's name. */
  private phrase(): string {
    const roll = this.random();
    if (roll < 0.45) return pickUniform(this.random, this.cause.messages);
    if (roll < 0.8) return this.fill(pickZipf(this.random, this.order.symptomWordings));
    if (roll < 0.9) return `${this.product}: ${pickUniform(this.random, this.cause.messages)}`;
    return `${pickUniform(this.random, this.cause.codes)} ${pickUniform(this.random, this.cause.messages)}`;
  }

  /** A mechanism word: one to three words from the family's vocabulary. */
  private word(): string {
    const roll = this.random();
    if (roll < 0.6) return pickZipf(this.random, this.family.nouns);
    if (roll < 0.85) return pickZipf(this.random, this.family.verbs);
    return this.product.split(' ').slice(0, 3).join(' ');
  }

  private questionsYaml(failure: Failure): string[] {
    const yaml = JSON.stringify;
    const lines: string[] = [];
    const status = this.questions.get('status');
    const expected = status?.options.find((option) =>
      failure.statuses.some((code) => new RegExp(`\\b${code}\\b`).test(option)),
    );
    const timing = this.questions.get('timing');
    for (const [question, expect] of [
      [status, expected],
      [timing, timing && pickUniform(this.random, timing.options)],
    ] as const) {
      if (!question || !expect) continue;
      lines.push(
        `      - id: ${question.id}`,
        `        ask: ${yaml(question.ask)}`,
        `        options: ${yaml(question.options)}`,
        `        expect: ${yaml([expect])}`,
      );
    }
    return lines.length ? ['    questions:', ...lines] : [];
  }

  /**
   * The five sections, each made of paragraphs that can take more sentences; sentences are
   * added to random paragraphs until the body reaches its drawn length.
   */
  private body(): string {
    const target = between(this.random, BODY_WORDS.min, BODY_WORDS.max - 40);
    const growable: Array<{ section: SectionName; sentences: string[] }> = [];
    const paragraph = (section: SectionName, count: number): { section: SectionName; sentences: string[] } => {
      const grown = { section, sentences: this.sentences(section, count) };
      growable.push(grown);
      return grown;
    };
    type Block = string | { section: SectionName; sentences: string[] };
    const blocks: Block[] = [
      '## Symptoms',
      paragraph('symptoms', between(this.random, 2, 4)),
      this.causes
        .flatMap((cause) => cause.messages.slice(0, 2))
        .map((message) => `- \`${message}\``)
        .join('\n'),
      paragraph('symptoms', between(this.random, 1, 2)),
      this.errorExample(),
      '## Root causes',
      paragraph('causes', between(this.random, 1, 2)),
      ...this.causes.flatMap((cause): Block[] => {
        this.cause = cause;
        return [
          `**${cause.failure.title}.** ${cause.failure.explanation}`,
          paragraph('causes', between(this.random, 2, 3)),
        ];
      }),
      '## Resolution steps',
      ...this.stepBlocks(paragraph),
      '## Verification',
      paragraph('verification', between(this.random, 2, 3)),
      '## Prevention',
      this.sentences('prevention', between(this.random, 2, 4))
        .map((item) => `- ${item}`)
        .join('\n'),
      paragraph('prevention', between(this.random, 1, 2)),
    ];
    const render = (): string =>
      blocks.map((block) => (typeof block === 'string' ? block : block.sentences.join(' '))).join('\n\n');
    let words = wordCount(render());
    while (words < target) {
      const grown = pickUniform(this.random, growable);
      this.cause = pickUniform(this.random, this.causes);
      const added = this.sentence(grown.section);
      grown.sentences.push(added);
      words += wordCount(added);
    }
    return `${render()}\n`;
  }

  private stepBlocks(
    paragraph: (section: SectionName, count: number) => { section: SectionName; sentences: string[] },
  ): Array<string | { section: SectionName; sentences: string[] }> {
    let number = 0;
    return this.causes.flatMap((cause) => {
      this.cause = cause;
      const lead = this.causes.length > 1 ? [`For ${lowerFirst(cause.failure.title)}, follow these steps.`] : [];
      return [
        ...lead,
        ...cause.stepIds.flatMap((stepId, position) => {
          number += 1;
          return [
            `### ${number}. ${cause.failure.fixes[position]!} {#${stepId}}`,
            paragraph('steps', between(this.random, 1, 3)),
            this.codeBlock(),
          ];
        }),
      ];
    });
  }

  /** The failing response as a customer pastes it, or a log line when the failure has no error status. */
  private errorExample(): string {
    this.cause = this.causes[0]!;
    const status = this.cause.failure.statuses[0];
    const code = pickUniform(this.random, this.cause.codes);
    const message = pickUniform(this.random, this.cause.messages);
    if (!status)
      return [
        '```text',
        `${this.fill('{date}')}T${String(between(this.random, 0, 23)).padStart(2, '0')}:14:07Z WARN ${this.family.id} ${code} ${JSON.stringify(message)} workspace=${this.fill('{id}')}`,
        '```',
      ].join('\n');
    return [
      '```http',
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
      'Content-Type: application/json',
      `X-Request-Id: ${this.fill('{request_id}')}`,
      '',
      JSON.stringify({ error: { code, message, status } }),
      '```',
    ].join('\n');
  }

  private codeBlock(): string {
    if (this.random() < 0.5) return this.fill(pickUniform(this.random, this.family.snippets));
    const resource = this.family.resource.split('/').pop()!.toLowerCase();
    const snippet = pickZipf(this.random, GENERIC_SNIPPETS)
      .replaceAll('{cli_resource}', resource)
      .replaceAll('{sdk_resource}', resource.replaceAll('-', '_'));
    return this.fill(snippet);
  }
}
