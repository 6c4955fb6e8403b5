import type { z } from 'zod';
import type {
  ArticleListResponse,
  ArticleResponse,
  CauseAnswer,
  ChatContextSchema,
  ChatRequest,
  ChatResponse,
  ClientEventRequest,
  DiagnosisResponse,
  FeedbackRequest,
  GapDraftResponse,
  GapIgnoreResponse,
  GapListResponse,
  InsightsSummaryResponse,
  MeResponse,
  ProblemResponse,
  SearchResponse,
  SuggestResponse,
} from './schemas.ts';

/**
 * What the API answers, as its clients (the widget, the console) see it: inferred from the
 * schemas the routes and the OpenAPI document are made of, so a client cannot keep a stale copy.
 * Type-only: importing it adds nothing to a browser bundle.
 */
export type Diagnosis = z.output<typeof DiagnosisResponse>;
export type Cause = z.output<typeof CauseAnswer>;
export type Finding = Diagnosis['findings'][number];
export type ChatTurn = z.input<typeof ChatRequest>['messages'][number];
export type ChatContext = z.output<typeof ChatContextSchema>;
export type ChatReply = z.output<typeof ChatResponse>;
export type SearchResults = z.output<typeof SearchResponse>;
export type Suggestions = z.output<typeof SuggestResponse>;
export type ArticleList = z.output<typeof ArticleListResponse>;
export type ArticleDetail = z.output<typeof ArticleResponse>;
export type Me = z.output<typeof MeResponse>;
export type Problem = z.output<typeof ProblemResponse>;
export type FeedbackVote = z.input<typeof FeedbackRequest>;
export type ClientEvent = z.input<typeof ClientEventRequest>;
export type InsightsSummary = z.output<typeof InsightsSummaryResponse>;
export type GapList = z.output<typeof GapListResponse>;
export type Gap = GapList['gaps'][number];
export type GapDraft = z.output<typeof GapDraftResponse>;
export type GapIgnored = z.output<typeof GapIgnoreResponse>;
