/**
 * Secrets recognisable by their shape anywhere in text. The vendor prefixes are facts collected
 * from public secret-scanning rule sets (gitleaks' default configuration, secretlint's
 * recommended preset) and from the vendors' own token formats; the expressions are our own.
 * Every expression starts at a literal prefix and repeats one bounded character class, so each
 * runs in time linear in its input.
 */

/** Token formats with a vendor prefix, one alternation so text is crossed once. */
export const VENDOR_TOKEN = new RegExp(
  [
    '\\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\\b', // AWS access key id
    '\\bgh[pousr]_[A-Za-z0-9]{30,255}', // GitHub tokens
    '\\bgithub_pat_[A-Za-z0-9_]{40,255}', // GitHub fine-grained tokens
    '\\bgl(?:pat|ptt|dt|rt|oas|cbt|imt|agent|ft|soat)-[A-Za-z0-9_-]{16,80}', // GitLab
    '\\bGR1348941[A-Za-z0-9_-]{20,64}', // GitLab runner registration
    '\\bAIza[0-9A-Za-z_-]{30,40}', // Google API key
    '\\bya29\\.[0-9A-Za-z_-]{20,2048}', // Google OAuth access token
    '\\b1//0[0-9A-Za-z_-]{30,512}', // Google OAuth refresh token
    '\\bxox(?:[abposre]|e\\.xox[bp])?-[0-9A-Za-z-]{10,255}', // Slack bot, user, refresh and config tokens
    '\\bxapp-[0-9]-[0-9A-Za-z-]{10,255}', // Slack app-level tokens
    '\\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{10,255}', // Stripe keys
    '\\bwhsec_[0-9A-Za-z+/=]{20,128}', // Stripe and Svix webhook secrets
    '\\bnpm_[A-Za-z0-9]{30,64}', // npm access tokens
    '\\bpypi-AgEIcHlwaS5vcmc[0-9A-Za-z_-]{40,255}', // PyPI upload tokens
    '\\bSG\\.[0-9A-Za-z_-]{16,32}\\.[0-9A-Za-z_-]{30,64}', // SendGrid
    '\\bkey-[0-9a-f]{32}\\b', // Mailgun
    '\\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}', // Shopify
    '\\bsk-(?:proj-|ant-(?:api|admin)\\d\\d-|svcacct-|admin-)?[A-Za-z0-9_-]{20,255}', // OpenAI, Anthropic
    '\\bhf_[A-Za-z]{30,40}', // Hugging Face
    '\\bdo[por]_v1_[a-f0-9]{64}', // DigitalOcean
    '\\bdp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,64}', // Doppler
    '\\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}', // Postman
    '\\blin_(?:api|oauth)_[A-Za-z0-9]{40}', // Linear
    '\\bdapi[a-f0-9]{32}(?:-\\d)?', // Databricks
    '\\bNRA[KK]-[A-Z0-9]{27}', // New Relic
    '\\bgl(?:c|sa)_[A-Za-z0-9+/_=-]{32,255}', // Grafana
    '\\bsq0(?:atp|csp)-[0-9A-Za-z_-]{22,60}', // Square
    '\\bEAA[A-Za-z0-9]{60,255}', // Facebook/Meta access tokens
    '\\bAGE-SECRET-KEY-1[0-9A-Z]{58}', // age secret keys
    '\\bhv[sb]\\.[A-Za-z0-9_-]{24,255}', // HashiCorp Vault
    '\\bATATT3[A-Za-z0-9_=-]{100,255}', // Atlassian API tokens
    '\\bfigd_[A-Za-z0-9_-]{30,60}', // Figma
    '\\bSK[0-9a-fA-F]{32}\\b', // Twilio API keys
    '\\bxkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}', // Brevo
    '\\brnd_[A-Za-z0-9]{30,40}', // Render
    '\\bpat[A-Za-z0-9]{14}\\.[a-f0-9]{64}', // Airtable
    '\\bdckr_pat_[A-Za-z0-9_-]{27,40}', // Docker Hub
    '\\bCLOJARS_[a-z0-9]{60}', // Clojars
  ].join('|'),
  'g',
);

const VENDOR_TOKEN_ONCE = new RegExp(VENDOR_TOKEN.source);

/** Whether the text holds a vendor token anywhere (without the global expression's shared position). */
export function hasVendorToken(text: string): boolean {
  return VENDOR_TOKEN_ONCE.test(text);
}

/** URLs that are credentials in themselves: whoever has them can post. */
export const WEBHOOK_URL =
  /\bhttps?:\/\/(?:hooks\.slack\.com\/(?:services|workflows|triggers)|(?:canary\.|ptb\.)?discord(?:app)?\.com\/api\/webhooks|[a-z0-9-]{1,63}\.webhook\.office\.com\/webhookb2|outlook\.office\.com\/webhook|chat\.googleapis\.com\/v1\/spaces)\/[^\s"'<>`]{8,512}/g;

/**
 * A private key block, PEM or OpenSSH or PGP, with or without its end line (a paste is often
 * cut). The body is any run of non-dash characters, bounded, so escaped `\n` inside JSON counts.
 */
export const PRIVATE_KEY_BLOCK =
  /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----[^-]{1,16384}(?:-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----)?/g;

/**
 * Runs of token characters (base64, base64url, dotted JWTs, paths): found whole, then read
 * piece by piece, so no expression ever scans past a run and back.
 */
export const TOKEN_RUN = /[A-Za-z0-9_.+/~-]{16,}={0,2}/g;

/**
 * JWTs (three parts, the signature possibly empty) and JWEs (five parts, the second empty for
 * direct encryption) inside a run of token characters, as offsets into the run.
 */
export function findCompactTokens(run: string): Array<{ start: number; end: number; kind: 'jwt' | 'jwe' }> {
  const found: Array<{ start: number; end: number; kind: 'jwt' | 'jwe' }> = [];
  const parts = run.split('.');
  let offset = 0;
  const starts: number[] = [];
  for (const part of parts) {
    starts.push(offset);
    offset += part.length + 1;
  }
  for (let index = 0; index < parts.length; index += 1) {
    if (!parts[index]!.startsWith('eyJ') || parts[index]!.length < 8) continue;
    const next = (count: number): string[] => parts.slice(index + 1, index + 1 + count);
    const [key, iv, ciphertext, tag] = next(4);
    if (tag !== undefined && iv!.length >= 4 && ciphertext!.length >= 4 && tag.length >= 4 && /^[\w-]*$/.test(key!)) {
      found.push({ start: starts[index]!, end: starts[index + 4]! + tag.length, kind: 'jwe' });
      index += 4;
      continue;
    }
    const [payload, signature] = next(2);
    if (payload !== undefined && payload.length >= 4) {
      const end = signature !== undefined ? starts[index + 2]! + signature.length : starts[index + 1]! + payload.length;
      found.push({ start: starts[index]!, end, kind: 'jwt' });
      index += signature !== undefined ? 2 : 1;
    }
  }
  return found;
}

const MIN_RANDOM_LENGTH = 24;
/** Bits per character above which a mixed run reads as generated rather than written. */
const MIN_RANDOM_ENTROPY = 3.6;

/**
 * Whether a run of token characters looks generated: long, mixing letters and digits (or both
 * cases), with high Shannon entropy. Hex and UUIDs are ids and hashes (commit ids, asset
 * hashes, request ids): they are kept, and a hex secret is found by the name above it instead.
 */
export function looksRandom(run: string): boolean {
  if (run.length < MIN_RANDOM_LENGTH) return false;
  if (/^[0-9a-fA-F-]+$/.test(run)) return false;
  // A path (`/static/chunks/_buildManifest`) is words between slashes; a base64 secret's pieces are not.
  if (run.includes('/') && run.split('/').some((piece) => piece.length >= 4 && /^[a-z_.-]+$|^[A-Z_.-]+$/.test(piece)))
    return false;
  let end = run.length;
  while (end > 0 && run[end - 1] === '=') end -= 1;
  const core = run.slice(0, end);
  let lower = 0;
  let upper = 0;
  let digit = 0;
  for (let index = 0; index < core.length; index += 1) {
    const code = core.charCodeAt(index);
    if (code >= 97 && code <= 122) lower += 1;
    else if (code >= 65 && code <= 90) upper += 1;
    else if (code >= 48 && code <= 57) digit += 1;
  }
  const classes = (lower > 0 ? 1 : 0) + (upper > 0 ? 1 : 0) + (digit > 0 ? 1 : 0);
  if (classes < 2 || (digit === 0 && (lower < 3 || upper < 3))) return false;
  if (readsAsWords(core)) return false;
  return shannonEntropy(core) >= MIN_RANDOM_ENTROPY;
}

/**
 * Identifiers are words run together (`AbstractSingletonProxyFactoryBean`, `invalid_grant_type`,
 * `X-Amzn-RequestId`): split at case changes, digits and separators their pieces are long. A
 * generated value breaks into many pieces of one or two characters.
 */
function readsAsWords(run: string): boolean {
  const pieces = run.match(/[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+|[A-Z]|\d+/g) ?? [];
  if (pieces.length === 0) return false;
  const letters = pieces.filter((piece) => !/^\d/.test(piece));
  const short = letters.filter((piece) => piece.length <= 2).length;
  return short / Math.max(1, letters.length) < 0.35 && run.length / pieces.length >= 3;
}

export function shannonEntropy(text: string): number {
  const counts = new Map<number, number>();
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  let bits = 0;
  for (const count of counts.values()) {
    const share = count / text.length;
    bits -= share * Math.log2(share);
  }
  return bits;
}
