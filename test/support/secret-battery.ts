import { seededRandom } from './seeded-random.ts';
/**
 * A battery of realistic secrets planted the way captures and pastes really carry them: no
 * marker word inside, each one unique, each recorded with its place. A test passes only if
 * none of them comes back whole (raw, percent-encoded or JSON-escaped) from any output.
 *
 * Values come from a seeded generator, so every run plants the same battery.
 */

export interface PlantedSecret {
  /** What must never come back whole. */
  value: string;
  /** Where it was planted, for the failure message. */
  place: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64 = `${ALNUM}+/`;
const BASE64URL = `${ALNUM}-_`;
const HEX = '0123456789abcdef';
const WORDS = [
  'tidal',
  'orbit',
  'maple',
  'quartz',
  'ember',
  'lantern',
  'violet',
  'harbor',
  'cinder',
  'meadow',
  'falcon',
  'pepper',
];

export interface Battery {
  secrets: PlantedSecret[];
  har: Record<string, unknown>;
  /** Pastes as a support agent or customer would send them: error bodies, curl output, configs. */
  pastes: string[];
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function secretBattery(): Battery {
  const random = seededRandom(20_261_202);
  const secrets: PlantedSecret[] = [];
  const pick = (alphabet: string, length: number): string =>
    Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  /** Plant a value (or the part of it that is the secret) and remember where. */
  const plant = (place: string, value: string, core = value): string => {
    secrets.push({ value: core, place });
    return value;
  };
  const alnum = (place: string, length = 32): string => plant(place, pick(ALNUM, length));
  const hex = (place: string, length = 64): string => plant(place, pick(HEX, length));
  const base64 = (place: string, length = 44): string => plant(place, `${pick(BASE64, length - 1)}=`);
  const passphrase = (place: string): string =>
    plant(
      place,
      `${WORDS[Math.floor(random() * WORDS.length)]}-${WORDS[Math.floor(random() * WORDS.length)]}-${pick(ALNUM, 6)}`,
    );
  const jwt = (place: string, claims: Record<string, unknown> = {}): string => {
    const signature = pick(BASE64URL, 43);
    plant(place, signature);
    return `${b64url({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64url({ sub: 'u-1042', iss: 'https://auth.example.com/', aud: 'api', exp: 1_772_980_000, ...claims })}.${signature}`;
  };
  const basic = (place: string, user: string): string => {
    const password = alnum(`${place} (password)`, 20);
    return plant(place, b64(`${user}:${password}`));
  };
  const pem = (place: string, label: string): string => {
    const body = Array.from({ length: 6 }, () => pick(BASE64, 64)).join('\n');
    plant(place, body.split('\n')[2]!);
    return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
  };

  const started = (second: number): string => new Date(Date.UTC(2026, 2, 8, 14, 20, second)).toISOString();
  const header = (name: string, value: string) => ({ name, value });
  const entry = (
    second: number,
    request: Record<string, unknown>,
    response: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) => ({
    startedDateTime: started(second),
    time: 120,
    request: {
      httpVersion: 'HTTP/1.1',
      headers: [],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: -1,
      ...request,
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      headers: [],
      cookies: [],
      content: { size: 0, mimeType: 'text/plain' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
      ...response,
    },
    cache: {},
    timings: { send: 1, wait: 100, receive: 19 },
    ...extra,
  });
  const json = (value: unknown) => ({ size: 0, mimeType: 'application/json', text: JSON.stringify(value) });

  const samlResponse = plant(
    'SAMLResponse in an identity provider auto-post <input>',
    b64(
      `<samlp:Response ID="_${pick(HEX, 40)}"><saml:Assertion>${pick(BASE64, 180)}</saml:Assertion></samlp:Response>`,
    ),
  );
  const relayState = alnum('RelayState in an auto-post <input>', 28);
  const fragmentToken = alnum('access_token in a Location fragment', 40);
  const fragmentIdToken = jwt('id_token signature in a Location fragment');
  const authCode = alnum('authorization code in a token request form', 30);
  const sasSignature = base64('Azure SAS sig in a query', 44);

  const entries = [
    entry(
      0,
      {
        method: 'GET',
        url: 'https://idp.example.com/saml/sso?SAMLRequest=fZJNT8MwDIbv%2FIoo92lpV9Y1WicNEBISH4LBDlxQlrpbpMaJYgeDf0%2B2gQQHuNrvY%2FuxXNK6t6U%2Bntwv1VwqS',
        headers: [header('Cookie', `idp_sid=${alnum('idp_sid in a Cookie header')}; lang=en`)],
      },
      {
        headers: [
          header(
            'Set-Cookie',
            `idp_session=${alnum('first cookie of a newline-joined Set-Cookie')}; Path=/; Secure; HttpOnly\nidp_csrf=${alnum('second cookie of a newline-joined Set-Cookie', 24)}; Path=/\nidp_device=${hex('third cookie of a newline-joined Set-Cookie', 32)}; Max-Age=31536000`,
          ),
        ],
        content: {
          size: 0,
          mimeType: 'text/html',
          text: `<html><body onload="document.forms[0].submit()"><form method="post" action="https://app.example.com/saml/acs"><input type="hidden" name="SAMLResponse" value="${samlResponse}"/><input type="hidden" name="RelayState" value="${relayState}"/><input type="submit" value="Continue"/></form></body></html>`,
        },
      },
    ),
    entry(
      1,
      {
        method: 'POST',
        url: 'https://app.example.com/saml/acs',
        headers: [header('Content-Type', 'application/x-www-form-urlencoded')],
        postData: {
          mimeType: 'application/x-www-form-urlencoded',
          text: `SAMLResponse=${encodeURIComponent(samlResponse)}&RelayState=${relayState}`,
          params: [
            { name: 'SAMLResponse', value: samlResponse },
            { name: 'RelayState', value: relayState },
          ],
        },
      },
      {
        status: 302,
        statusText: 'Found',
        headers: [
          header(
            'Location',
            `https://app.example.com/#access_token=${fragmentToken}&id_token=${fragmentIdToken}&token_type=Bearer&expires_in=3600`,
          ),
        ],
        redirectURL: `https://app.example.com/#access_token=${fragmentToken}&token_type=Bearer`,
      },
    ),
    entry(
      2,
      {
        method: 'GET',
        url: `https://app.example.com/callback#access_token=${fragmentToken}&state=${alnum('state in a URL fragment', 24)}`,
        headers: [
          header(
            'Referer',
            `https://idp.example.com/authorize/done#id_token=${jwt('id_token signature in a Referer fragment')}`,
          ),
        ],
      },
      {},
    ),
    entry(
      3,
      {
        method: 'POST',
        url: 'https://auth.example.com/oauth/token',
        headers: [
          header('Authorization', `Basic ${basic('Basic credentials of a token request', 'web')}`),
          header('Content-Type', 'application/x-www-form-urlencoded'),
        ],
        postData: {
          mimeType: 'application/x-www-form-urlencoded',
          text: `grant_type=authorization_code&code=${authCode}&code_verifier=${alnum('PKCE code_verifier in a form', 43)}&client_id=web&client_secret=${alnum('client_secret in a form')}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb`,
          params: [{ name: 'code', value: authCode }],
        },
      },
      {
        content: json({
          access_token: alnum('access_token in a token response', 40),
          refresh_token: alnum('refresh_token in a token response', 48),
          id_token: jwt('id_token signature in a token response'),
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      },
    ),
    entry(
      4,
      {
        method: 'POST',
        url: 'https://auth.example.com/oauth/token',
        postData: {
          mimeType: 'application/json',
          text: JSON.stringify({
            grant_type: 'refresh_token',
            refresh_tokens: [
              alnum('first of an array under refresh_tokens'),
              alnum('second of an array under refresh_tokens'),
            ],
          }),
        },
      },
      {
        status: 400,
        statusText: 'Bad Request',
        content: json({
          error: 'invalid_grant',
          error_description: 'AADSTS700082: The refresh token has expired due to inactivity.',
        }),
      },
    ),
    entry(
      5,
      {
        method: 'GET',
        url: 'https://api.example.com/v1/me',
        headers: [
          header(
            'Authorization',
            `Bearer ${jwt('bearer JWT signature in an Authorization header', { api_key: alnum('API key carried in a JWT claim', 32) })}`,
          ),
        ],
      },
      {
        status: 401,
        statusText: 'Unauthorized',
        headers: [
          header(
            'WWW-Authenticate',
            'Bearer realm="api", error="invalid_token", error_description="The token expired"',
          ),
        ],
        content: json({ error: 'invalid_token' }),
      },
    ),
    entry(
      6,
      {
        method: 'GET',
        url: `https://api.example.com/v1/orders?api_key=${alnum('api_key in a query')}&page=2`,
        headers: [
          header('X-Acme-Hmac', hex('X-Acme-Hmac header (no keyword in the name)')),
          header('X-Widget-Ident', alnum('X-Widget-Ident header (a custom name)', 36)),
          header('X-Amz-Security-Token', base64('X-Amz-Security-Token header', 120)),
        ],
      },
      { status: 403, statusText: 'Forbidden', content: json({ message: 'Forbidden' }) },
    ),
    entry(
      7,
      {
        method: 'GET',
        url: 'https://api.exchange.example/accounts',
        headers: [
          header('CB-ACCESS-KEY', alnum('CB-ACCESS-KEY header', 32)),
          header('CB-ACCESS-SIGN', base64('CB-ACCESS-SIGN header')),
          header('CB-ACCESS-PASSPHRASE', passphrase('CB-ACCESS-PASSPHRASE header')),
          header('CB-ACCESS-TIMESTAMP', '1772979600'),
        ],
      },
      { status: 401, statusText: 'Unauthorized', content: json({ message: 'invalid signature' }) },
    ),
    (() => {
      const password = alnum('multipart field named password', 18);
      const apiKey = alnum('multipart field api_key', 32);
      const passphraseInFile = passphrase('passphrase in a JSON file inside a multipart upload');
      const boundary = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
      const text = [
        `--${boundary}`,
        'Content-Disposition: form-data; name="username"',
        '',
        'alice',
        `--${boundary}`,
        'Content-Disposition: form-data; name="password"',
        '',
        password,
        `--${boundary}`,
        'Content-Disposition: form-data; name="api_key"',
        '',
        apiKey,
        `--${boundary}`,
        'Content-Disposition: form-data; name="config"; filename="config.json"',
        'Content-Type: application/json',
        '',
        JSON.stringify({ passphrase: passphraseInFile }),
        `--${boundary}--`,
        '',
      ].join('\r\n');
      return entry(
        8,
        {
          method: 'POST',
          url: 'https://api.example.com/v1/upload',
          postData: {
            mimeType: `multipart/form-data; boundary=${boundary}`,
            text,
            params: [
              { name: 'username', value: 'alice' },
              { name: 'password', value: password },
              { name: 'api_key', value: apiKey },
            ],
          },
        },
        { status: 401, statusText: 'Unauthorized' },
      );
    })(),
    entry(
      9,
      { method: 'POST', url: 'https://sts.amazonaws.com/?Action=AssumeRole&Version=2011-06-15' },
      {
        content: {
          size: 0,
          mimeType: 'text/xml',
          text: `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>${plant('AWS access key id in XML', `ASIA${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`)}</AccessKeyId><SecretAccessKey>${plant('SecretAccessKey in XML', pick(BASE64, 40))}</SecretAccessKey><SessionToken>${base64('SessionToken in XML', 200)}</SessionToken><Expiration>2026-03-08T15:20:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`,
        },
      },
    ),
    entry(
      10,
      { method: 'GET', url: 'https://storage.example.com/keys/service-account.json' },
      {
        content: json({
          type: 'service_account',
          project_id: 'demo-project',
          private_key_id: hex('private_key_id in a service account file', 40),
          private_key: pem('PEM private key in a JSON string', 'PRIVATE KEY'),
          client_email: 'svc@demo-project.iam.gserviceaccount.com',
        }),
      },
    ),
    entry(
      11,
      { method: 'GET', url: 'https://api.example.com/v1/integrations' },
      {
        content: json({
          items: [
            { label: 'npm', value: plant('npm_ token under a neutral name', `npm_${pick(ALNUM, 36)}`) },
            { label: 'google', value: plant('ya29. token under a neutral name', `ya29.${pick(BASE64URL, 120)}`) },
            { label: 'slack refresh', value: plant('xoxe- token under a neutral name', `xoxe-1-${pick(ALNUM, 140)}`) },
            {
              label: 'slack app',
              value: plant(
                'xapp- token under a neutral name',
                `xapp-1-A0${pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 9)}-${pick('0123456789', 13)}-${pick(HEX, 64)}`,
              ),
            },
            { label: 'github', value: plant('ghp_ token under a neutral name', `ghp_${pick(ALNUM, 36)}`) },
            { label: 'stripe', value: plant('sk_live_ key under a neutral name', `sk_live_${pick(ALNUM, 24)}`) },
            {
              label: 'gitlab',
              value: plant('glpat- token under a neutral name', `glpat-${pick(BASE64URL.replace(/[+/]/g, ''), 20)}`),
            },
            {
              label: 'sendgrid',
              value: plant('SendGrid key under a neutral name', `SG.${pick(BASE64URL, 22)}.${pick(BASE64URL, 43)}`),
            },
          ],
        }),
      },
    ),
    (() => {
      const ciphertext = pick(BASE64URL, 96);
      plant('encrypted JWT (alg dir) in a query', ciphertext);
      const jwe = `${b64url({ alg: 'dir', enc: 'A256GCM' })}..${pick(BASE64URL, 16)}.${ciphertext}.${pick(BASE64URL, 22)}`;
      return entry(
        12,
        {
          method: 'GET',
          url: `https://api.example.com/v1/session/resume?payload=${jwe}`,
          queryString: [{ name: 'payload', value: jwe }],
        },
        { status: 401, statusText: 'Unauthorized' },
      );
    })(),
    entry(
      13,
      { method: 'GET', url: `https://app.example.com/reset-password/${alnum('token in a /reset-password/ path', 40)}` },
      { status: 410, statusText: 'Gone' },
    ),
    entry(
      14,
      {
        method: 'POST',
        url: 'https://api.example.com/v1/webhooks',
        postData: {
          mimeType: 'application/json',
          text: JSON.stringify({
            target: `https://hooks.slack.com/services/T0123ABCD/B0456EFGH/${alnum('Slack webhook URL secret part', 24)}`,
            mirror: `https://discord.com/api/webhooks/1234567890123456789/${pick(BASE64URL, 0)}${alnum('Discord webhook URL secret part', 68)}`,
          }),
        },
      },
      { status: 201, statusText: 'Created' },
    ),
    entry(
      15,
      { method: 'GET', url: 'https://debug.example.com/echo' },
      {
        content: {
          size: 0,
          mimeType: 'text/html',
          text: `<html><body><h1>Request echo</h1><pre>Set-Cookie: debug_sid=${alnum('Set-Cookie line quoted inside an HTML body')}; HttpOnly\nAuthorization: Bearer ${alnum('Authorization line quoted inside an HTML body', 36)}</pre></body></html>`,
        },
      },
    ),
    entry(
      16,
      {
        method: 'GET',
        url: `https://admin:${alnum('password in URL userinfo', 20)}@legacy.example.com/status`,
        headers: [header('Host', `admin:${alnum('password in a Host header', 20)}@legacy.example.com`)],
      },
      { status: 401, statusText: 'Unauthorized' },
    ),
    entry(
      17,
      { method: 'GET', url: 'https://api.example.com/v1/debug/config' },
      {
        content: json({
          cache: `redis://:${alnum('redis:// password with no user', 24)}@cache.internal:6379/0`,
          database: `postgres://app:${alnum('postgres:// password', 24)}@db.internal:5432/app`,
        }),
      },
    ),
    entry(
      18,
      {
        method: 'GET',
        url: `https://files.example.com/b/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260308%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=${hex('X-Amz-Signature in a presigned URL')}&X-Amz-Security-Token=${encodeURIComponent(base64('X-Amz-Security-Token in a presigned URL', 80))}&sig=${encodeURIComponent(sasSignature)}`,
      },
      { status: 403, statusText: 'Forbidden' },
    ),
    entry(
      19,
      { method: 'GET', url: 'https://api.example.com/v1/session' },
      {
        content: {
          size: 0,
          mimeType: 'application/json',
          encoding: 'base64',
          text: b64(JSON.stringify({ session_token: alnum('session_token inside a base64 body') })),
        },
      },
    ),
    entry(
      20,
      { method: 'GET', url: 'wss://api.example.com/stream' },
      { status: 101, statusText: 'Switching Protocols' },
      {
        _webSocketMessages: [
          {
            type: 'send',
            time: 1,
            opcode: 1,
            data: JSON.stringify({ type: 'auth', token: alnum('token in a WebSocket message') }),
          },
        ],
      },
    ),
    entry(
      21,
      { method: 'GET', url: 'https://app.example.com/app.js' },
      {},
      {
        _initiator: {
          type: 'script',
          url: `https://app.example.com/loader.js?token=${alnum('token in an _initiator URL')}`,
        },
      },
    ),
    entry(
      22,
      {
        method: 'GET',
        url: 'https://app.example.com/api/profile',
        cookies: [{ name: 'sid', value: alnum('request.cookies value') }],
      },
      { cookies: [{ name: 'refresh', value: alnum('response.cookies value', 40), path: '/', httpOnly: true }] },
    ),
    entry(
      23,
      {
        method: 'GET',
        url: 'https://api.github.example/user',
        headers: [
          header('Authorization', `token ${plant('GitHub token after the "token" scheme', `ghp_${pick(ALNUM, 36)}`)}`),
          header('Proxy-Authorization', `Basic ${basic('Basic credentials in Proxy-Authorization', 'proxy')}`),
        ],
      },
      { status: 401, statusText: 'Unauthorized' },
    ),
    entry(
      24,
      {
        method: 'POST',
        url: 'https://api.example.com/graphql',
        postData: {
          mimeType: 'application/json',
          text: JSON.stringify({
            query: 'mutation Login($input: LoginInput!) { login(input: $input) { ok } }',
            variables: {
              input: {
                email: 'alice@example.com',
                password: alnum('password in GraphQL variables', 16),
                otp: plant('one-time code in GraphQL variables', pick('0123456789', 8)),
              },
            },
          }),
        },
      },
      { content: json({ errors: [{ message: 'Invalid credentials', extensions: { code: 'UNAUTHENTICATED' } }] }) },
    ),
    entry(
      25,
      { method: 'GET', url: 'https://app.example.com/settings' },
      {
        content: {
          size: 0,
          mimeType: 'text/html',
          text: `<html><head><meta name="csrf-token" content="${alnum('csrf-token <meta> content')}"><script>window.__CONFIG__ = { apiKey: "${alnum('apiKey assigned in an inline script', 39)}", publicUrl: "https://app.example.com" };</script></head></html>`,
        },
      },
    ),
    entry(
      26,
      { method: 'POST', url: 'https://auth.example.com/oauth/token' },
      {
        status: 401,
        statusText: 'Unauthorized',
        content: json({
          error: 'invalid_client',
          error_description: 'Client authentication failed',
          debug: { received_secret: alnum('client secret echoed in a nested debug object') },
        }),
      },
    ),
    entry(
      27,
      {
        method: 'GET',
        url: 'https://legacy.example.com/v1/x',
        headers: [
          header(
            'Authorization',
            `Digest username="alice", realm="api", nonce="${alnum('Digest nonce', 32)}", uri="/v1/x", response="${hex('Digest response hash', 32)}"`,
          ),
        ],
      },
      { status: 401, statusText: 'Unauthorized' },
    ),
    entry(
      28,
      {
        method: 'GET',
        url: 'https://s3.example.com/bucket/key',
        headers: [
          header(
            'Authorization',
            `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260308/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${hex('SigV4 signature in an Authorization header')}`,
          ),
        ],
      },
      { status: 403, statusText: 'Forbidden' },
    ),
    entry(
      29,
      {
        method: 'GET',
        url: 'https://api.example.com/v1/reports',
        headers: [
          header('X-Api-Key', alnum('X-Api-Key header')),
          header('X-Auth-Token', alnum('X-Auth-Token header')),
          header('X-CSRF-Token', base64('X-CSRF-Token header', 44)),
        ],
      },
      {
        status: 403,
        statusText: 'Forbidden',
        headers: [
          header('X-Refresh-Token', alnum('X-Refresh-Token response header')),
          header('X-Upstream-Ident', alnum('random value in an unknown response header', 40)),
        ],
      },
    ),
    entry(
      30,
      {
        method: 'GET',
        url: `https://api.example.com/v1/items;jsessionid=${hex('jsessionid path parameter', 32).toUpperCase()}?view=list`,
      },
      {},
    ),
    entry(
      31,
      {
        method: 'GET',
        url: `https://api.example.com/v1/blob?${'token'}=${alnum('token in a query, also in queryString', 36)}`,
        queryString: [],
      },
      { status: 401, statusText: 'Unauthorized' },
    ),
  ];
  const last = entries.at(-1)! as unknown as {
    request: { url: string; queryString: Array<{ name: string; value: string }> };
  };
  last.request.queryString.push({ name: 'token', value: new URL(last.request.url).searchParams.get('token')! });
  // jsessionid was planted upper-cased.
  secrets.find((secret) => secret.place === 'jsessionid path parameter')!.value = /jsessionid=([0-9A-F]+)/.exec(
    (entries[30] as unknown as { request: { url: string } }).request.url,
  )![1]!;

  // Comments and a browser's own fields are free text too.
  (entries[5] as unknown as { request: Record<string, unknown> }).request.comment =
    `replayed with Authorization: Bearer ${alnum('Bearer token in a request comment', 40)}`;
  (entries[6] as unknown as { response: { content: Record<string, unknown> } }).response.content.comment =
    `cached copy of api_key=${alnum('api_key in a content comment', 32)}`;
  const har = {
    log: {
      comment: `exported for support by alice; session cookie sid=${alnum('session cookie quoted in the log comment')}`,
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [
        {
          id: 'page_1',
          title: `https://app.example.com/dashboard?session=${alnum('session in a page title URL')}`,
          startedDateTime: started(0),
          pageTimings: {},
        },
      ],
      entries,
    },
  };

  const pastes = [
    `curl -v https://api.example.com/v1/me\n> GET /v1/me HTTP/1.1\n> Host: api.example.com\n> Authorization: Bearer ${alnum('Bearer token in curl -v output', 40)}\n> Cookie: session=${alnum('Cookie in curl -v output')}\n> X-Acme-Hmac: ${hex('X-Acme-Hmac in curl -v output')}\n>\n< HTTP/1.1 401 Unauthorized\n< WWW-Authenticate: Bearer error="invalid_token"\n< Set-Cookie: sid=${alnum('Set-Cookie in curl -v output')}; Path=/\n<\n{"error":"invalid_token"}`,
    `I run: curl -u deploy:${alnum('curl -u password', 20)} https://ci.example.com/api/jobs and also curl -H 'X-Api-Key: ${alnum('curl -H custom key header', 32)}' -d 'client_secret=${alnum('client_secret in curl -d', 32)}&grant_type=client_credentials' https://auth.example.com/token and both return 401 Unauthorized`,
    `our .env has\nSTRIPE_SECRET_KEY=${plant('Stripe key in a .env paste', `sk_live_${pick(ALNUM, 32)}`)}\nDATABASE_URL=postgres://app:${alnum('database password in a .env paste', 24)}@db:5432/app\nAWS_SECRET_ACCESS_KEY=${plant('AWS secret key in a .env paste', pick(BASE64, 40))}\nREDIS_URL=redis://:${alnum('redis password in a .env paste', 24)}@cache:6379\nand since the deploy every call says 401 invalid_client`,
    `the signing key we load is\n${pem('PEM RSA private key pasted as text', 'RSA PRIVATE KEY')}and the API answers 401 invalid signature`,
    JSON.stringify({
      error: 'invalid_token',
      message: `token ${alnum('token echoed in a pasted error message', 40)} is not valid`,
      request: { headers: { authorization: `Bearer ${alnum('Bearer inside a pasted JSON error', 40)}` } },
    }),
    `HTTP/1.1 302 Found\nLocation: https://app.example.com/cb#access_token=${alnum('fragment token in a pasted Location header', 40)}&token_type=Bearer\nSet-Cookie: a=${alnum('first pasted Set-Cookie')}; Path=/\nSet-Cookie: b=${alnum('second pasted Set-Cookie')}; Path=/\n\nthen the app gets 401`,
    `Error: request failed with status code 401\n    at login (/srv/app/auth.js:10:7) password=${alnum('password= in a stack trace', 14)} user=alice\n    config: { passphrase: '${passphrase('quoted passphrase in a pasted config')}' }`,
    `we rotated ${plant('Slack bot token in prose', `xoxb-${pick('0123456789', 12)}-${pick('0123456789', 13)}-${pick(ALNUM, 24)}`)} and now https://hooks.slack.com/services/T0123ABCD/B0456EFGH/${alnum('Slack webhook secret in prose', 24)} fails with 401`,
    `<ErrorResponse><Error><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error><SessionToken>${base64('SessionToken in a pasted XML error', 120)}</SessionToken></ErrorResponse>`,
    `Google gives 401 for ${plant('ya29. token in prose', `ya29.${pick(BASE64URL, 100)}`)} and npm publish fails with ${plant('npm token in prose', `npm_${pick(ALNUM, 36)}`)}`,
    `the IdP posts SAMLResponse=${encodeURIComponent(plant('SAMLResponse in a pasted form body', b64(`<samlp:Response>${pick(BASE64, 160)}</samlp:Response>`)))}&RelayState=${alnum('RelayState in a pasted form body', 24)} and we get 403 Forbidden`,
    `Authorization: Bearer ${jwt('JWT signature in a pasted header line', { exp: 1_600_000_000 })}\nresponse: 401 Unauthorized, jwt expired`,
  ];
  return { secrets, har, pastes };
}

/** Every planted value found whole in the text: raw, percent-encoded or JSON-escaped. */
export function leakedSecrets(secrets: PlantedSecret[], text: string): string[] {
  return secrets
    .filter(({ value }) =>
      [
        value,
        encodeURIComponent(value),
        JSON.stringify(value).slice(1, -1),
        JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1),
      ].some((form) => text.includes(form)),
    )
    .map(({ place, value }) => `${place}: ${value.slice(0, 12)}…`);
}
