import type { Exchange, Header, RequestRecord, ResponseRecord } from './types.ts';

const STATUS_LINE = /^HTTP\/\d(?:\.\d)?\s+(\d{3})(?:\s+(.*))?$/i;
const REQUEST_LINE = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|CONNECT|TRACE)\s+(\S+)(?:\s+HTTP\/[\d.]+)?$/i;
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z:]+?)\s*:\s?(.*)$/;
const CURL_NOISE = /^(\*|\{ \[|\} \[|% Total|\s+Dload|\s*\d+\s+\d+)/;

export interface ParsedHttpText {
  exchange: Exchange;
  /** Whatever surrounded the HTTP message: the person's own words. */
  commentary: string;
}

/**
 * Read a pasted HTTP exchange: a raw response (status line, headers, body), optionally after
 * its request, or `curl -v` output with `>` request and `<` response lines. Returns `null`
 * when the text has no status line, so free text stays free text.
 */
export function parseHttpText(text: string): ParsedHttpText | null {
  const lines = text.split(/\r?\n/);
  const isCurl = lines.some((line) => /^< HTTP\/\d/i.test(line));
  return isCurl ? parseCurlVerbose(lines) : parseRawHttp(lines);
}

function parseCurlVerbose(lines: string[]): ParsedHttpText | null {
  const requestLines: string[] = [];
  const responseLines: string[] = [];
  const bodyLines: string[] = [];
  const commentary: string[] = [];
  let connectedHost: string | undefined;
  let seenResponse = false;
  for (const line of lines) {
    if (line.startsWith('> ') || line === '>') {
      requestLines.push(line.slice(2));
    } else if (line.startsWith('< ') || line === '<') {
      seenResponse = true;
      responseLines.push(line.slice(2));
    } else if (line.startsWith('*')) {
      connectedHost ??= /Connected to (\S+)/.exec(line)?.[1];
    } else if (seenResponse && !CURL_NOISE.test(line)) {
      bodyLines.push(line);
    } else if (!seenResponse && !CURL_NOISE.test(line) && !/^\s*(?:\$\s*)?curl\s/.test(line)) {
      commentary.push(line);
    }
  }
  const response = readResponse(responseLines);
  if (!response) return null;
  response.body = bodyLines.join('\n').trim() || undefined;
  const exchange: Exchange = { index: 0, response };
  const request = readRequest(requestLines, connectedHost);
  if (request) exchange.request = request;
  return { exchange, commentary: commentary.join('\n').trim() };
}

function parseRawHttp(lines: string[]): ParsedHttpText | null {
  const statusIndex = lines.findIndex((line) => STATUS_LINE.test(line.trim()));
  if (statusIndex < 0) return null;
  const requestIndex = lines.slice(0, statusIndex).findIndex((line) => REQUEST_LINE.test(line.trim()));
  const responseBlock = lines.slice(statusIndex);
  const headerEnd = responseBlock.findIndex((line, index) => index > 0 && line.trim() === '');
  const headerLines = headerEnd < 0 ? responseBlock : responseBlock.slice(0, headerEnd);
  const response = readResponse(headerLines.map((line) => line.trim()));
  if (!response) return null;
  if (headerEnd >= 0)
    response.body =
      responseBlock
        .slice(headerEnd + 1)
        .join('\n')
        .trim() || undefined;
  const exchange: Exchange = { index: 0, response };
  let commentaryEnd = statusIndex;
  if (requestIndex >= 0) {
    const requestBlock = lines.slice(requestIndex, statusIndex);
    const blank = requestBlock.findIndex((line) => line.trim() === '');
    const request = readRequest((blank < 0 ? requestBlock : requestBlock.slice(0, blank)).map((line) => line.trim()));
    if (request) {
      if (blank >= 0)
        request.body =
          requestBlock
            .slice(blank + 1)
            .join('\n')
            .trim() || undefined;
      exchange.request = request;
    }
    commentaryEnd = requestIndex;
  }
  return { exchange, commentary: lines.slice(0, commentaryEnd).join('\n').trim() };
}

function readHeaders(lines: string[]): Header[] {
  const headers: Header[] = [];
  for (const line of lines) {
    const match = HEADER_LINE.exec(line);
    if (match) headers.push({ name: match[1]!, value: match[2]!.trim() });
  }
  return headers;
}

function readResponse(lines: string[]): ResponseRecord | null {
  const statusIndex = lines.findIndex((line) => STATUS_LINE.test(line));
  if (statusIndex < 0) return null;
  const [, status, statusText] = STATUS_LINE.exec(lines[statusIndex]!)!;
  const response: ResponseRecord = {
    status: Number(status),
    headers: readHeaders(lines.slice(statusIndex + 1).filter((line) => line.trim() !== '')),
  };
  if (statusText) response.statusText = statusText;
  return response;
}

function readRequest(lines: string[], fallbackHost?: string): RequestRecord | null {
  const first = REQUEST_LINE.exec(lines[0]?.trim() ?? '');
  if (!first) return null;
  const headers = readHeaders(lines.slice(1).filter((line) => line.trim() !== ''));
  const target = first[2]!;
  const host = headers.find((header) => /^(host|:authority)$/i.test(header.name))?.value ?? fallbackHost;
  const url = /^https?:\/\//i.test(target)
    ? target
    : host
      ? `https://${host}${target.startsWith('/') ? '' : '/'}${target}`
      : target;
  return { method: first[1]!.toUpperCase(), url, headers };
}
