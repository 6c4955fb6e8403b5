/**
 * A capture with one unique secret planted in every place a HAR can carry one. Each planted
 * value contains CANARY (any case), so a single search proves none of them leaked.
 */
export const CANARY = 'zqcanary';

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = Date.parse('2026-03-08T14:23:45Z') / 1000;
export const CANARY_JWT = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ sub: 'u1', iss: 'https://auth.example.com/', exp: now - 600 })}.${b64(`${CANARY}-jwt-signature`)}`;
const basic = Buffer.from(`client:${CANARY}-basic-password`).toString('base64');
const base64Body = Buffer.from(JSON.stringify({ access_token: `${CANARY}-in-base64`, note: 'ok' })).toString('base64');

export function canaryHar(): Record<string, unknown> {
  return {
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [
        {
          id: 'page_1',
          title: `https://app.example.com/?session=${CANARY}-page-title`,
          startedDateTime: '2026-03-08T14:23:40Z',
          pageTimings: {},
        },
      ],
      entries: [
        {
          startedDateTime: '2026-03-08T14:23:41Z',
          request: {
            method: 'POST',
            url: `https://user:${CANARY}-url-password@auth.example.com/oauth/token?client_secret=${CANARY}-query-secret`,
            httpVersion: 'HTTP/2',
            headers: [
              { name: ':authority', value: 'auth.example.com' },
              { name: 'authorization', value: `Basic ${basic}` },
              { name: 'proxy-authorization', value: `Bearer ${CANARY}-proxy` },
              { name: 'content-type', value: 'application/x-www-form-urlencoded' },
            ],
            queryString: [{ name: 'client_secret', value: `${CANARY}-query-secret` }],
            cookies: [{ name: 'sid', value: `${CANARY}-cookie-array` }],
            postData: {
              mimeType: 'application/x-www-form-urlencoded',
              text: `grant_type=refresh_token&refresh_token=${CANARY}-form-text&client_id=web`,
              params: [
                { name: 'refresh_token', value: `${CANARY}-form-param` },
                { name: 'grant_type', value: 'refresh_token' },
              ],
            },
          },
          response: {
            status: 400,
            statusText: 'Bad Request',
            headers: [
              { name: 'set-cookie', value: `refresh=${CANARY}-set-cookie; Path=/; Secure; SameSite=None` },
              { name: 'content-type', value: 'application/json' },
            ],
            cookies: [{ name: 'refresh', value: `${CANARY}-response-cookie` }],
            content: {
              mimeType: 'application/json',
              text: JSON.stringify({
                error: 'invalid_grant',
                error_description: 'Refresh token expired',
                debug: { nested: { deeper: [{ password: `${CANARY}-json-deep` }] } },
              }),
            },
            redirectURL: '',
          },
        },
        {
          startedDateTime: '2026-03-08T14:23:45Z',
          request: {
            method: 'GET',
            url: `https://api.example.com/v2/devices?access_token=${CANARY}-query-token`,
            headers: [
              { name: 'Authorization', value: `Bearer ${CANARY_JWT}` },
              { name: 'Cookie', value: `sid=${CANARY}-cookie-header; theme=dark` },
              { name: 'X-Api-Key', value: `${CANARY}-api-key-header` },
              { name: 'X-Session-Id', value: `${CANARY}-session-header` },
              { name: 'X-Request-Signature', value: `${CANARY}-signature-header` },
              { name: 'X-Auth-Code', value: `${CANARY}-code-header` },
              { name: 'X-Client-Secret', value: `${CANARY}-secret-header` },
              {
                name: 'X-Debug',
                value: `sk_live_${CANARY}0000stripe AKIA${CANARY.toUpperCase()}00000000 ghp_${CANARY}0000000000000000000000000000 AIza${CANARY}000000000000000000000000000000`,
              },
            ],
            queryString: [{ name: 'access_token', value: `${CANARY}-query-token` }],
          },
          response: {
            status: 401,
            headers: [
              {
                name: 'www-authenticate',
                value: 'Bearer error="invalid_token", error_description="The access token expired"',
              },
              { name: 'content-type', value: 'application/json' },
            ],
            content: { mimeType: 'application/json', text: base64Body, encoding: 'base64' },
          },
          _webSocketMessages: [{ type: 'send', data: `{"token":"${CANARY}-websocket"}` }],
          _initiator: { type: 'script', url: `https://app.example.com/app.js?apikey=${CANARY}-initiator` },
        },
      ],
    },
  };
}
