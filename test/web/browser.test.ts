import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServerType, serve } from '@hono/node-server';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { DEFAULT_LIMITS } from '../../src/config/limits.ts';
import { createApp } from '../../src/http/app.ts';
import { createVerifier } from '../../src/http/auth.ts';
import { buildLibrary } from '../../src/kb/library.ts';
import { buildWebAssets } from '../../src/node/build-web.ts';
import { readArticleSources } from '../../src/node/read-articles.ts';
import { assertAccessible, blockingViolations, describeViolations, runAxe } from '../support/axe.ts';
import { CANARY, canaryHar } from '../support/canary-har.ts';
import { CHROMIUM, launchChromium } from '../support/chromium.ts';
import { ROOT } from '../support/server.ts';

/**
 * The widget and the console in real Chromium (Debian's, installed by .ci/run), against the real
 * app on a real port. The widget is embedded in a page served from another origin.
 */
const SHOTS = join(ROOT, '.artifacts', 'screenshots');
const SECRET = 'browser-suite-shared-secret-0123456789abcdef';

let api: ServerType;
let apiUrl = '';
let allowedHost: Server;
let refusedHost: Server;
let allowedUrl = '';
let refusedUrl = '';
let browser: Browser;
const receivedBodies: string[] = [];

function hostPage(apiBase: string): string {
  // Hostile host styles: the widget's shadow DOM must keep them out.
  return `<!doctype html><html lang="en"><head><title>Orders – Acme</title><style>* { color: red !important; font-size: 30px !important; } button { background: lime !important; }</style></head>
<body><h1>Acme orders</h1><a href="#top" id="first-link">A link on the host page</a>
<script src="${apiBase}/widget.js" async data-fixpath="${apiBase}" data-title="Acme help" data-accent="#6a1b9a"></script></body></html>`;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium; .ci/run does it)`);
  await mkdir(SHOTS, { recursive: true });
  allowedHost = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'text/html' }).end(hostPage(apiUrl)),
  );
  refusedHost = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'text/html' }).end(hostPage(apiUrl)),
  );
  allowedUrl = await listen(allowedHost);
  refusedUrl = (await listen(refusedHost)).replace('127.0.0.1', 'localhost');
  const library = buildLibrary(await readArticleSources(join(ROOT, 'articles')), new Date());
  const app = createApp({
    library: () => library,
    assets: await buildWebAssets(),
    widgetOrigins: new Set([allowedUrl]),
    verifier: createVerifier({
      mode: 'secret',
      secret: new TextEncoder().encode(SECRET),
      issuer: 'https://login.example.com/',
      audience: 'fixpath',
      clockToleranceSeconds: 30,
    }),
    limits: { ...DEFAULT_LIMITS, rateLimitPerMinute: 100_000, uploadRateLimitPerMinute: 100_000 },
  });
  // Record every body the server receives, to prove what the browser sent.
  api = serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (request: Request) => {
      if (request.method === 'POST') receivedBodies.push(await request.clone().text());
      return app.fetch(request);
    },
  });
  await new Promise((done) => setTimeout(done, 100));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  api?.close();
  allowedHost?.close();
  refusedHost?.close();
});

async function widgetPage(url = allowedUrl, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('fixpath-help').waitFor({ state: 'attached' });
  return page;
}

describe('the help widget, embedded on another origin', () => {
  it("searches as you type, shows suggestions, and keeps the host page's styles out", async () => {
    const page = await widgetPage();
    const launcher = page.locator('fixpath-help').getByRole('button', { name: 'Acme help', exact: true });
    await launcher.click();
    const input = page.locator('fixpath-help').getByRole('combobox');
    await input.fill('token expired');
    await page.locator('fixpath-help').getByRole('option').first().waitFor();
    const results = page.locator('fixpath-help ul.results li');
    await results.first().waitFor();
    assert.ok((await results.count()) >= 3);
    const color = await launcher.evaluate((element) => getComputedStyle(element).backgroundColor);
    assert.equal(color, 'rgb(106, 27, 154)', "the accent, not the host page's lime");
    const snippet = await page
      .locator('fixpath-help ul.results .muted')
      .first()
      .evaluate((element) => ({ color: getComputedStyle(element).color, size: getComputedStyle(element).fontSize }));
    assert.deepEqual(snippet, { color: 'rgb(87, 96, 106)', size: '13px' }, "the host page's red 30px text stays out");
    await shot(page, 'widget-search');
    await page.context().close();
  });

  it('opens an article with rendered Markdown and copyable code', async () => {
    const page = await widgetPage();
    await page.evaluate(() =>
      (window as unknown as { fixpath: { search: (q: string) => Promise<void> } }).fixpath.search('clock skew'),
    );
    await page.locator('fixpath-help ul.results button').first().click();
    const title = page.locator('fixpath-help #article-title');
    await title.waitFor();
    assert.match((await title.textContent()) ?? '', /clock/i);
    assert.ok((await page.locator('fixpath-help article .code pre').count()) > 0, 'code blocks rendered');
    assert.ok((await page.locator('fixpath-help article [data-copy]').count()) > 0, 'with copy buttons');
    await page.locator('fixpath-help [data-helpful="yes"]').first().click();
    await page.locator('fixpath-help .feedback', { hasText: 'Thanks' }).waitFor();
    await shot(page, 'widget-article');
    await page.context().close();
  });

  it('diagnoses a described problem and shows the steps', async () => {
    const page = await widgetPage();
    await page.evaluate(() => (window as unknown as { fixpath: { open: () => void } }).fixpath.open());
    await page.locator('fixpath-help').getByRole('tab', { name: 'Describe your problem' }).click();
    await page
      .locator('fixpath-help #problem')
      .fill('Every API call fails with TokenExpiredError: jwt expired, about an hour after the job starts');
    await page.locator('fixpath-help').getByRole('button', { name: 'Find the cause' }).click();
    const cause = page.locator('fixpath-help #cause-title');
    await cause.waitFor();
    assert.equal(await cause.textContent(), 'Access token has expired');
    assert.ok((await page.locator('fixpath-help .card ol > li').count()) >= 2);
    await shot(page, 'widget-diagnosis');
    await page.context().close();
  });

  it('guides a vague description with questions and quick replies until the cause is clear', async () => {
    const page = await widgetPage();
    await page.evaluate(() => (window as unknown as { fixpath: { open: () => void } }).fixpath.open());
    await page.locator('fixpath-help').getByRole('tab', { name: 'Describe your problem' }).click();
    await page.locator('fixpath-help #problem').fill('Our API calls are failing with 401');
    await page.locator('fixpath-help').getByRole('button', { name: 'Find the cause' }).click();
    const quick = page.locator('fixpath-help .quick button');
    await quick.first().waitFor();
    assert.equal(await page.locator('fixpath-help #cause-title').count(), 0, 'asks before answering');
    // Answer as a customer whose token expired would.
    const truthful = [
      'Calling the API with an access token',
      '401 Unauthorized',
      'It worked, then failed after a while',
      'All of them',
      'Authorization: Bearer followed by the token',
    ];
    for (let turn = 0; turn < 6 && (await page.locator('fixpath-help #cause-title').count()) === 0; turn += 1) {
      const turns = await page.locator('fixpath-help .turn').count();
      const offered = await page.locator('fixpath-help .turn').last().locator('.quick button').allTextContents();
      const answer = truthful.find((candidate) => offered.includes(candidate)) ?? 'Not sure';
      await page.locator('fixpath-help .turn').last().locator('.quick button', { hasText: answer }).first().click();
      await page.locator('fixpath-help .turn').nth(turns).waitFor();
    }
    await page.locator('fixpath-help #cause-title').first().waitFor();
    assert.equal(await page.locator('fixpath-help #cause-title').first().textContent(), 'Access token has expired');
    await shot(page, 'widget-chat');
    await page.context().close();
  });

  it('sanitizes an attached HAR in the browser: the planted secret never reaches the server', async () => {
    receivedBodies.length = 0;
    const page = await widgetPage();
    await page.evaluate(() => (window as unknown as { fixpath: { open: () => void } }).fixpath.open());
    await page.locator('fixpath-help').getByRole('tab', { name: 'Describe your problem' }).click();
    await page.locator('fixpath-help #har').setInputFiles({
      name: 'capture.har',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(canaryHar())),
    });
    await page.locator('fixpath-help').getByRole('button', { name: 'Find the cause' }).click();
    await page.locator('fixpath-help details.card summary', { hasText: 'Removed before sending' }).waitFor();
    await page.locator('fixpath-help #cause-title, fixpath-help p.card').first().waitFor();
    const uploads = receivedBodies.filter((body) => body.includes('"har"'));
    assert.equal(uploads.length, 1, 'the capture was sent once');
    assert.ok(!uploads[0]!.toLowerCase().includes(CANARY), 'no planted secret in what the server received');
    await shot(page, 'widget-har');
    await page.context().close();
  });

  it('works with the keyboard alone, and gives focus back on close', async () => {
    const page = await widgetPage();
    await page.locator('#first-link').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'FIXPATH-HELP');
    await page.keyboard.press('Enter');
    await page.keyboard.type('invalid client');
    await page.locator('fixpath-help').getByRole('option').first().waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.locator('fixpath-help #article-title').waitFor();
    assert.equal(
      await page.evaluate(() => document.querySelector('fixpath-help')!.shadowRoot!.activeElement?.id),
      'article-title',
      'focus moves to the article',
    );
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('fixpath-help #panel').isHidden(), true);
    assert.equal(
      await page.evaluate(() => document.querySelector('fixpath-help')!.shadowRoot!.activeElement?.className),
      'launcher',
      'focus returns to the launcher',
    );
    await page.context().close();
  });

  it('fits a 360 px phone', async () => {
    const page = await widgetPage(allowedUrl, { width: 360, height: 740 });
    await page.evaluate(() => (window as unknown as { fixpath: { open: () => void } }).fixpath.open());
    const box = await page.locator('fixpath-help #panel').boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 360, JSON.stringify(box));
    await shot(page, 'widget-phone');
    await page.context().close();
  });

  it('is refused on a website that is not in WIDGET_ORIGINS, and says so', async () => {
    const page = await widgetPage(refusedUrl);
    // The browser blocks the answer (no CORS headers for this origin)…
    const blocked = page.waitForEvent('requestfailed', (request) => request.url().includes('/v1/search'));
    await page.evaluate(() =>
      (window as unknown as { fixpath: { search: (q: string) => Promise<void> } }).fixpath.search('token expired'),
    );
    await blocked;
    await page.locator('fixpath-help #status.error').waitFor();
    // …and the server refused it before doing any work.
    const origin = new URL(refusedUrl).origin;
    assert.equal((await fetch(`${apiUrl}/v1/search?q=token`, { headers: { origin } })).status, 403);
    await shot(page, 'widget-refused');
    await page.context().close();
  });
});

describe('the agent console', () => {
  it('turns a paste into causes and a customer-ready reply', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 1000 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    await page.goto(`${apiUrl}/`);
    await page
      .getByLabel(/Paste anything/)
      .fill(
        'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"\n\n{"error":"invalid_token"}',
      );
    await page.getByRole('button', { name: 'Diagnose' }).click();
    const top = page.locator('article.cause.top h3');
    await top.waitFor();
    assert.equal(await top.textContent(), 'Access token has expired');
    await page.getByRole('button', { name: 'Copy reply for the customer' }).click();
    const reply = await page.locator('#reply').inputValue();
    assert.match(reply, /The most likely cause is: access token has expired/);
    assert.match(reply, /1\. .+\n2\. /);
    assert.match(reply, /\/articles\/expired-access-token/);
    await shot(page, 'console-diagnosis');
    await context.close();
  });

  it("draws a capture's timeline with the failing exchanges a click from their findings", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    await page.goto(`${apiUrl}/`);
    await page.locator('#file').setInputFiles(join(ROOT, 'test', 'fixtures', 'har', 'chromium-playwright.har'));
    await page.locator('.timeline').waitFor();
    assert.equal(await page.locator('.timeline li.failing').count(), 2);
    await page.locator('.timeline li.failing button').first().click();
    const finding = page.locator('.finding');
    await finding.waitFor();
    assert.match((await finding.textContent()) ?? '', /expired 15 min before the request/);
    await shot(page, 'console-har');
    await context.close();
  });

  it('signs an agent in with a token and marks internal articles', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${apiUrl}/`);
    await page.locator('#who', { hasText: 'Not signed in' }).waitFor();
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://login.example.com/')
      .setAudience('fixpath')
      .setSubject('ana')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    await page.getByLabel('Agent token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who', { hasText: 'Signed in as ana' }).waitFor();
    await page.getByLabel('Search as you type').fill('escalation packet blast radius');
    await page.locator('#search-results .badge', { hasText: 'internal' }).first().waitFor();
    await shot(page, 'console-agent');
    await page.getByLabel('Customer says').fill('Our API calls are failing with 401');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#chat-log .quick button').first().waitFor();
    await shot(page, 'console-chat');
    await context.close();
  });
});

describe('the accessibility check itself', () => {
  it('finds a planted keyboard trap in a shadow root and faint text, and says where and how to fix them', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.setContent(
      '<!doctype html><html lang="en"><head><title>Planted</title></head><body><main><h1>Planted</h1><div id="host"></div><p id="faint" style="color:#bbb;background:#fff">faint text</p></main></body></html>',
    );
    await page.evaluate((text) => {
      document
        .querySelector('#host')!
        .attachShadow({ mode: 'open' }).innerHTML = `<pre id="wide" style="width:10rem;overflow:auto">${text}</pre>`;
    }, 'x'.repeat(400));
    const planted = blockingViolations(await runAxe(page));
    assert.deepEqual(planted.map((violation) => [violation.id, violation.impact, violation.nodes.length]).sort(), [
      ['color-contrast', 'serious', 1],
      ['scrollable-region-focusable', 'serious', 1],
    ]);
    const report = describeViolations(planted);
    assert.match(report, /scrollable-region-focusable \(serious\): Scrollable region must have keyboard access/);
    assert.match(report, /at #host >>> #wide/, 'the path into the shadow root');
    assert.match(report, /at #faint: <p id="faint".*\n.*insufficient color contrast/);
    await assert.rejects(assertAccessible(page, 'planted page'), /planted page: 2 serious or critical/);
    // Fixed the way the product fixes them, the page passes.
    await page.evaluate(() => {
      document.querySelector('#host')!.shadowRoot!.querySelector('#wide')!.setAttribute('tabindex', '0');
      document.querySelector<HTMLElement>('#faint')!.style.color = '#57606a';
    });
    await assertAccessible(page, 'planted page, fixed');
    await context.close();
  });
});

for (const colorScheme of ['light', 'dark'] as const) {
  describe(`no serious or critical accessibility violations in the ${colorScheme} colour scheme (axe-core)`, () => {
    async function open(url: string): Promise<Page> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
      const page = await context.newPage();
      await page.goto(url);
      assert.equal(
        await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches),
        colorScheme === 'dark',
      );
      return page;
    }

    it('the article page with code blocks, and the API reference', async () => {
      const page = await open(`${apiUrl}/articles/clock-skew`);
      assert.ok((await page.locator('main pre').count()) > 0, 'the article has code blocks');
      await assertAccessible(page, `/articles/clock-skew (${colorScheme})`);
      await page.goto(`${apiUrl}/docs`);
      await assertAccessible(page, `/docs (${colorScheme})`);
      await page.context().close();
    });

    it('the console: empty, with a diagnosis, with a capture timeline and a finding, with a guided conversation', async () => {
      const page = await open(`${apiUrl}/`);
      await page.locator('#who', { hasText: 'Not signed in' }).waitFor();
      await assertAccessible(page, `console, empty (${colorScheme})`);
      await page
        .getByLabel(/Paste anything/)
        .fill(
          'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"\n\n{"error":"invalid_token"}',
        );
      await page.getByRole('button', { name: 'Diagnose' }).click();
      await page.locator('article.cause.top h3').waitFor();
      await page.getByRole('button', { name: 'Copy reply for the customer' }).click();
      await page.locator('#reply').waitFor();
      await assertAccessible(page, `console, with a diagnosis (${colorScheme})`);
      await page.locator('#file').setInputFiles(join(ROOT, 'test', 'fixtures', 'har', 'chromium-playwright.har'));
      await page.locator('.timeline li.failing button').first().click();
      await page.locator('.finding').waitFor();
      await assertAccessible(page, `console, with a capture timeline and a finding (${colorScheme})`);
      await page.getByLabel('Customer says').fill('Our API calls are failing with 401');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('#chat-log .quick button').first().waitFor();
      await assertAccessible(page, `console, with a guided conversation (${colorScheme})`);
      await page.context().close();
    });

    it('the widget on a host page: closed, open with results, an article with code, a diagnosis', async () => {
      const page = await open(allowedUrl);
      await page.locator('fixpath-help').getByRole('button', { name: 'Acme help', exact: true }).waitFor();
      await assertAccessible(page, `widget, closed (${colorScheme})`, 'fixpath-help');
      await page.evaluate(() =>
        (window as unknown as { fixpath: { search: (q: string) => Promise<void> } }).fixpath.search('clock skew'),
      );
      await page.locator('fixpath-help ul.results button').first().waitFor();
      await assertAccessible(page, `widget, open with results (${colorScheme})`, 'fixpath-help');
      await page.locator('fixpath-help ul.results button').first().click();
      await page.locator('fixpath-help article .code pre').first().waitFor();
      await assertAccessible(page, `widget, an article with code (${colorScheme})`, 'fixpath-help');
      await page.locator('fixpath-help #back').click();
      await page.locator('fixpath-help').getByRole('tab', { name: 'Describe your problem' }).click();
      await page
        .locator('fixpath-help #problem')
        .fill('Every API call fails with TokenExpiredError: jwt expired, about an hour after the job starts');
      await page.locator('fixpath-help').getByRole('button', { name: 'Find the cause' }).click();
      await page.locator('fixpath-help #cause-title').waitFor();
      await assertAccessible(page, `widget, with a diagnosis (${colorScheme})`, 'fixpath-help');
      await page.context().close();
    });
  });
}
