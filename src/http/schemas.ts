import { z } from 'zod';
import { ValidationError } from './problems.ts';

/**
 * The API's shapes. Requests are validated with these schemas and the OpenAPI document is
 * generated from the same ones, so the reference cannot drift from what the server accepts.
 */

const HeaderList = z.array(z.object({ name: z.string().max(1024), value: z.string() }));
const HeaderMap = z.record(z.string().max(1024), z.union([z.string(), z.array(z.string())]));

export const ErrorResponseInput = z
  .object({
    status: z
      .number()
      .int()
      .min(0)
      .max(599)
      .optional()
      .meta({ description: 'HTTP status received; 0 when no response reached the browser (CORS, network).' }),
    headers: z
      .union([HeaderMap, HeaderList])
      .optional()
      .meta({ description: 'Response headers, as an object or a HAR-style list.' }),
    body: z.unknown().optional().meta({ description: 'Response body: text, or the parsed JSON.' }),
  })
  .strict()
  .meta({ id: 'ErrorResponseInput', description: 'An error response the caller received.' });

export const DiagnoseRequest = z
  .object({
    text: z.string().optional().meta({
      description: 'A symptom in words, or anything pasted: a JSON error body, a raw HTTP response, `curl -v` output.',
    }),
    error: ErrorResponseInput.optional(),
    har: z.unknown().optional().meta({ description: 'A HAR 1.2 capture, as exported by a browser or proxy.' }),
  })
  .strict()
  .refine((body) => body.text !== undefined || body.error !== undefined || body.har !== undefined, {
    message: 'give at least one of "text", "error" or "har"',
  })
  .meta({ id: 'DiagnoseRequest', example: { text: 'every call returns 401 about an hour after the job starts' } });

export const SearchQuery = z.object({
  q: z.string().meta({ description: 'Search words; prefix and typo tolerant.', example: 'token expired' }),
  limit: z.coerce.number().int().min(1).optional().meta({ description: 'Most hits to return (default 10).' }),
  channel: z.string().max(20).optional().meta({
    description:
      "Which client asks (`widget`, `console`): a query parameter, so that a browser's search stays a simple request with no CORS preflight.",
  }),
});

export const SuggestQuery = z.object({
  q: z.string().meta({ description: 'What the person has typed so far.', example: 'invalid cli' }),
  limit: z.coerce.number().int().min(1).optional(),
  channel: z.string().max(20).optional().meta({
    description:
      "Which client asks (`widget`, `console`): a query parameter, so that a browser's search stays a simple request with no CORS preflight.",
  }),
});

const CauseRef = z.object({ id: z.string(), title: z.string() });
const ArticleRef = z.object({ slug: z.string(), title: z.string(), url: z.string() }).meta({ id: 'ArticleRef' });

export const SearchResponse = z
  .object({
    query: z.string(),
    total: z.number().int(),
    hits: z.array(
      z.object({
        slug: z.string(),
        title: z.string(),
        summary: z.string(),
        url: z.string(),
        score: z.number(),
        snippet: z.string(),
        causes: z.array(CauseRef),
        visibility: z.enum(['public', 'internal']),
      }),
    ),
  })
  .meta({ id: 'SearchResponse' });

export const SuggestResponse = z
  .object({
    query: z.string(),
    suggestions: z.array(z.object({ text: z.string(), slug: z.string(), url: z.string() })),
  })
  .meta({ id: 'SuggestResponse' });

const Evidence = z
  .object({
    source: z.string(),
    detail: z.string(),
    entry: z.number().int().optional().meta({ description: 'For a capture: the index of the entry it comes from.' }),
  })
  .meta({ id: 'Evidence' });
const Step = z.object({ id: z.string(), title: z.string(), markdown: z.string() }).meta({ id: 'Step' });
const Question = z.object({ id: z.string(), text: z.string(), options: z.array(z.string()) }).meta({ id: 'Question' });

export const CauseAnswer = z
  .object({
    id: z.string(),
    kind: z.enum(['auth', 'lookalike']).meta({
      description:
        '`auth`: an authentication or authorization cause. `lookalike`: a neighbour that is not one (exhausted quota, TLS failure…); leading, it means "not an authentication problem".',
    }),
    title: z.string(),
    confidence: z.number().min(0).max(1),
    article: ArticleRef,
    evidence: z.array(Evidence),
    steps: z.array(Step),
  })
  .meta({ id: 'Cause', description: 'A root cause, with what points to it and the steps that fix it.' });

export const SignatureSchema = z
  .object({
    key: z
      .string()
      .meta({ description: 'Readable: status · codes · exceptions · the message with its variable parts masked.' }),
    id: z
      .string()
      .meta({ description: 'First 16 hex digits of the SHA-256 of `key`; the gap id in /v1/insights/gaps.' }),
    status: z.number().int().nullable(),
    codes: z.array(z.string()),
    exceptions: z.array(z.string()),
    template: z.string().nullable(),
  })
  .meta({
    id: 'ErrorSignature',
    description:
      'What a machine printed in the input, equal for the same error from any customer (docs/error-signature.md). Send its `id` with feedback.',
  });

export const DiagnosisResponse = z
  .object({
    summary: z.string().meta({
      description:
        'The verdict in one sentence: the likely cause, that this is not an authentication problem (a lookalike leads), that several causes fit equally, or that nothing fits.',
    }),
    uncertain: z
      .object({
        between: z
          .array(z.string())
          .meta({ description: 'Cause ids that fit about equally (within 10% of the best score).' }),
        question: Question.optional().meta({ description: 'The question whose answer would tell them apart.' }),
      })
      .optional()
      .meta({ description: 'Present when the leading causes fit about equally: the answer is uncertain.' }),
    input: z.object({
      kind: z.enum(['text', 'error', 'http', 'har']),
      entries: z.number().int(),
      failing: z.number().int(),
      sanitized: z.boolean().optional().meta({
        description:
          "For a HAR: no credential header or cookie anywhere, as in a browser's sanitized export; their absence is then not evidence.",
      }),
      creator: z.string().optional().meta({ description: 'For a HAR: the tool that wrote it.' }),
    }),
    causes: z.array(CauseAnswer),
    findings: z.array(
      z.object({
        entry: z.number().int(),
        method: z.string().nullable(),
        url: z.string().nullable(),
        status: z.number().int().nullable(),
        wwwAuthenticate: z.array(
          z.object({ scheme: z.string(), params: z.record(z.string(), z.string()), token68: z.string().optional() }),
        ),
        tokens: z.array(
          z.object({
            location: z.string().meta({ description: 'Where the token was found, e.g. `Authorization header`.' }),
            entry: z.number().int().optional().meta({ description: 'For a capture: the entry it was found in.' }),
            redacted: z.string(),
            header: z.record(z.string(), z.unknown()).nullable(),
            claims: z.record(z.string(), z.unknown()).nullable(),
            notes: z.array(z.string()),
          }),
        ),
        context: z.array(z.string()).meta({ description: 'What the rest of the capture says about this exchange.' }),
        bodyExcerpt: z.string().nullable(),
      }),
    ),
    articles: z.array(ArticleRef),
    signature: SignatureSchema.optional(),
  })
  .meta({
    id: 'Diagnosis',
    description: 'Ranked root causes with evidence and steps; `causes` is empty when nothing fits.',
  });

const ArticleSummary = z.object({
  slug: z.string(),
  title: z.string(),
  summary: z.string(),
  url: z.string(),
  tags: z.array(z.string()),
  updated: z.string().nullable(),
  visibility: z.enum(['public', 'internal']),
  causes: z.array(CauseRef),
});

export const ArticleListResponse = z
  .object({ total: z.number().int(), articles: z.array(ArticleSummary) })
  .meta({ id: 'ArticleList' });

export const ArticleResponse = ArticleSummary.extend({
  related: z.array(ArticleRef),
  sections: z.array(z.object({ id: z.string(), heading: z.string(), level: z.number().int(), markdown: z.string() })),
  causes: z.array(CauseRef.extend({ description: z.string(), steps: z.array(Step) })),
  markdown: z.string(),
}).meta({ id: 'Article' });

export const FeedbackRequest = z
  .object({
    helpful: z.boolean(),
    cause: z.string().max(100).optional().meta({ description: '"Right cause?": the cause id from a diagnosis.' }),
    step: z
      .string()
      .max(100)
      .optional()
      .meta({ description: '"This fixed it" / "didn\'t help": a step id of `cause` (send both).' }),
    article: z.string().max(100).optional().meta({ description: '"Helpful?": an article slug.' }),
    reason: z
      .enum(['wrong-cause', 'steps-unclear', 'tried-failed', 'other'])
      .optional()
      .meta({ description: 'Why not, for a "no".' }),
    comment: z
      .string()
      .max(500)
      .optional()
      .meta({ description: 'Optional words with a "no"; redacted before it is stored, never logged.' }),
    signature: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .optional()
      .meta({ description: 'The diagnosis\'s `signature.id`, so a "no" counts against that error\'s gap.' }),
  })
  .strict()
  .refine((vote) => vote.cause !== undefined || vote.article !== undefined, {
    message: 'name what the vote is about: a cause (with a step for a step), or an article',
  })
  .refine((vote) => vote.step === undefined || vote.cause !== undefined, {
    message: 'a step vote names its cause too',
  })
  .meta({
    id: 'Feedback',
    description:
      'A vote on a cause, a step or an article. One vote per session (`X-Fixpath-Session`) and item: a later vote replaces the earlier one.',
  });

export const ClientEventRequest = z
  .object({
    type: z.literal('view'),
    article: z.string().max(100),
    via: z
      .enum(['search', 'diagnosis', 'chat', 'link'])
      .optional()
      .meta({ description: 'How the reader got there; `search` counts as a click on a search result.' }),
  })
  .strict()
  .meta({ id: 'ClientEvent', description: 'Something the browser saw that the server did not: an article opened.' });

export const FeedbackReceived = z.object({ received: z.literal(true) }).meta({ id: 'FeedbackReceived' });

const ChatMessageSchema = z
  .object({
    role: z.enum(['user', 'assistant']),
    text: z.string().max(1_048_576).optional(),
    error: ErrorResponseInput.optional(),
    har: z.unknown().optional(),
  })
  .strict();

export const ChatContextSchema = z
  .object({
    answers: z.record(z.string().max(64), z.string().max(200)).default({}),
    asked: z.array(z.string().max(64)).max(50).default([]),
    tried: z.array(z.string().max(80)).max(50).default([]),
    offered: z.string().max(80).optional(),
    pending: z.string().max(64).optional(),
    evidenceAsked: z.boolean().optional(),
  })
  .strict()
  .meta({
    id: 'ChatContext',
    description: 'Returned by each reply and sent back with the next turn; plain data, no secrets.',
  });

export const ChatRequest = z
  .object({
    messages: z.array(ChatMessageSchema).min(1).max(50),
    context: ChatContextSchema.optional(),
  })
  .strict()
  .refine((body) => body.messages.some((message) => message.role === 'user'), {
    message: 'the conversation needs at least one user message',
  })
  .meta({ id: 'ChatRequest', example: { messages: [{ role: 'user', text: 'Our API calls are failing with 401' }] } });

export const ChatResponse = z
  .object({
    reply: z.string().meta({ description: 'Markdown.' }),
    causes: z.array(CauseAnswer).meta({ description: 'The candidate causes, most likely first, as in /v1/diagnose.' }),
    steps: z.array(Step).optional().meta({
      description: 'The steps of the cause it is sure of; the question that follows asks whether they worked.',
    }),
    question: Question.optional().meta({ description: 'The next question, with quick-reply options.' }),
    handoff: z.object({ summary: z.string(), ticket: z.string() }).optional(),
    resolved: z.boolean().optional(),
    context: ChatContextSchema,
    signature: SignatureSchema.optional(),
  })
  .meta({ id: 'ChatReply' });

export const SanitizeResponse = z
  .object({
    har: z.unknown().meta({
      description:
        'The same capture, same entries, every secret replaced by a marker; equal secrets get equal markers.',
    }),
    manifest: z.object({
      entries: z.number().int(),
      total: z.number().int(),
      removed: z.array(z.object({ where: z.string(), name: z.string(), count: z.number().int() })),
    }),
  })
  .meta({ id: 'SanitizeResult' });

export const HealthResponse = z
  .object({
    status: z.enum(['ok', 'degraded']),
    articles: z.number().int(),
    causes: z.number().int(),
    loadedAt: z.string(),
    analytics: z
      .object({
        enabled: z.boolean(),
        reason: z.string().optional().meta({ description: 'Why analytics are off.' }),
        unflushed: z.number().int().optional().meta({ description: 'Events waiting in memory for the next batch.' }),
      })
      .meta({
        description:
          'Whether the event store keeps facts about traffic (ANALYTICS, DATA_DIR; the D1 binding DB on Workers).',
      }),
    problems: z.array(
      z.object({
        file: z.string(),
        line: z.number().int(),
        field: z.string(),
        message: z.string(),
        severity: z.enum(['error', 'warning']),
      }),
    ),
  })
  .meta({ id: 'Health' });

export const MeResponse = z
  .object({
    subject: z.string().meta({ description: "The token's `sub`; `local` in local mode." }),
    roles: z.array(z.string()),
    mode: z.enum(['local', 'secret', 'jwks']).meta({
      description:
        "How tokens are verified: `local` (no sign-in, every caller is an agent), a shared `secret`, or an identity provider's key set (`jwks`).",
    }),
  })
  .meta({ id: 'Me', description: 'The signed-in agent.' });

export const ProblemResponse = z
  .object({
    type: z.url().meta({
      description:
        'An absolute URI naming the kind of problem; it opens its entry in the API reference (`/docs#problem-…`).',
    }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; `detail` says what to fix.' });

/** Validate untrusted input against a schema, or throw a problem that points at each error. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(result.error, what);
}

/** A failed validation as a problem that points at each error: `what` says what was not valid. */
export function validationError(error: z.ZodError, what: string): ValidationError {
  const errors = error.issues.slice(0, 20).map((issue) => ({
    pointer: `/${issue.path.map((part) => String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`,
    detail: describeIssue(issue),
  }));
  const first = errors[0]!;
  return new ValidationError(`${what}: ${first.pointer === '/' ? '' : `${first.pointer}: `}${first.detail}`, errors);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}; allowed fields are listed at /docs`;
  if (issue.code === 'invalid_type') {
    // A query parameter given twice (`?q=a&q=b`) arrives as a list.
    if (issue.expected !== 'array' && /received array/.test(issue.message))
      return `expected one ${issue.expected}, got several: give it once`;
    return `expected ${issue.expected}`;
  }
  return issue.message;
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as 2026-12-01')
  .meta({ description: 'A UTC date, YYYY-MM-DD.' });
const rate = z.number().min(0).max(1).nullable();

export const InsightsQuery = z
  .object({
    from: isoDate.optional().meta({ description: 'First day (default: 29 days before `to`).' }),
    to: isoDate.optional().meta({ description: 'Last day, included (default: today).' }),
    format: z.enum(['json', 'csv']).optional().meta({ description: '`csv` for a spreadsheet.' }),
  })
  .strict();

export const GapsQuery = InsightsQuery.extend({
  limit: z.coerce.number().int().min(1).max(1000).optional().meta({
    description: 'Most gaps listed, most frequent first (default 100; `total` counts them all; CSV lists all).',
  }),
  status: z
    .enum(['open', 'settled', 'ignored', 'all'])
    .optional()
    .meta({ description: 'Which gaps (default `open`).' }),
}).strict();

export const InsightsSummaryResponse = z
  .object({
    from: z.string(),
    to: z.string(),
    diagnoses: z.object({
      total: z.number().int(),
      cause: z.number().int(),
      lookalike: z.number().int(),
      abstained: z.number().int(),
    }),
    chat: z.object({ turns: z.number().int(), conversations: z.number().int() }),
    searches: z.object({
      total: z.number().int(),
      noResult: z.number().int(),
      noResultRate: rate,
      noClickRate: rate.meta({ description: 'Searches with results whose reader opened none of them.' }),
    }),
    views: z.number().int(),
    handoffs: z.number().int(),
    resolutions: z.object({
      confirmed: z.number().int().meta({ description: '"Yes, it works now" in the chat.' }),
      assumed: z.number().int().meta({
        description: 'Conversations shown steps that ended (30 minutes idle) without asking for a person.',
      }),
    }),
    selfServiceRatio: rate,
    feedback: z.object({
      helpful: z.number().int(),
      notHelpful: z.number().int(),
      reasons: z.record(z.string(), z.number().int()),
    }),
    channels: z.record(z.string(), z.number().int()),
    daily: z.array(
      z.object({
        day: z.string(),
        cause: z.number().int(),
        lookalike: z.number().int(),
        abstained: z.number().int(),
        searches: z.number().int(),
        handoffs: z.number().int(),
        confirmed: z.number().int(),
        assumed: z.number().int(),
      }),
    ),
    causes: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        kind: z.string(),
        count: z.number().int(),
        confirmed: z.number().int(),
        confirmedShare: rate,
        handoffs: z.number().int(),
        handoffRate: z.number().min(0).nullable(),
        medianMinutesToFix: z.number().nullable().meta({
          description:
            "Median minutes from a session's first diagnosis to its confirmed fix; exact under 10, then in steps of 5 (to an hour), 15 (to four hours) and 60.",
        }),
        votes: z.object({ helpful: z.number().int(), notHelpful: z.number().int() }),
        steps: z.array(
          z.object({
            id: z.string(),
            title: z.string(),
            fixed: z.number().int(),
            didNotHelp: z.number().int(),
            successRate: rate,
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'InsightsSummary', description: 'What happened in a span of days: outcomes, resolutions, per cause.' });

export const GapSchema = z
  .object({
    id: z.string().meta({ description: 'The error signature id.' }),
    signature: z.string(),
    status: z.enum(['open', 'settled', 'ignored']),
    count: z.number().int(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    settledAt: z.string().nullable().meta({ description: 'Since when fixpath names a cause for it.' }),
    trend: z.enum(['new', 'rising', 'falling', 'steady']),
    daily: z.array(z.object({ day: z.string(), count: z.number().int() })),
    sources: z.object({
      abstained: z.number().int(),
      'wrong-cause': z.number().int(),
      'step-failed': z.number().int(),
      handoff: z.number().int(),
    }),
    channels: z.record(z.string(), z.number().int()),
    nearestCause: z.object({ id: z.string(), title: z.string() }).nullable(),
    example: z.object({
      status: z.number().int().nullable(),
      codes: z.array(z.string()),
      exceptions: z.array(z.string()),
      template: z.string().nullable(),
      excerpt: z.string().nullable().meta({ description: 'Redacted; only with ANALYTICS_EXCERPTS=on.' }),
    }),
  })
  .meta({ id: 'Gap', description: 'What fixpath could not settle, for one error signature.' });

export const GapListResponse = z
  .object({ from: z.string(), to: z.string(), total: z.number().int(), gaps: z.array(GapSchema) })
  .meta({ id: 'GapList' });

export const GapDraftResponse = z
  .object({
    gap: z.string(),
    filename: z.string(),
    slug: z.string(),
    causeId: z.string(),
    markdown: z.string().meta({ description: 'The article; it lints clean once steps are written.' }),
    attach: z
      .object({ cause: z.string(), article: z.string(), filename: z.string(), yaml: z.string() })
      .nullable()
      .meta({ description: 'For a gap near an existing cause: the signals to add to it instead.' }),
  })
  .meta({ id: 'GapDraft' });

export const GapIgnoreRequest = z
  .object({ ignored: z.boolean().default(true) })
  .strict()
  .meta({ id: 'GapIgnore' });

export const GapIgnoreResponse = z.object({ id: z.string(), status: z.enum(['open', 'settled', 'ignored']) });

export const SessionDataResponse = z
  .object({
    session: z.string(),
    events: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
    feedback: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
  })
  .meta({ id: 'SessionData', description: 'Everything kept about one client session id (data-subject request).' });

export const SessionDeletedResponse = z
  .object({ session: z.string(), deleted: z.object({ events: z.number().int(), feedback: z.number().int() }) })
  .meta({ id: 'SessionDeleted' });
