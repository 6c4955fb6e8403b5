/**
 * What a name says about the value under it. Names are read as words ("SecretAccessKey" is
 * secret, access, key; "CB-ACCESS-SIGN" is cb, access, sign), so "monkey" and "tokenizer" are
 * not secrets while "X-Acme-Hmac" is. Where a location can carry a secret whatever its name
 * (headers, cookies, query and form values), the redactor keeps only what these lists call
 * harmless; elsewhere (JSON members, free text) a secret-sounding name is what marks a value.
 */

/** Words that make a name secret wherever they appear in it. */
const SECRET_WORDS = new Set([
  'key',
  'apikey',
  'token',
  'secret',
  'password',
  'passwd',
  'pass',
  'passphrase',
  'passcode',
  'pwd',
  'pin',
  'otp',
  'totp',
  'session',
  'sessionid',
  'sessid',
  'sid',
  'signature',
  'sig',
  'sign',
  'signed',
  'hmac',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'cookie',
  'csrf',
  'xsrf',
  'jwt',
  'bearer',
  'private',
  'assertion',
  'nonce',
  'saml',
  'samlresponse',
  'samlrequest',
  'wresult',
  'salt',
  'ticket',
  'code',
  'sas',
]);
/** Endings that make a glued word secret: "accesstoken", "clientsecret", "jsessionid", "xsrftoken". */
const SECRET_ENDINGS = [
  'token',
  'tokens',
  'secret',
  'secrets',
  'password',
  'passwd',
  'passphrase',
  'sessionid',
  'sessid',
  'signature',
  'apikey',
  'privatekey',
  'secretkey',
  'accesskey',
  'authkey',
];
/** Beginnings that do the same: "passwordconfirm", "secretkey", "tokenvalue". */
const SECRET_BEGINNINGS = ['password', 'passwd', 'secret', 'token', 'apikey', 'session', 'samlresponse'];

/** Names that only contain such a word and carry no secret: metadata about a token or a code. */
const HARMLESS_NAMES = new Set([
  'token_type',
  'token_type_hint',
  'expires_in',
  'expires_at',
  'refresh_expires_in',
  'ext_expires_in',
  'error_code',
  'status_code',
  'country_code',
  'currency_code',
  'language_code',
  'postal_code',
  'zip_code',
  'code_challenge_method',
  'code_challenge',
  'response_code',
  'http_code',
  'auth_type',
  'auth_time',
  'auth_method',
  'auth_scheme',
  'keyboard',
  'key_id',
  'kid',
  'key_type',
  'kty',
  'key_ops',
  'key_size',
  'keys_count',
  'key_count',
  'www_authenticate',
  'proxy_authenticate',
  'session_expired',
  'token_expired',
  'signature_method',
  'signed_headers',
  'sign_in',
  'sign_out',
  'auth_provider',
  'authorization_endpoint',
  'token_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'userinfo_endpoint',
  'end_session_endpoint',
  'jwks_uri',
  'x_amz_signedheaders',
  'x_amz_algorithm',
  'token_endpoint_auth_method',
  'id_token_signing_alg_values_supported',
  'token_endpoint_auth_methods_supported',
  'response_types_supported',
  'client_assertion_type',
  'requested_token_type',
  'issued_token_type',
  'subject_token_type',
  'actor_token_type',
  'auth_request_id',
  'session_timeout',
  'pass_through',
  'passed',
  'passes',
]);

/** Headers whose values describe the exchange and never carry a credential. */
const HARMLESS_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'accept-ch',
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'access-control-max-age',
  'access-control-request-headers',
  'access-control-request-method',
  'access-control-allow-private-network',
  'age',
  'allow',
  'alt-svc',
  'cache-control',
  'connection',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-range',
  'content-security-policy',
  'content-security-policy-report-only',
  'content-type',
  'date',
  'dnt',
  'etag',
  'expect',
  'expires',
  'forwarded',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'keep-alive',
  'last-modified',
  'nel',
  'origin',
  'origin-agent-cluster',
  'permissions-policy',
  'pragma',
  'priority',
  'proxy-authenticate',
  'purpose',
  'range',
  'referrer-policy',
  'report-to',
  'reporting-endpoints',
  'retry-after',
  'sec-fetch-dest',
  'sec-fetch-mode',
  'sec-fetch-site',
  'sec-fetch-user',
  'sec-gpc',
  'sec-purpose',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'server',
  'server-timing',
  'strict-transport-security',
  'te',
  'timing-allow-origin',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'upgrade-insecure-requests',
  'user-agent',
  'vary',
  'via',
  'warning',
  'www-authenticate',
  'x-content-type-options',
  'x-frame-options',
  'x-xss-protection',
  'x-powered-by',
  'x-requested-with',
  'x-forwarded-proto',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-real-ip',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-permitted-cross-domain-policies',
  'x-ua-compatible',
  'cross-origin-embedder-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'traceparent',
  'tracestate',
  'request-id',
  'x-request-id',
  'x-correlation-id',
  'x-trace-id',
  'x-amzn-requestid',
  'x-amzn-trace-id',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amz-cf-id',
  'x-amz-cf-pop',
  'x-amzn-errortype',
  'x-amz-date',
  'x-cache',
  'x-served-by',
  'x-timer',
  'cf-ray',
  'cf-cache-status',
  'x-github-request-id',
  'x-ms-request-id',
  'x-ms-correlation-request-id',
  'x-ms-error-code',
  'x-ms-version',
  'x-ms-ests-server',
  'api-version',
  'x-api-version',
  'x-http-method-override',
  ':method',
  ':scheme',
  ':status',
  'ratelimit',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-used',
  'x-ratelimit-resource',
  'x-rate-limit-limit',
  'x-rate-limit-remaining',
  'x-rate-limit-reset',
  'sec-ch-ua',
  'sec-ch-ua-mobile',
  'sec-ch-ua-platform',
  'sec-ch-ua-platform-version',
  'sec-ch-ua-arch',
  'sec-ch-ua-model',
  'sec-ch-ua-full-version-list',
  'sec-ch-ua-bitness',
  'sec-ch-prefers-color-scheme',
  'x-client-data',
  'content-md5',
  'last-event-id',
  'postman-token',
  'x-goog-request-params',
]);
/** Headers whose value is a URL: read as one, so a token in its query or fragment is found. */
export const URL_HEADERS = new Set(['location', 'referer', 'content-location', 'link', ':path', 'refresh']);
/** Headers whose value names a host, where `user:password@` can hide. */
export const HOST_HEADERS = new Set(['host', ':authority', 'x-forwarded-host']);
/** Words in a custom header's name that mark its value as a message for people (evidence, kept and scanned). */
const MESSAGE_WORDS = new Set([
  'error',
  'errors',
  'message',
  'reason',
  'detail',
  'details',
  'description',
  'warning',
  'hint',
  'status',
  'errortype',
  'title',
]);

/** Query, fragment and form parameters whose values never carry a credential. */
const HARMLESS_PARAMS = new Set([
  'grant_type',
  'response_type',
  'response_mode',
  'scope',
  'client_id',
  'redirect_uri',
  'post_logout_redirect_uri',
  'error',
  'error_description',
  'error_uri',
  'error_code',
  'error_subcode',
  'prompt',
  'audience',
  'resource',
  'code_challenge_method',
  'code_challenge',
  'token_type',
  'token_type_hint',
  'expires_in',
  'page',
  'per_page',
  'page_size',
  'pagesize',
  'limit',
  'offset',
  'sort',
  'order',
  'order_by',
  'format',
  'lang',
  'locale',
  'hl',
  'v',
  'version',
  'api_version',
  'include',
  'fields',
  'expand',
  'filter',
  'q',
  'query',
  'search',
  'type',
  'kind',
  'mode',
  'view',
  'tab',
  'login_hint',
  'ui_locales',
  'max_age',
  'acr_values',
  'display',
  'iss',
  'client_assertion_type',
  'username',
  'email',
  'login',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'x_amz_algorithm',
  'x_amz_date',
  'x_amz_expires',
  'x_amz_signedheaders',
  'requested_token_type',
  'subject_token_type',
  'charset',
  'lng',
  'region',
  'tenant',
  'domain_hint',
  'continue',
  'return_to',
  'returnurl',
  'return_url',
  'next',
  'callback',
  'cb',
  'jsonp',
  'start',
  'end',
  'from',
  'to',
  'since',
  'until',
  'status',
]);
/** Parameters whose value is itself a URL, read as one. */
export const URL_PARAMS = new Set([
  'redirect_uri',
  'post_logout_redirect_uri',
  'error_uri',
  'continue',
  'return_to',
  'returnurl',
  'return_url',
  'next',
  'callback',
  'iss',
]);

/** A name's words: camelCase and every separator split, lower-cased. */
export function nameWords(name: string): string[] {
  return name
    .slice(0, 200)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** The name as the lists spell it: lower case, every separator an underscore. */
function normalised(name: string): string {
  return nameWords(name).join('_');
}

/** Whether a name says its value is a secret ("client_secret", "X-Acme-Hmac", "refresh_tokens"). */
export function isSecretName(name: string): boolean {
  if (HARMLESS_NAMES.has(normalised(name))) return false;
  const words = nameWords(name);
  if (words.length > 1 && DESCRIBING_LAST_WORDS.has(words.at(-1)!)) return false;
  return words.some(isSecretWord);
}

/**
 * Last words that make a name describe a secret rather than hold one: `TokenExpiredError`,
 * `token_endpoint`, `secret_name`, `key_type`, `password_policy`, `auth_method`.
 */
const DESCRIBING_LAST_WORDS = new Set([
  'error',
  'errors',
  'exception',
  'failure',
  'failed',
  'warning',
  'expired',
  'invalid',
  'missing',
  'required',
  'type',
  'types',
  'endpoint',
  'length',
  'count',
  'size',
  'name',
  'names',
  'format',
  'hint',
  'method',
  'methods',
  'path',
  'location',
  'header',
  'parameter',
  'param',
  'field',
  'scheme',
  'mode',
  'policy',
  'version',
  'uri',
  'url',
  'enabled',
  'disabled',
  'supported',
]);

function isSecretWord(word: string): boolean {
  if (SECRET_WORDS.has(word) || SECRET_WORDS.has(word.replace(/s$/, ''))) return true;
  return (
    SECRET_ENDINGS.some((ending) => word.endsWith(ending)) ||
    SECRET_BEGINNINGS.some((beginning) => word.startsWith(beginning))
  );
}

/** Whether a name is only a "code" that may hold an identifier (`error=invalid_grant`, `code=401`) rather than a one-time code. */
export function isCodeOnlyName(name: string): boolean {
  const words = nameWords(name).filter(isSecretWord);
  return words.length > 0 && words.every((word) => word === 'code');
}

/** A value under a "code" name that is an identifier (`invalid_grant`, `401`), not a one-time code. */
export function isIdentifierValue(value: string): boolean {
  return /^(?:[a-z]{1,40}(?:[_.-][a-z]{1,40}){0,8}|\d{1,4})$/i.test(value);
}

export function isHarmlessHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return HARMLESS_HEADERS.has(lower) || lower.startsWith('access-control-') || lower.startsWith('sec-ch-');
}

/** A custom header that reports an error in words (`X-Error-Message`), kept as evidence unless its name is secret. */
export function isMessageHeader(name: string): boolean {
  return nameWords(name).some((word) => MESSAGE_WORDS.has(word));
}

export function isHarmlessParam(name: string): boolean {
  const key = normalised(name);
  return HARMLESS_PARAMS.has(key) || key.startsWith('utm_');
}

/**
 * Values too small or too plain to be a credential wherever they sit: empty, a boolean, a
 * number of up to 13 digits (timestamps included), or a word of up to three characters.
 */
export function isTrivialValue(value: string): boolean {
  const trimmed = value.trim();
  return (
    trimmed.length <= 3 ||
    /^(?:true|false|null|none|yes|no|on|off|undefined)$/i.test(trimmed) ||
    /^-?\d{1,13}(?:\.\d{1,6})?$/.test(trimmed)
  );
}
