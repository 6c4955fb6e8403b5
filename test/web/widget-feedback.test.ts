import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { InsightsSummary } from '../../src/insights/insights.ts';
import { assertAccessible } from '../support/axe.ts';
import { CHROMIUM, launchChromium } from '../support/chromium.ts';
import { ROOT, type RunningServer, startServer, waitFor } from '../support/server.ts';

/**
 * Votes, views and a confirmed fix, given in the help widget in real Chromium on a page of
 * another origin, as the agents read them back from /v1/insights/summary; and what a comment
 * with a secret in it leaves in the database file.
 */
const SHOTS = join(ROOT, '.artifacts', 'screenshots');
const CAUSE = 'token-expired';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomAlnum = (length: number): string => Array.from(randomBytes(length), (byte) => ALNUM[byte % 62]).join('');
/** Planted secrets: a Stripe-style live key typed into the widget, a JWT sent by another client. */
const TYPED_SECRET = `sk_live_${randomAlnum(24)}`;
const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const POSTED_SECRET = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'u-7', exp: 1_900_000_000 })}.${randomBytes(32).toString('base64url')}`;

let dataDir = '';
let server: RunningServer;
let host: Server;
let hostUrl = '';
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium; .ci/run does it)`);
  await mkdir(SHOTS, { recursive: true });
  dataDir = await mkdtemp(join(tmpdir(), 'fixpath-widget-feedback-'));
  host = createServer((_request, response) =>
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        `<!doctype html><html lang="en"><head><title>Orders – Acme</title></head><body><h1>Acme orders</h1><script src="${server.url}/widget.js" async data-fixpath="${server.url}"></script></body></html>`,
      ),
  );
  await new Promise<void>((done) => host.listen(0, '127.0.0.1', done));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  server = await startServer({
    DATA_DIR: dataDir,
    ANALYTICS_FLUSH_MS: '100',
    WIDGET_ORIGINS: hostUrl,
    RATE_LIMIT_PER_MINUTE: '100000',
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  host?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function summary(): Promise<InsightsSummary> {
  const response = await fetch(`${server.url}/v1/insights/summary`);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as InsightsSummary;
}

/** The shadow root's focused element, described for an assertion. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const active = document.querySelector('fixpath-help')!.shadowRoot!.activeElement as HTMLElement | null;
    return active
      ? `${active.tagName.toLowerCase()}${active.dataset.helpful ? `[${active.dataset.helpful}]` : ''}`
      : '';
  });

describe('feedback in the help widget, as the agents read it', () => {
  it('counts one vote per item, the reasons, the steps that worked, a view from search and a confirmed fix', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const sent: Array<{ url: string; method: string; headers: Record<string, string>; body: string }> = [];
    const preflights: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(server.url) && request.method() === 'OPTIONS') preflights.push(request.url());
      else if (request.url().startsWith(server.url) && !request.url().endsWith('.js'))
        sent.push({
          url: request.url(),
          method: request.method(),
          headers: request.headers(),
          body: request.postData() ?? '',
        });
    });
    await page.goto(hostUrl);
    const widget = page.locator('fixpath-help');
    await widget.getByRole('button', { name: 'Help', exact: true }).click();

    // A diagnosis in the conversation, with a vote on its cause…
    await widget.getByRole('tab', { name: 'Describe your problem' }).click();
    await widget
      .locator('#problem')
      .fill('Every API call fails with TokenExpiredError: jwt expired, about an hour after the job starts');
    await widget.getByRole('button', { name: 'Find the cause' }).click();
    await widget.locator('#cause-title').waitFor();
    const cause = widget.getByRole('group', { name: 'Right cause?' });
    await cause.getByRole('button', { name: 'Yes' }).click();
    await cause.locator('.thanks', { hasText: 'Thanks' }).waitFor();
    assert.equal(await cause.getByRole('button', { name: 'Yes' }).getAttribute('aria-pressed'), 'true');
    // …changed to a "no" with a reason and a comment holding a secret.
    await cause.getByRole('button', { name: 'No' }).click();
    assert.equal(await cause.getByRole('button', { name: 'Yes' }).getAttribute('aria-pressed'), 'false');
    assert.equal(await cause.getByRole('button', { name: 'No' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await focused(page), 'input', 'focus moves to the first reason');
    assert.match(
      (await cause.locator('form.reasons').textContent()) ?? '',
      /without secrets/,
      'the customer is told secrets are not kept',
    );
    await cause.getByRole('radio', { name: 'It is not the cause' }).check();
    await cause
      .getByRole('textbox', { name: 'Anything to add?' })
      .fill(`We rotated the key, still failing. Our key is ${TYPED_SECRET}`);
    await assertAccessible(page, 'widget, a vote and its reasons being given', 'fixpath-help');
    await widget.locator('#cause-title').evaluate((title) => title.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(SHOTS, 'widget-feedback.png') });
    const send = cause.getByRole('button', { name: 'Send' });
    const look = await send.evaluate((button) => [
      getComputedStyle(button).color,
      getComputedStyle(button).backgroundColor,
    ]);
    assert.notEqual(look[0], look[1], `the Send button's text can be seen: ${look.join(' on ')}`);
    await send.click();
    await cause.locator('.thanks', { hasText: 'Thanks' }).waitFor();
    assert.equal(await focused(page), 'button[no]', 'focus goes back to the choice once the form is gone');
    assert.equal(await cause.getByRole('button', { name: 'No' }).getAttribute('aria-pressed'), 'true');

    // Steps: the first didn't help, then did (changed); the second failed when tried.
    const steps = widget.locator('.card ol > li .feedback');
    assert.ok((await steps.count()) >= 2, 'every step can be voted on');
    const first = steps.nth(0);
    const second = steps.nth(1);
    const firstTitle = (await widget.locator('.card ol > li strong').nth(0).textContent()) ?? '';
    assert.equal(
      await first.getAttribute('aria-labelledby').then((id) => widget.locator(`#${id}`).textContent()),
      firstTitle,
    );
    await first.getByRole('button', { name: "Didn't help" }).click();
    await first.locator('form.reasons').waitFor();
    await first.getByRole('button', { name: 'This fixed it' }).click();
    await first.locator('.thanks', { hasText: 'Thanks' }).waitFor();
    assert.equal(await first.locator('form.reasons').count(), 0, 'a "yes" puts the reasons away');
    await second.getByRole('button', { name: "Didn't help" }).click();
    await second.getByRole('radio', { name: 'I tried them and it still fails' }).check();
    await assertAccessible(page, 'widget, votes on steps', 'fixpath-help');
    await second.getByRole('button', { name: 'Send' }).click();
    await second.locator('.thanks', { hasText: 'Thanks' }).waitFor();

    // "Did that fix it?" — yes: a confirmed resolution, counted by the server from the chat.
    await widget.locator('.quick button', { hasText: 'Yes, it works now' }).click();
    await widget.locator('.bubble.bot', { hasText: 'glad it works now' }).waitFor();

    // An article opened from search results, and voted helpful.
    await widget.getByRole('tab', { name: 'Search' }).click();
    await widget.getByRole('combobox').fill('clock skew');
    await widget.locator('ul.results button').first().click();
    await widget.locator('#article-title').waitFor();
    const article = widget.getByRole('group', { name: 'Was this helpful?' });
    await article.getByRole('button', { name: 'Yes' }).click();
    await article.locator('.thanks', { hasText: 'Thanks' }).waitFor();
    // A second search, not followed by a click.
    await widget.locator('#back').click();
    await widget.getByRole('combobox').fill('refresh token');
    await widget
      .locator('ul.results button', { hasText: /refresh/i })
      .first()
      .waitFor();

    // Every call said who it came from: a POST in headers, with one session id for the whole visit;
    // a GET in its query, so that searching as one types costs no CORS preflight.
    const api = sent.filter((request) => new URL(request.url).pathname.startsWith('/v1/'));
    const posts = api.filter((request) => request.method === 'POST');
    const gets = api.filter((request) => request.method === 'GET');
    assert.deepEqual(new Set(posts.map((request) => request.headers['x-fixpath-channel'])), new Set(['widget']));
    assert.deepEqual(
      new Set(gets.map((request) => new URL(request.url).searchParams.get('channel'))),
      new Set(['widget']),
    );
    assert.ok(gets.every((request) => request.headers['x-fixpath-session'] === undefined));
    assert.deepEqual(
      preflights.filter((url) => /\/v1\/(search|suggest)/.test(url)),
      [],
      'no preflight for a search',
    );
    const sessions = new Set(posts.map((request) => request.headers['x-fixpath-session']));
    assert.equal(sessions.size, 1);
    assert.match([...sessions][0] ?? '', /^[\w-]{8,64}$/);
    // The visitor can read that id in the widget, and an agent finds the visit's data by it.
    await widget.getByText('What we keep').click();
    const shown = (await widget.locator('#visit-id').textContent()) ?? '';
    assert.equal(shown, [...sessions][0]);
    const kept = (await (await fetch(`${server.url}/v1/insights/sessions/${shown}`)).json()) as { events: unknown[] };
    assert.ok(kept.events.length >= 3, `${kept.events.length} events found by the visit id`);
    for (const path of ['/v1/search', '/v1/chat', '/v1/feedback', '/v1/events'])
      assert.ok(
        api.some((request) => new URL(request.url).pathname === path),
        `${path} was called`,
      );
    const votes = api.filter((request) => request.url.endsWith('/v1/feedback')).map((request) => request.body);
    assert.ok(
      votes.some((body) => body.includes('still failing')),
      'the comment was sent',
    );
    assert.ok(!votes.some((body) => body.includes(TYPED_SECRET)), 'the secret never left the browser');
    assert.ok(
      votes.every((body) => /"signature":"[0-9a-f]{16}"/.test(body) || body.includes('"article"')),
      "votes on the diagnosis carry its signature's id",
    );
    await context.close();

    // Another client posts a comment with a JWT in it: the server removes it too.
    const direct = await fetch(`${server.url}/v1/feedback`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-fixpath-session': 'direct-client-1',
        'x-fixpath-channel': 'cli',
      },
      body: JSON.stringify({
        helpful: false,
        article: 'clock-skew',
        reason: 'other',
        comment: `token ${POSTED_SECRET}`,
      }),
    });
    assert.equal(direct.status, 202);

    let read = await summary();
    await waitFor(async () => {
      read = await summary();
      return read.feedback.helpful + read.feedback.notHelpful >= 5 && read.resolutions.confirmed >= 1;
    }, 5_000);
    // Cause: no (replacing a yes). Steps: the first yes (replacing a no), the second no. Article: yes, and no from the other client.
    assert.deepEqual(read.feedback, {
      helpful: 2,
      notHelpful: 3,
      reasons: { 'wrong-cause': 1, 'tried-failed': 1, other: 1 },
    });
    const expired = read.causes.find((entry) => entry.id === CAUSE);
    assert.ok(expired, JSON.stringify(read.causes));
    assert.deepEqual(expired.votes, { helpful: 0, notHelpful: 1 });
    assert.deepEqual(
      expired.steps.slice(0, 2).map(({ fixed, didNotHelp, successRate }) => ({ fixed, didNotHelp, successRate })),
      [
        { fixed: 1, didNotHelp: 0, successRate: 1 },
        { fixed: 0, didNotHelp: 1, successRate: 0 },
      ],
    );
    assert.equal(expired.steps[0]!.title, firstTitle);
    assert.equal(expired.confirmed, 1);
    assert.deepEqual(read.resolutions, { confirmed: 1, assumed: 0 });
    assert.equal(read.views, 1);
    // Two searches found something, one of them led to a click.
    assert.deepEqual(read.searches, { total: 2, noResult: 0, noResultRate: 0, noClickRate: 0.5 });
    assert.equal(read.channels.widget, 2, `searches counted under the widget: ${JSON.stringify(read.channels)}`);
    assert.equal(read.channels.chat, 2, `both chat turns counted: ${JSON.stringify(read.channels)}`);

    // What is on disk once the server has stopped: the comments, without either secret.
    await server.stop();
    const files = ['fixpath.db', 'fixpath.db-wal']
      .map((name) => join(dataDir, name))
      .filter((path) => existsSync(path));
    const bytes = Buffer.concat(await Promise.all(files.map((path) => readFile(path))));
    assert.ok(bytes.includes('still failing'), 'the comment is stored');
    assert.ok(!bytes.includes(TYPED_SECRET), 'no typed secret in the database file');
    assert.ok(!bytes.includes(POSTED_SECRET), 'no posted JWT in the database file');
    assert.ok(!bytes.includes(POSTED_SECRET.split('.')[2]!), "not even the JWT's signature");
  });
});
