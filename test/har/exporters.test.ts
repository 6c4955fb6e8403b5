import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diagnose } from '../../src/diagnose/diagnose.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { makeJwt } from '../support/jwt.ts';
import { ROOT } from '../support/server.ts';

/**
 * One failure, exported by each tool a customer may capture it with. Every exporter writes
 * HAR 1.2 its own way (how a request without a response looks, where the failure text sits,
 * how times are written, what else it records); the verdict must not depend on which one.
 * The shapes follow each tool's exporter: Chromium DevTools (`_error`, status 0), Playwright
 * (status -1, `_failureText`), Firefox, Safari's Web Inspector, Charles, Fiddler (seven
 * fractional digits and an offset in times, CONNECT tunnels, its own 502 page when it cannot
 * reach the server) and mitmproxy (status 0, `content: {}`, `_error` on the response, null
 * timings).
 */
const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
const verdict = (har: unknown) =>
  diagnose({ har }, { kb: library.kb, index: library.index, clock: () => new Date(), includeInternal: false });

const worked = new Date('2026-03-08T13:20:00Z');
const failed = new Date('2026-03-08T14:25:00Z');
const token = makeJwt({
  iss: 'https://auth.example.com/',
  sub: 'user_1',
  aud: 'https://api.example.com',
  iat: worked.getTime() / 1000 - 60,
  exp: worked.getTime() / 1000 + 3540,
});
const challenge = 'Bearer realm="api", error="invalid_token", error_description="The access token expired"';

interface Shape {
  creator: { name: string; version: string; comment?: string };
  time: (date: Date) => string;
  /** The rest of an entry as this exporter writes it. */
  entry: (request: Record<string, unknown>, response: Record<string, unknown>, date: Date) => Record<string, unknown>;
  /** A request to https://api.example.com/v1/me that never got an answer: the server refused the connection. */
  refused?: (date: Date) => Array<Record<string, unknown>>;
  /** Extra entries the exporter records around the exchanges (tunnels). */
  around?: (date: Date) => Array<Record<string, unknown>>;
}

const headers = (pairs: Record<string, string>) => Object.entries(pairs).map(([name, value]) => ({ name, value }));
const request = (auth: string) => ({
  method: 'GET',
  url: 'https://api.example.com/v1/me',
  httpVersion: 'HTTP/1.1',
  headers: headers({ Host: 'api.example.com', Authorization: `Bearer ${auth}`, Accept: 'application/json' }),
  queryString: [],
  cookies: [],
  headersSize: -1,
  bodySize: 0,
});
const ok = {
  status: 200,
  statusText: 'OK',
  httpVersion: 'HTTP/1.1',
  headers: headers({ 'Content-Type': 'application/json' }),
  cookies: [],
  content: { size: 18, mimeType: 'application/json', text: '{"id":"user_1"}' },
  redirectURL: '',
  headersSize: -1,
  bodySize: 18,
};
const rejected = {
  status: 401,
  statusText: 'Unauthorized',
  httpVersion: 'HTTP/1.1',
  headers: headers({ 'Content-Type': 'application/json', 'WWW-Authenticate': challenge }),
  cookies: [],
  content: { size: 25, mimeType: 'application/json', text: '{"error":"invalid_token"}' },
  redirectURL: '',
  headersSize: -1,
  bodySize: 25,
};
const iso = (date: Date) => date.toISOString();
const timings = { blocked: -1, dns: -1, connect: -1, send: 0, wait: 40, receive: 1, ssl: -1 };

const shapes: Record<string, Shape> = {
  'Chromium DevTools': {
    creator: { name: 'WebInspector', version: '537.36' },
    time: iso,
    entry: (req, res, date) => ({
      _initiator: { type: 'script' },
      _priority: 'High',
      _resourceType: 'fetch',
      cache: {},
      request: req,
      response: { ...res, _transferSize: 300, _error: null },
      serverIPAddress: '203.0.113.7',
      startedDateTime: iso(date),
      time: 41,
      timings,
    }),
    refused: (date) => [
      {
        _resourceType: 'fetch',
        cache: {},
        request: request(token),
        response: {
          status: 0,
          statusText: '',
          httpVersion: '',
          headers: [],
          cookies: [],
          content: { size: 0, mimeType: 'x-unknown' },
          redirectURL: '',
          headersSize: -1,
          bodySize: -1,
          _transferSize: 0,
          _error: 'net::ERR_CONNECTION_REFUSED',
        },
        startedDateTime: iso(date),
        time: 3,
        timings,
      },
    ],
  },
  Playwright: {
    creator: { name: 'Playwright', version: '1.56.0' },
    time: iso,
    entry: (req, res, date) => ({
      pageref: 'page@1',
      startedDateTime: iso(date),
      time: 41,
      request: req,
      response: { ...res, content: { ...(res.content as object), size: -1 } },
      cache: {},
      timings,
      serverIPAddress: '203.0.113.7',
      _frameref: 'frame@1',
      _monotonicTime: 1234.5,
    }),
    refused: (date) => [
      {
        pageref: 'page@1',
        startedDateTime: iso(date),
        time: -1,
        request: request(token),
        response: {
          status: -1,
          statusText: '',
          httpVersion: 'HTTP/1.1',
          cookies: [],
          headers: [],
          content: { size: -1, mimeType: 'x-unknown' },
          headersSize: -1,
          bodySize: -1,
          redirectURL: '',
          _transferSize: -1,
          _failureText: 'net::ERR_CONNECTION_REFUSED',
        },
        cache: {},
        timings,
      },
    ],
  },
  Firefox: {
    creator: { name: 'Firefox', version: '133.0' },
    time: iso,
    entry: (req, res, date) => ({
      pageref: 'page_1',
      startedDateTime: iso(date),
      request: req,
      response: res,
      cache: {},
      timings,
      time: 41,
      _securityState: 'secure',
      serverIPAddress: '203.0.113.7',
      connection: '443',
    }),
  },
  'Safari Web Inspector': {
    creator: { name: 'WebKit Web Inspector', version: '20621.1.15.11.10' },
    time: iso,
    entry: (req, res, date) => ({
      pageref: 'page-0',
      startedDateTime: iso(date),
      time: 41,
      request: { ...req, headers: [{ name: ':authority', value: 'api.example.com' }, ...(req.headers as object[])] },
      response: res,
      cache: {},
      timings,
      _fetchType: 'Network Load',
      _priority: 'high',
    }),
  },
  Charles: {
    creator: { name: 'Charles Proxy', version: '4.6.7' },
    time: (date) => date.toISOString().replace('Z', '+00:00'),
    entry: (req, res, date) => ({
      startedDateTime: date.toISOString().replace('Z', '+00:00'),
      time: 41,
      request: { ...req, comment: '' },
      response: { ...res, comment: '' },
      serverIPAddress: '203.0.113.7',
      cache: {},
      timings: { ...timings, comment: '' },
      comment: '',
    }),
  },
  Fiddler: {
    creator: { name: 'Fiddler', version: '5.0.20211.51073', comment: 'http://www.telerik.com/fiddler' },
    // Fiddler writes local time with seven fractional digits and the offset.
    time: (date) => new Date(date.getTime() + 3_600_000).toISOString().replace(/\.(\d{3})Z$/, '.$10000+01:00'),
    entry: (req, res, date) => ({
      startedDateTime: shapes.Fiddler!.time(date),
      time: 41,
      request: req,
      response: { ...res, content: { ...(res.content as object), compression: 0 } },
      cache: {},
      timings,
    }),
    around: (date) => [
      {
        startedDateTime: shapes.Fiddler!.time(date),
        time: 5,
        request: {
          method: 'CONNECT',
          url: 'http://api.example.com:443',
          httpVersion: 'HTTP/1.1',
          headers: headers({ Host: 'api.example.com:443' }),
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: 0,
        },
        response: {
          status: 200,
          statusText: 'Connection Established',
          httpVersion: 'HTTP/1.1',
          headers: [],
          cookies: [],
          content: { size: 0, mimeType: '' },
          redirectURL: '',
          headersSize: -1,
          bodySize: 0,
        },
        cache: {},
        timings,
      },
    ],
    refused: (date) => [
      {
        startedDateTime: shapes.Fiddler!.time(date),
        time: 2040,
        request: request(token),
        response: {
          status: 502,
          statusText: 'Fiddler - Connection Failed',
          httpVersion: 'HTTP/1.1',
          headers: headers({ 'Content-Type': 'text/html; charset=UTF-8', Connection: 'close' }),
          cookies: [],
          content: {
            size: 512,
            mimeType: 'text/html; charset=UTF-8',
            text: "[Fiddler] The connection to 'api.example.com' failed. <br />Error: ConnectionRefused (0x274d). <br />System.Net.Sockets.SocketException No connection could be made because the target machine actively refused it 203.0.113.7:443",
          },
          redirectURL: '',
          headersSize: -1,
          bodySize: 512,
        },
        cache: {},
        timings,
      },
    ],
  },
  mitmproxy: {
    creator: { name: 'mitmproxy exporthar', version: '0.1', comment: 'mitmproxy version 11.0.2' },
    time: (date) => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00'),
    entry: (req, res, date) => ({
      startedDateTime: date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00'),
      time: 41,
      request: req,
      response: {
        ...res,
        content: {
          size: (res.content as { size: number }).size,
          compression: 0,
          mimeType: (res.content as { mimeType: string }).mimeType,
          text: (res.content as { text: string }).text,
        },
      },
      cache: {},
      timings: { connect: null, ssl: null, send: 0.4, receive: 1.2, wait: 40 },
      serverIPAddress: '203.0.113.7',
    }),
    refused: (date) => [
      {
        startedDateTime: date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00'),
        time: 0,
        request: request(token),
        response: {
          status: 0,
          statusText: '',
          httpVersion: '',
          headers: [],
          cookies: [],
          content: {},
          redirectURL: '',
          headersSize: -1,
          bodySize: -1,
          _transferSize: 0,
          _error: 'Connection refused',
        },
        cache: {},
        timings: { connect: null, ssl: null, send: 0, receive: 0, wait: 0 },
      },
    ],
  },
};

function capture(shape: Shape, entries: Array<Record<string, unknown>>): unknown {
  return { log: { version: '1.2', creator: shape.creator, pages: [], entries } };
}

describe('the same failure exported by each capture tool', () => {
  for (const [name, shape] of Object.entries(shapes)) {
    it(`${name}: an access token used past its expiry is named, with the time it expired`, () => {
      const entries = [
        ...(shape.around?.(worked) ?? []),
        shape.entry(request(token), ok, worked),
        ...(shape.around?.(failed) ?? []),
        shape.entry(request(token), rejected, failed),
      ];
      const result = verdict(capture(shape, entries));
      assert.equal(
        result.causes[0]?.id,
        'token-expired',
        JSON.stringify(result.causes.map((cause) => [cause.id, cause.confidence])),
      );
      assert.equal(result.input.failing, 1);
      assert.ok(
        result.causes[0]!.evidence.some((evidence) => /expired .*before/.test(evidence.detail)),
        JSON.stringify(result.causes[0]!.evidence),
      );
    });

    const refused = shape.refused;
    if (!refused) continue;
    it(`${name}: a request the server refused is a network failure, not an authentication problem`, () => {
      const result = verdict(capture(shape, [shape.entry(request(token), ok, worked), ...refused(failed)]));
      assert.equal(
        result.causes[0]?.id,
        'network-or-tls-failure',
        JSON.stringify(result.causes.map((cause) => [cause.id, cause.confidence])),
      );
      assert.equal(result.causes[0]?.kind, 'lookalike');
      assert.equal(result.findings[0]?.status, 0);
    });
  }
});
