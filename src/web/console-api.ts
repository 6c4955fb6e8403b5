import type { ClientEvent } from '../http/api-types.ts';

/**
 * How the console talks to its server: the agent's token, and a session id per tab so the event
 * store counts this tab's votes once per item and tells the console's traffic from the widget's.
 */

export const TOKEN_KEY = 'fixpath-agent-token';
const SESSION_KEY = 'fixpath-console-session';
const SESSION_HEADER = 'x-fixpath-session';
const CHANNEL_HEADER = 'x-fixpath-channel';
const CHANNEL = 'console';

/** The tab's random session id (the server accepts 8 to 64 of `[A-Za-z0-9_-]`), made on first use. */
export function sessionId(): string {
  let id = sessionStorage.getItem(SESSION_KEY);
  if (!id) {
    id = crypto.randomUUID();
    sessionStorage.setItem(SESSION_KEY, id);
  }
  return id;
}

export function apiHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return {
    ...extra,
    [SESSION_HEADER]: sessionId(),
    [CHANNEL_HEADER]: CHANNEL,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

/** An API error the page can word for its reader: the server's own detail, and the status. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, { ...init, headers: apiHeaders(init.headers as Record<string, string>) });
  const body = (await response.json().catch(() => ({}))) as T & { detail?: string };
  if (!response.ok) throw new ApiError(body.detail ?? `the server answered ${response.status}`, response.status);
  return body;
}

export function postJson<T>(path: string, body: unknown): Promise<T> {
  return api<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Tell the server an article was opened; `keepalive` lets it finish while the link navigates away. */
export function recordView(event: ClientEvent): void {
  void fetch('/v1/events', {
    method: 'POST',
    keepalive: true,
    headers: apiHeaders({ 'content-type': 'application/json' }),
    body: JSON.stringify(event),
  }).catch(() => undefined);
}
