import type { Redactor } from '../redact/redactor.ts';
import type { Fact, Header, RequestRecord } from './types.ts';

/** Header names that carry a credential other than `Authorization`. */
const API_KEY_HEADER =
  /^(x-api-key|api-key|apikey|x-auth-token|x-access-token|access_token|access-token|client_id|client-id|x-client-id|x-functions-key|ocp-apim-subscription-key|x-goog-api-key)$/i;
/** Look-alikes of `Authorization` that servers do not read. */
const MISNAMED_AUTHORIZATION =
  /^(authentication|authorisation|auth|x-authorization|authorizaton|authorzation|autorization|authorization-token|bearer)$/i;
const KNOWN_SCHEMES =
  /^(bearer|basic|digest|negotiate|ntlm|hoba|mutual|aws4-hmac-sha256|dpop|token|apikey|hmac|signature)$/i;
const TOKEN_QUERY_PARAM = /^(access_token|token|id_token|api_key|apikey|key|auth)$/i;

/** The credential a request presents, when it presents one. */
export interface PresentedCredential {
  /** Where it travels: `Authorization header`, `x-api-key header`, `cookie`, `query access_token`. */
  location: string;
  /** The raw credential, for token inspection only; never shown. */
  value: string;
  scheme?: string;
}

export interface CredentialReading {
  facts: Fact[];
  credentials: PresentedCredential[];
}

/**
 * What a request's credentials look like: missing, misnamed, without scheme, with stray
 * whitespace or quotes, in the query string. `sanitized` says the capture tool removed
 * credential headers, so their absence is not evidence.
 */
export function readCredentials(
  request: RequestRecord,
  redactor: Redactor,
  options: { entry?: number; sanitized?: boolean } = {},
): CredentialReading {
  const facts: Fact[] = [];
  const credentials: PresentedCredential[] = [];
  const add = (id: string, detail: string): void => {
    facts.push({ id, source: 'request', detail, ...(options.entry !== undefined ? { entry: options.entry } : {}) });
  };
  const authorization = request.headers.filter((header) => /^authorization$/i.test(header.name));
  for (const header of authorization) readAuthorization(header, redactor, add, credentials);
  if (authorization.length > 1)
    add('auth.header-duplicated', `the request carries ${authorization.length} Authorization headers`);

  for (const header of request.headers) {
    if (MISNAMED_AUTHORIZATION.test(header.name)) {
      add(
        'auth.header-misnamed',
        `credential sent in a "${header.name}" header (${redactor.credential(header.value, 'evidence', header.name)}); servers read "Authorization"`,
      );
      credentials.push({ location: `${header.name} header`, value: stripScheme(header.value) });
    } else if (API_KEY_HEADER.test(header.name)) {
      credentials.push({ location: `${header.name} header`, value: header.value.trim() });
      checkValueShape(header.value, `${header.name} header`, add);
    }
  }
  const cookie = request.headers.find((header) => /^cookie$/i.test(header.name));
  if (cookie?.value.trim()) credentials.push({ location: 'cookie', value: cookie.value });

  for (const [name, value] of queryParams(request.url)) {
    if (TOKEN_QUERY_PARAM.test(name) && value) {
      credentials.push({ location: `query ${name}`, value });
      if (/token/i.test(name))
        add('auth.token-in-query', `the token travels in the query string (${name}=…), where many APIs do not read it`);
    }
  }
  if (credentials.length === 0 && !options.sanitized) {
    add(
      'auth.header-missing',
      `${request.method} ${pathOf(request.url)} carries no Authorization header, cookie or API key`,
    );
  }
  return { facts, credentials };
}

function readAuthorization(
  header: Header,
  redactor: Redactor,
  add: (id: string, detail: string) => void,
  credentials: PresentedCredential[],
): void {
  const value = header.value;
  const shown = redactor.credential(value, 'evidence', header.name);
  const scheme = /^\s*"?([A-Za-z][A-Za-z0-9-]*)\s+\S/.exec(value)?.[1];
  if (!value.trim()) {
    add('auth.header-missing', 'the Authorization header is present but empty');
    return;
  }
  if (!scheme || !KNOWN_SCHEMES.test(scheme)) {
    add(
      'auth.scheme-missing',
      `Authorization value has no scheme (${shown}); a bearer token needs "Bearer " before it`,
    );
    credentials.push({ location: 'Authorization header', value: value.trim() });
    checkValueShape(value, 'Authorization header', add);
    return;
  }
  if (/^basic$/i.test(scheme)) add('auth.scheme-basic', `Authorization uses the Basic scheme (${shown})`);
  const credential = value.replace(/^\s*"?[A-Za-z][A-Za-z0-9-]*\s+/, '');
  credentials.push({ location: 'Authorization header', value: credential.trim(), scheme });
  checkValueShape(credential, 'Authorization header', add);
}

function checkValueShape(value: string, location: string, add: (id: string, detail: string) => void): void {
  const core = value.replace(/^\s+|\s+$/g, '');
  if (/[\r\n\t]/.test(value) || /\s/.test(core))
    add('token.whitespace', `the credential in the ${location} contains spaces or line breaks`);
  else if (value !== value.trim())
    add('token.whitespace', `the credential in the ${location} has leading or trailing spaces`);
  if (/^["'].*["']$/s.test(core) || /^["']/.test(core))
    add('token.quoted', `the credential in the ${location} is wrapped in quotes`);
  if (/%25[0-9A-F]{2}/i.test(core))
    add('token.double-encoded', `the credential in the ${location} is URL-encoded twice (%25…)`);
}

function stripScheme(value: string): string {
  return value.replace(/^\s*[A-Za-z][A-Za-z0-9-]*\s+(?=\S)/, '').trim();
}

function queryParams(url: string): Array<[string, string]> {
  const query = url.indexOf('?');
  if (query < 0) return [];
  try {
    return [...new URLSearchParams(url.slice(query + 1, query + 8193).split('#')[0])];
  } catch {
    return [];
  }
}

export function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname;
  } catch {
    return url.split('?')[0]!.slice(0, 200);
  }
}
