import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Diagnosis, GapDraft, GapList, InsightsSummary } from '../../src/http/api-types.ts';
import { assertAccessible } from '../support/axe.ts';
import { CHROMIUM, launchChromium } from '../support/chromium.ts';
import { ROOT, type RunningServer, startServer, waitFor } from '../support/server.ts';

/**
 * The console's Insights view, gap inbox and votes in real Chromium, against the real Node entry
 * with an event store of its own: real traffic goes in over HTTP, and what the page shows is
 * checked against what /v1/insights answers.
 */
const SHOTS = join(ROOT, '.artifacts', 'screenshots');
/** The store writes its batch this often; the default (1 s) would only make the test wait. */
const FLUSH_MS = '100';

const EXPIRED =
  'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"\n\n{"error":"invalid_token"}';
/** Made-up vendor errors no article knows: fixpath abstains, and each becomes a gap. */
const UNKNOWN = 'QX4411: the gizmo rejected the frobnication';
const TO_IGNORE = 'ZZ9000 flux capacitor overload in region 7';
/** Abstained, but close enough to clock skew for the draft to offer attaching it there. */
const NEAR_CLOCK_SKEW = 'QX4411 error: clock';

let server: RunningServer;
let browser: Browser;
const signatures = new Map<string, string>();

async function call<T>(path: string, init: RequestInit & { session?: string } = {}): Promise<T> {
  const { session = 'insights-traffic-0', ...rest } = init;
  const response = await fetch(`${server.url}${path}`, {
    ...rest,
    headers: { 'x-fixpath-session': session, 'x-fixpath-channel': 'widget', ...(rest.headers ?? {}) },
  });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return (await response.json()) as T;
}

async function diagnose(text: string, session?: string): Promise<Diagnosis> {
  const diagnosis = await call<Diagnosis>('/v1/diagnose', {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: text,
    ...(session ? { session } : {}),
  });
  if (diagnosis.signature) signatures.set(text, diagnosis.signature.id);
  return diagnosis;
}

/** A conversation, one customer message at a time, each turn sending back the context it was given. */
async function chat(session: string, ...texts: string[]): Promise<void> {
  let context: unknown;
  const messages: Array<{ role: string; text: string }> = [];
  for (const text of texts) {
    messages.push({ role: 'user', text });
    const reply = await call<{ reply: string; context: unknown }>('/v1/chat', {
      method: 'POST',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages, ...(context ? { context } : {}) }),
    });
    messages.push({ role: 'assistant', text: reply.reply });
    context = reply.context;
  }
}

const summary = (): Promise<InsightsSummary> => call<InsightsSummary>('/v1/insights/summary');
const gaps = (status = 'open'): Promise<GapList> => call<GapList>(`/v1/insights/gaps?status=${status}`);

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

async function consolePage(hash = ''): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 1000 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  await page.goto(`${server.url}/${hash}`);
  return { context, page };
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium; .ci/run does it)`);
  await mkdir(SHOTS, { recursive: true });
  server = await startServer({
    ANALYTICS_FLUSH_MS: FLUSH_MS,
    RATE_LIMIT_PER_MINUTE: '100000',
    UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
  });
  browser = await launchChromium();

  // Traffic from several sessions: causes named, abstentions, a fix confirmed, a hand-off, searches, votes.
  await diagnose(EXPIRED, 'insights-traffic-1');
  await diagnose(EXPIRED, 'insights-traffic-2');
  for (let n = 0; n < 3; n += 1) await diagnose(UNKNOWN, `insights-traffic-${n}`);
  for (let n = 0; n < 2; n += 1) await diagnose(TO_IGNORE, `insights-traffic-${n}`);
  await diagnose(NEAR_CLOCK_SKEW);
  await chat('insights-chat-fixed', EXPIRED, 'Yes, it works now');
  await chat('insights-chat-handoff', EXPIRED, 'Talk to a person');
  await call('/v1/search?q=xyzzy+plugh+frobnicate');
  await call('/v1/search?q=token+expired');
  const vote = (body: object, session: string) =>
    call('/v1/feedback', {
      method: 'POST',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await vote({ helpful: true, cause: 'token-expired', step: 'request-new-token' }, 'insights-traffic-1');
  await vote({ helpful: false, cause: 'token-expired', step: 'decode-token-exp' }, 'insights-traffic-2');
  await vote({ helpful: true, cause: 'token-expired', step: 'request-new-token' }, 'insights-traffic-2');
  await waitFor(async () => {
    const now = await summary();
    return now.diagnoses.total >= 8 && now.resolutions.confirmed === 1 && now.searches.total === 2;
  }, 10_000);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A canvas Chart.js drew on: laid out with a size, and some of its pixels painted. */
async function paintedPixels(
  page: Page,
  selector: string,
): Promise<{ width: number; height: number; painted: number }> {
  return page.locator(selector).evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let alpha = 3; alpha < data.length; alpha += 4) if (data[alpha]! > 0) painted += 1;
    const box = canvas.getBoundingClientRect();
    return { width: box.width, height: box.height, painted };
  });
}

const figure = (page: Page, id: string): Promise<string | null> =>
  page.locator(`#figures [data-figure="${id}"]`).textContent();
const percent = (part: number, whole: number): string => (whole ? `${Math.round((part / whole) * 100)}%` : '—');

describe('the console: insights', () => {
  it('shows the figures /v1/insights/summary reports and draws the four charts', async () => {
    const { context, page } = await consolePage('#insights');
    await page.locator('#figures [data-figure="diagnoses"]').waitFor();
    const expected = await summary();
    assert.equal(await figure(page, 'diagnoses'), String(expected.diagnoses.total));
    assert.equal(
      await figure(page, 'abstention-rate'),
      percent(expected.diagnoses.abstained, expected.diagnoses.total),
    );
    assert.equal(await figure(page, 'self-service-ratio'), percent(expected.selfServiceRatio ?? 0, 1));
    assert.equal(await figure(page, 'no-result-rate'), percent(expected.searches.noResult, expected.searches.total));
    assert.equal(await figure(page, 'confirmed'), String(expected.resolutions.confirmed));
    assert.equal(await figure(page, 'assumed'), String(expected.resolutions.assumed));
    const fix = expected.causes.find((cause) => cause.id === 'token-expired')!.medianMinutesToFix;
    assert.equal(await figure(page, 'time-to-fix'), `${fix} min`);
    // The traffic above, as the page shows it.
    assert.equal(await figure(page, 'diagnoses'), '8');
    assert.equal(await figure(page, 'abstention-rate'), '75%');
    assert.equal(await figure(page, 'no-result-rate'), '50%');
    assert.equal(await figure(page, 'self-service-ratio'), '50%');

    for (const chart of ['#chart-outcomes', '#chart-causes', '#chart-gaps', '#chart-steps']) {
      const { width, height, painted } = await paintedPixels(page, chart);
      assert.ok(width > 200 && height > 80, `${chart} is laid out (${width}×${height})`);
      assert.ok(painted > 500, `${chart} has something drawn (${painted} pixels)`);
      assert.match((await page.locator(chart).getAttribute('aria-label')) ?? '', /: .+ \d/, `${chart} is described`);
    }
    await page.locator('#causes-numbers summary').click();
    const topCause = page.locator('#causes-numbers tbody tr').first().locator('td');
    assert.equal(await topCause.nth(0).textContent(), expected.causes[0]!.title);
    assert.equal(await topCause.nth(1).textContent(), String(expected.causes[0]!.count));

    const csv = await page.locator('#summary-csv').getAttribute('href');
    assert.match(csv ?? '', /^\/v1\/insights\/summary\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&format=csv$/);
    const download = page.waitForEvent('download');
    await page.locator('#gaps-csv').click();
    assert.match((await download).suggestedFilename(), /^fixpath-gaps-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);

    await shot(page, 'console-insights', true);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await assertAccessible(page, `console, insights (${scheme})`);
    }
    await context.close();
  });

  it('keeps a date range: days with no traffic show none', async () => {
    const { context, page } = await consolePage('#insights');
    await page.locator('#figures [data-figure="diagnoses"]').waitFor();
    await page.getByLabel('From').fill('2020-01-01');
    await page.getByLabel('to', { exact: true }).fill('2020-01-31');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('#insights-status', { hasText: '2020-01-01 to 2020-01-31' }).waitFor();
    assert.equal(await figure(page, 'diagnoses'), '0');
    assert.equal(await figure(page, 'abstention-rate'), '—');
    assert.match((await page.locator('#summary-csv').getAttribute('href')) ?? '', /from=2020-01-01&to=2020-01-31/);
    await context.close();
  });
});

describe('the console: gap inbox', () => {
  it('lists the open gaps, ignores one for good, and copies a draft and a frontmatter change', async () => {
    const { context, page } = await consolePage('#insights');
    const cards = page.locator('#gap-list li.gap');
    await cards.first().waitFor();
    const open = await gaps();
    assert.equal(await cards.count(), open.total);
    const unknown = open.gaps.find((gap) => gap.id === signatures.get(UNKNOWN))!;
    const card = page.locator(`#gap-list [data-gap="${unknown.id}"]`);
    assert.equal(await card.locator('h3').textContent(), unknown.signature);
    assert.equal(await card.locator('[data-fact="count"]').textContent(), '3');
    assert.match((await card.textContent()) ?? '', /New this week/);
    assert.match((await card.textContent()) ?? '', /widget 3/);
    assert.match((await card.textContent()) ?? '', /no cause fitted 3/);

    // Copy draft: the clipboard holds the draft the API makes, and the card says where to save it.
    await card.getByRole('button', { name: 'Copy draft' }).click();
    await card.locator('[data-filename]').waitFor();
    const draft = await call<GapDraft>(`/v1/insights/gaps/${unknown.id}/draft`);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), draft.markdown);
    assert.equal(await card.locator('[data-filename]').textContent(), draft.filename);
    assert.equal(await card.getByRole('button', { name: 'Copy frontmatter change' }).count(), 0, 'no cause is near');

    const near = page.locator(`#gap-list [data-gap="${signatures.get(NEAR_CLOCK_SKEW)}"]`);
    assert.match((await near.textContent()) ?? '', /Clock difference between client and server/);
    await near.getByRole('button', { name: 'Copy frontmatter change' }).click();
    await near.locator('[data-filename]').waitFor();
    const attach = (await call<GapDraft>(`/v1/insights/gaps/${signatures.get(NEAR_CLOCK_SKEW)}/draft`)).attach!;
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), attach.yaml);
    assert.equal(await near.locator('[data-filename]').textContent(), attach.filename);

    // Ignore: gone from the open list, and still gone after a reload; the filter shows it.
    const ignoredId = signatures.get(TO_IGNORE)!;
    await page.locator(`#gap-list [data-gap="${ignoredId}"]`).getByRole('button', { name: 'Ignore' }).click();
    await page.locator('#insights-status', { hasText: 'Gap ignored' }).waitFor();
    assert.equal(await page.locator(`#gap-list [data-gap="${ignoredId}"]`).count(), 0);
    await page.reload();
    await cards.first().waitFor();
    assert.equal(await page.locator(`#gap-list [data-gap="${ignoredId}"]`).count(), 0);
    assert.equal(await cards.count(), open.total - 1);
    assert.equal((await gaps('ignored')).gaps.map((gap) => gap.id).join(), ignoredId);
    await page.getByLabel('Gaps to list').selectOption('ignored');
    await page.locator(`#gap-list [data-gap="${ignoredId}"]`, { hasText: 'Ignored' }).waitFor();
    assert.equal(await cards.count(), 1);
    assert.match((await page.locator('#gaps-csv').getAttribute('href')) ?? '', /status=ignored/);
    await page.getByLabel('Gaps to list').selectOption('open');
    await card.getByRole('button', { name: 'Copy draft' }).click();
    await card.locator('[data-filename]').waitFor();
    await page.locator('#gaps-heading').scrollIntoViewIfNeeded();
    await shot(page, 'console-gap-inbox');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await assertAccessible(page, `console, gap inbox (${scheme})`, '#view-insights');
    }
    await context.close();
  });
});

describe('the console: votes in the diagnosis view', () => {
  it('sends a "no" with its reason, then a step vote, with the session and channel; the summary counts them', async () => {
    const { context, page } = await consolePage();
    const sent: Array<{ url: string; headers: Record<string, string>; body: string | null }> = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/v1/'))
        sent.push({ url: request.url(), headers: request.headers(), body: request.postData() });
    });
    const before = await summary();
    await page.getByLabel(/Paste anything/).fill(EXPIRED);
    await page.getByRole('button', { name: 'Diagnose' }).click();
    const card = page.locator('article.cause.top');
    await card.locator('h3').waitFor();
    assert.equal(await card.locator('h3').textContent(), 'Access token has expired');

    await card.getByRole('group', { name: 'Right cause?' }).getByRole('button', { name: 'No' }).click();
    const why = card.getByRole('form', { name: 'Why it is not the right cause' });
    await why.getByLabel('Steps unclear').check();
    await why.getByLabel(/Anything to add/).fill('Step 2 says to call an endpoint our plan does not have');
    await shot(page, 'console-feedback');
    await assertAccessible(page, 'console, a "no" asking why', 'article.cause.top');
    await why.getByRole('button', { name: 'Submit' }).click();
    await card.locator('.cause-vote .vote-note', { hasText: 'not the right cause (steps unclear)' }).waitFor();
    assert.equal(await card.getByRole('button', { name: 'No', exact: true }).getAttribute('aria-pressed'), 'true');
    assert.equal(await card.getByRole('button', { name: 'Yes', exact: true }).getAttribute('aria-pressed'), 'false');

    const step = card.locator('.step-vote').first();
    await step.getByRole('button', { name: 'This fixed it' }).click();
    await step.locator('.vote-note', { hasText: 'Counted' }).waitFor();
    assert.equal(await step.getByRole('button', { name: 'This fixed it' }).getAttribute('aria-pressed'), 'true');

    const feedback = sent.filter((request) => request.url.endsWith('/v1/feedback'));
    assert.equal(feedback.length, 2);
    const signature = signatures.get(EXPIRED);
    assert.deepEqual(JSON.parse(feedback[0]!.body!), {
      helpful: false,
      cause: 'token-expired',
      reason: 'steps-unclear',
      comment: 'Step 2 says to call an endpoint our plan does not have',
      signature,
    });
    assert.deepEqual(JSON.parse(feedback[1]!.body!), {
      helpful: true,
      cause: 'token-expired',
      step: 'decode-token-exp',
      signature,
    });
    const sessions = new Set(sent.map((request) => request.headers['x-fixpath-session']));
    assert.equal(sessions.size, 1, 'one session id for the tab');
    assert.match([...sessions][0]!, /^[\w-]{8,64}$/);
    assert.ok(sent.every((request) => request.headers['x-fixpath-channel'] === 'console'));

    await waitFor(async () => {
      const now = await summary();
      const cause = now.causes.find((item) => item.id === 'token-expired')!;
      return cause.votes.notHelpful === 1 && now.feedback.reasons['steps-unclear'] === 1;
    }, 5_000);
    const after = await summary();
    const votes = after.causes.find((item) => item.id === 'token-expired')!;
    assert.equal(votes.steps.find((item) => item.id === 'decode-token-exp')!.fixed, 1);
    assert.equal(after.channels.console, (before.channels.console ?? 0) + 1);
    assert.equal(
      (await gaps('all')).gaps.find((gap) => gap.id === signature)?.sources['wrong-cause'],
      1,
      'the "no" counts against the error\'s gap',
    );

    // A later vote replaces the earlier one: the page shows the new choice, the summary counts one.
    await card.getByRole('button', { name: 'Yes', exact: true }).click();
    await card.locator('.cause-vote .vote-note', { hasText: 'counted as the right cause' }).waitFor();
    assert.equal(await card.getByRole('button', { name: 'No', exact: true }).getAttribute('aria-pressed'), 'false');
    await waitFor(async () => {
      const cause = (await summary()).causes.find((item) => item.id === 'token-expired')!;
      return cause.votes.helpful === 1 && cause.votes.notHelpful === 0;
    }, 5_000);

    // The same cause shown again in this tab shows the choices made.
    await page.getByRole('button', { name: 'Diagnose' }).click();
    await page.locator('article.cause.top .cause-vote .vote-note', { hasText: 'right cause' }).waitFor();
    assert.equal(
      await page
        .locator('article.cause.top .step-vote')
        .first()
        .getByRole('button', { name: 'This fixed it' })
        .getAttribute('aria-pressed'),
      'true',
    );
    await context.close();
  });

  it('records a view when an article is opened from a search result', async () => {
    const { context, page } = await consolePage();
    const before = await summary();
    await page.getByLabel('Search as you type').fill('token expired');
    const result = page.locator('#search-results a').first();
    await result.waitFor();
    const slug = await result.getAttribute('data-article');
    assert.ok(slug);
    await Promise.all([page.waitForURL(`**/articles/${slug}`), result.click()]);
    await waitFor(async () => (await summary()).views === before.views + 1, 5_000);
    const after = await summary();
    assert.ok(after.searches.total > before.searches.total, 'the search itself was counted');
    await context.close();
  });
});
