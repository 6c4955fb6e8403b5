/**
 * The words of generated articles: a seeded random source, Zipf-weighted choice (a few words
 * and sentence shapes are used a lot, most rarely, as in any real text), and sentence
 * templates whose `{slots}` are filled from one topic family's vocabulary.
 */

export type Random = () => number;

/** mulberry32: small, fast, and every bit of its output is usable (an LCG's low bits are not). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}

export const pickUniform = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

export const between = (random: Random, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1));

/** Word frequencies in text fall off roughly as 1/rank: the exponent of that fall. */
export const ZIPF_EXPONENT = 1.07;
const cumulativeWeights = new Map<string, Float64Array>();

/** Running sums of 1/rank^s for lists of a given length, computed once per length and exponent. */
function zipfTable(length: number, exponent: number): Float64Array {
  const key = `${length}:${exponent}`;
  let table = cumulativeWeights.get(key);
  if (!table) {
    table = new Float64Array(length);
    let sum = 0;
    for (let rank = 0; rank < length; rank += 1) {
      sum += 1 / (rank + 1) ** exponent;
      table[rank] = sum;
    }
    cumulativeWeights.set(key, table);
  }
  return table;
}

/** An item of a list ordered most frequent first, drawn with Zipf weights. */
export function pickZipf<T>(random: Random, items: readonly T[], exponent = ZIPF_EXPONENT): T {
  const table = zipfTable(items.length, exponent);
  const target = random() * table[items.length - 1]!;
  let low = 0;
  let high = items.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (table[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return items[low]!;
}

/** A copy in a seeded order, so each family favours its own few of the shared templates. */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

/** Distinct picks, at most `count`, giving up after a bounded number of draws. */
export function distinctPicks<T>(count: number, draw: () => T, key: (item: T) => string = String): T[] {
  const seen = new Set<string>();
  const picked: T[] = [];
  for (let attempt = 0; attempt < count * 6 && picked.length < count; attempt += 1) {
    const item = draw();
    const itemKey = key(item).toLowerCase();
    if (seen.has(itemKey)) continue;
    seen.add(itemKey);
    picked.push(item);
  }
  return picked;
}

/** Fills each `{slot}` of a template; an unknown slot stays as written, so a typo shows in the output. */
export type SlotFiller = (slot: string) => string | undefined;

export function fillSlots(template: string, fill: SlotFiller): string {
  return template.replace(/\{([a-z0-9_]+)\}/g, (whole, slot: string) => fill(slot) ?? whole);
}

/** A template filled as a sentence of prose: capitalised, with "a" and "an" agreeing. */
export function fillSentence(template: string, fill: SlotFiller): string {
  return fixArticles(capitalise(fillSlots(template, fill)));
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** English plural of a vocabulary noun (the vocabularies avoid irregular ones). */
export function plural(noun: string): string {
  const words = noun.split(' ');
  const last = words.pop()!;
  const pluralLast = /(s|x|ch|sh)$/.test(last)
    ? `${last}es`
    : /[^aeiou]y$/.test(last)
      ? `${last.slice(0, -1)}ies`
      : `${last}s`;
  return [...words, pluralLast].join(' ');
}

/** Acronyms read with a vowel sound first: an SSO, an MX record, an HTTP. */
const VOWEL_SOUND_CAPITALS = /^[AEFHILMNORSX][A-Z0-9]/;

/** "a" before a vowel sound becomes "an", so filled slots read as written English. */
function fixArticles(text: string): string {
  return text.replace(/\b([Aa]) ([A-Za-z0-9][\w-]*)/g, (whole, article: string, word: string) => {
    const vowel = /^[aeio]/i.test(word) || /^(un[^i]|up|us[^e]|hour)/i.test(word) || VOWEL_SOUND_CAPITALS.test(word);
    return vowel ? `${article}n ${word}` : whole;
  });
}

export function slugify(text: string, maxLength = 48): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, maxLength)
    .replace(/-$/, '');
}

export const wordCount = (text: string): number => text.split(/\s+/).filter(Boolean).length;

/** Shared sentence shapes per section, roughly most common first; families add their own. */
export const SECTION_SENTENCES = {
  symptoms: [
    'Customers on the {plan} plan report that {message}.',
    'The {noun} list in {place} shows the {noun2} as {state}, and nothing changes after {duration}.',
    'Most reports come from {role_plural} who {verb} the {noun} right after {event}.',
    'The API answers {status} with the code `{code}`, and the dashboard shows the same {noun} as {state}.',
    'Some teams only notice it when the {noun2} is missing from the weekly summary.',
    'Retrying from {place} changes nothing: the {noun} goes back to {state} within seconds.',
    'In the activity log the last entry for the {noun} reads `{message}`.',
    'It tends to start after {event}, and it affects every {noun} created since then.',
    'Smaller workspaces rarely see it; accounts with more than {big} {noun_plural} see it every week.',
    'The error appears in {product} and in the API alike, so it is not a display problem.',
    'Support tickets usually describe it as "{symptom}".',
    'Nothing is wrong with the {noun2} itself: other {noun_plural} in the same workspace go through.',
    'The customer may also see a banner saying the {noun} "could not be completed".',
    'A {role} who opens the {noun} sees a spinner, then an error with request id `{request_id}`.',
    'Only one workspace is usually affected, even when the customer has several.',
    'The first sign is often an email from {product} saying that {message}.',
    'Customers in {region} notice it first because their working day starts earlier.',
    'Ticket volume on this topic rises after {event}, then falls back within {duration}.',
    'The {noun2} count in {place} stops growing while new {noun_plural} keep arriving.',
    'A screenshot from the customer usually shows `{code}` next to the {noun}.',
  ],
  causes: [
    '{product} handles each {noun} in the background, so a {noun2} that is {state} blocks the ones after it.',
    'The limit applies per workspace, not per user: {big} {noun_plural} a day on the {plan} plan.',
    'When `{setting}` is empty, {product} falls back to its default, which rarely suits a large account.',
    'This is not a fault in the {noun} itself; the request never reaches the {noun2} service.',
    'The {noun2} is checked again every time someone tries to {verb} the {noun}, so the error repeats until the cause is fixed.',
    'Changes to `{setting}` apply to new {noun_plural} only; existing ones keep the old value.',
    'Because the check runs in {region}, a workspace moved to another region keeps failing until its data follows.',
    'The {role} who set it up may have left the company, and the {noun} still points at their account.',
    'A third-party system often sends the {noun} twice, and the second copy is refused.',
    'Our status page stays green in this case: the platform works, the configuration does not.',
    'The behaviour changed in version {version}; older integrations still expect the previous answer.',
    'Large {noun_plural} can take longer than {duration}, and the job is then cut off and marked {state}.',
    'The code `{code}` is specific: it is only returned for this condition.',
    'Both the web app and the API go through the same {noun2} check, so they fail together.',
    'The setting is inherited from the organisation unless the workspace overrides it.',
    'A {role} can change `{setting}` without noticing that it affects every {noun} in the workspace.',
    'The queue for {noun_plural} is shared by all workspaces in {region}, so a busy neighbour slows everyone down.',
    'Cached values are kept for {duration}, which explains why a fix does not show at once.',
  ],
  steps: [
    'Open {place} and check the value of `{setting}`.',
    'Run the command below with the id of one affected {noun}; the output names the {noun2} that failed and why.',
    'If the {noun} was created by an integration, ask its owner to {verb} it again after the change.',
    'Give the change {duration} to take effect before testing again.',
    'Only a {role} can change this; if the customer is not one, they need to ask theirs.',
    'Keep the request id from the response: it lets the on-call engineer find the exact log line.',
    'Do not delete the {noun}: {product} keeps its history, and deleting it loses the audit trail.',
    'The same call works from the SDK and the CLI, so use whichever the customer already has.',
    'Check the answer for `{done_state}`; anything else means the cause is still there.',
    'On the {plan} plan the limit is fixed; on larger plans support can raise it for a while.',
    'Note the {noun} id before you start; every later command takes it.',
    'Work on one affected {noun} first, then repeat for the rest once it succeeds.',
    'If the output is empty, the {noun} belongs to another workspace; switch workspaces and run it again.',
    'Tell the customer what you changed, so their {role} is not surprised by it.',
    'Use a sandbox workspace if the customer does not want to test on live {noun_plural}.',
    'The change is logged in the audit log under your name.',
  ],
  verification: [
    'Ask the customer to {verb} one {noun} while you watch the request log filtered by their workspace id.',
    'The `{code}` error should no longer appear in the activity log.',
    'Create a test {noun} and watch it reach `{done_state}` in {place}.',
    'Compare the count of {noun_plural} before and after: it should grow again within {duration}.',
    'Run the command from the first step again; the {noun2} should now be listed as `{done_state}`.',
    'If the error comes back after {duration}, the setting was changed in the wrong workspace.',
    'Check {place} once more the next day; the {noun} should stay `{done_state}`.',
    'The customer can confirm from their side by opening the {noun} in {product}.',
    'No new tickets about `{code}` from this account is the final confirmation.',
  ],
  prevention: [
    'Set an alert on the `{code}` count so the team hears about it before customers do.',
    'Review `{setting}` whenever the account moves to a new plan.',
    'Add the limit to the onboarding checklist for new {role_plural}.',
    'Keep at least two {role_plural} on the account, so the settings never depend on one person.',
    'Schedule large jobs outside business hours in the workspace time zone.',
    'Subscribe to the changelog: changes to {product} are announced {duration} before they ship.',
    'Test changes to `{setting}` in a sandbox workspace first; it behaves like production.',
    'Watch the {noun} dashboard weekly; a slow rise in {state} {noun_plural} comes before an outage.',
    'Write down why `{setting}` has its value, so the next {role} does not undo it.',
    'Automate the check from the first step and run it every {duration}.',
    'Share this article with the customer team that owns {product}.',
  ],
  symptomWordings: [
    '{noun} stuck in {state}',
    '{noun} keeps failing since {event}',
    'cannot {verb} {noun} in {product}',
    '{product} shows {status} when we {verb} the {noun}',
    'every {noun} fails after {duration}',
    '{noun2} missing after {event}',
    '{verb} button does nothing',
    '{noun_plural} not showing up',
    '{noun} disappeared from {place}',
    'error {code} on every {noun}',
  ],
} as const;

/** Ways a sentence may open, so templates do not read the same each time they are used. */
export const OPENERS = [
  'In most cases, ',
  'For accounts on the {plan} plan, ',
  'According to the logs, ',
  'As a rule, ',
  'Since version {version}, ',
  'In practice, ',
  'For larger workspaces, ',
  'On mobile, ',
  'When in doubt, ',
  'Before anything else, ',
];

export const SHARED_VOCABULARY = {
  plan: ['Business', 'Team', 'Starter', 'Enterprise', 'Free', 'Growth'],
  role: ['admin', 'workspace owner', 'billing manager', 'editor', 'support agent', 'viewer', 'guest', 'developer'],
  state: ['pending', 'failed', 'queued', 'stuck', 'paused', 'partially complete', 'on hold', 'retrying'],
  doneState: ['completed', 'active', 'delivered', 'succeeded', 'ready', 'verified'],
  event: [
    'a plan change',
    'the weekend',
    'a large import',
    'a deploy on their side',
    'the nightly batch',
    'a move to another region',
    'adding a new workspace',
    'the last release',
    'a password reset',
    'the end of the month',
  ],
  duration: ['a few minutes', '15 minutes', 'an hour', '24 hours', 'two days', 'overnight', '10 minutes', 'a week'],
  region: ['eu-west', 'us-east', 'ap-south', 'ca-central', 'us-west', 'eu-central'],
} as const;

/** Reason phrases of the statuses the topic families use. */
export const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  507: 'Insufficient Storage',
  525: 'SSL Handshake Failed',
};

/** Customers' own domains, as they appear in DNS records and messages. */
export const CUSTOMER_HOSTS = [
  'help.northwind-shop.com',
  'app.brightlane.io',
  'support.tallowco.com',
  'portal.kestrel-labs.dev',
  'shop.meadowfield.eu',
  'docs.quarrytech.net',
  'my.harbourline.co.uk',
];
export const BIG_NUMBERS = ['1,000', '5,000', '10,000', '50,000', '100,000', '250,000', '500'];
/** The last word of an error code an older release printed (`EXPORT_ARCHIVE_TIMEOUT`). */
export const CONDITIONS = [
  'TIMEOUT',
  'EXCEEDED',
  'NOT_FOUND',
  'CONFLICT',
  'INVALID',
  'LOCKED',
  'UNAVAILABLE',
  'REJECTED',
];

/** Code any area's steps show: the product's API, CLI and SDK, aimed at the area's resource. */
export const GENERIC_SNIPPETS = [
  '```bash\ncurl -sS https://api.example.com/v2/{resource}/{id} \\\n  -H "Authorization: Bearer $API_TOKEN" | jq \'.status, .last_error\'\n```',
  '```bash\nacme {cli_resource} list --status failed --since 24h --limit 20\n```',
  '```bash\nacme settings get {setting} --workspace {id}\nacme settings set {setting} {n} --workspace {id}\n```',
  '```bash\nacme logs search --workspace {id} --code {code} --since 24h --format table\n```',
  '```json\n{\n  "{setting}": {n},\n  "notify": ["ops@{host}"]\n}\n```',
  '```python\nitem = acme.{sdk_resource}.retrieve("{id}")\nprint(item.status, item.last_error)\n```',
  '```bash\ncurl -sS -X POST https://api.example.com/v2/{resource}/{id}/retry \\\n  -H "Authorization: Bearer $API_TOKEN" -H "Idempotency-Key: $(uuidgen)"\n```',
];
