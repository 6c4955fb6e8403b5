import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../support/chromium.ts';
import { type RunningServer, startServer } from '../support/server.ts';

/**
 * fixpath behind a real TLS-terminating reverse proxy (Debian's nginx; `.ci/run` installs it):
 * customers reach https://localhost:PORT, nginx speaks plain HTTP to fixpath on loopback and
 * says who the client was in X-Forwarded-For. With PUBLIC_ORIGIN and TRUST_PROXY set, the
 * console's own calls pass the origin check, the widget works on a customer's site, problem
 * links name the public origin, and each client has its own rate-limit budget.
 */

const NGINX = '/usr/sbin/nginx';
const skip = !existsSync(NGINX)
  ? `needs ${NGINX} (apt-get install nginx-light; .ci/run installs it)`
  : !existsSync(CHROMIUM)
    ? `needs ${CHROMIUM}`
    : false;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A request through the proxy from a given loopback source address: a different client to nginx. */
function getFrom(
  source: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      { method: body === undefined ? 'GET' : 'POST', localAddress: source, rejectUnauthorized: false, headers },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('behind nginx terminating TLS', { skip }, () => {
  let directory: string;
  let nginx: ChildProcess;
  let fixpath: RunningServer;
  let customerSite: Server;
  let browser: Browser;
  let publicUrl: string;
  let siteUrl: string;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'fixpath-nginx-'));
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(directory, 'key.pem'),
        '-out',
        join(directory, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, made.stderr);
    const proxyPort = await freePort();
    const sitePort = await freePort();
    publicUrl = `https://localhost:${proxyPort}`;
    siteUrl = `http://127.0.0.1:${sitePort}`;
    // Agent sign-in on, as in production: callers without a token are the public, and limited.
    fixpath = await startServer({
      PUBLIC_ORIGIN: publicUrl,
      TRUST_PROXY: '127.0.0.1',
      WIDGET_ORIGINS: siteUrl,
      RATE_LIMIT_PER_MINUTE: '8',
      AUTH_JWT_SECRET: 'behind-nginx-test-secret-0123456789abcdefghijkl',
      AUTH_ISSUER: 'https://login.example.com/',
      AUTH_AUDIENCE: 'fixpath',
    });
    const upstream = new URL(fixpath.url);
    writeFileSync(
      join(directory, 'nginx.conf'),
      `daemon off;
pid ${directory}/nginx.pid;
error_log ${directory}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${directory}/body;
  proxy_temp_path ${directory}/proxy;
  fastcgi_temp_path ${directory}/fastcgi;
  uwsgi_temp_path ${directory}/uwsgi;
  scgi_temp_path ${directory}/scgi;
  server {
    listen 127.0.0.1:${proxyPort} ssl;
    server_name localhost;
    ssl_certificate ${directory}/cert.pem;
    ssl_certificate_key ${directory}/key.pem;
    client_max_body_size 100m;
    location / {
      proxy_pass http://${upstream.host};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`,
    );
    nginx = spawn(NGINX, ['-e', join(directory, 'error.log'), '-c', join(directory, 'nginx.conf')], {
      stdio: 'ignore',
    });
    for (let attempt = 0; ; attempt += 1) {
      try {
        if ((await getFrom('127.0.0.1', `${publicUrl}/healthz`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (attempt > 100) throw new Error('nginx did not start');
      await new Promise((done) => setTimeout(done, 100));
    }
    const page = `<!doctype html><html lang="en"><head><title>Acme</title></head><body><h1>Acme</h1><script src="${publicUrl}/widget.js" async data-fixpath="${publicUrl}" data-title="Acme help"></script></body></html>`;
    customerSite = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'text/html' }).end(page),
    );
    await new Promise<void>((done) => customerSite.listen(sitePort, '127.0.0.1', done));
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    customerSite?.close();
    nginx?.kill('SIGTERM');
    await fixpath?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('serves the agent console through the proxy: its own calls pass the origin check', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${publicUrl}/`);
    await page
      .getByLabel(/Paste anything/)
      .fill(
        'HTTP/1.1 401 Unauthorized\nWWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"',
      );
    await page.getByRole('button', { name: 'Diagnose' }).click();
    await page.locator('article.cause.top h3').waitFor();
    assert.match((await page.locator('article.cause.top h3').textContent()) ?? '', /expired/i);
    await context.close();
  });

  it('serves the widget on a customer site through the proxy', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(siteUrl);
    await page.locator('fixpath-help').getByRole('button', { name: 'Acme help', exact: true }).click();
    await page.locator('fixpath-help').getByRole('tab', { name: 'Describe your problem' }).click();
    await page
      .locator('fixpath-help #problem')
      .fill('Every API call fails with TokenExpiredError: jwt expired, about an hour after the job starts');
    await page.locator('fixpath-help').getByRole('button', { name: 'Find the cause' }).click();
    await page.locator('fixpath-help #cause-title').waitFor();
    assert.match((await page.locator('fixpath-help #cause-title').textContent()) ?? '', /expired/i);
    await context.close();
  });

  it('gives each client behind the proxy its own rate-limit budget, whatever X-Forwarded-For it sends', async () => {
    const statusesOf = async (source: string, headers: Record<string, string> = {}): Promise<number[]> => {
      const statuses: number[] = [];
      for (let index = 0; index < 9; index += 1)
        statuses.push((await getFrom(source, `${publicUrl}/v1/search?q=token`, headers)).status);
      return statuses;
    };
    // The budget is 8 a minute; a client claiming other addresses is still the address nginx saw.
    const spent = [200, 200, 200, 200, 200, 200, 200, 200, 429];
    assert.deepEqual(await statusesOf('127.0.0.2', { 'x-forwarded-for': '203.0.113.9' }), spent);
    assert.deepEqual(await statusesOf('127.0.0.3'), spent);
  });

  it('links replies and problems to the public origin, and refuses browser calls from unlisted sites', async () => {
    const chat = await getFrom(
      '127.0.0.5',
      `${publicUrl}/v1/chat`,
      { 'content-type': 'application/json' },
      JSON.stringify({
        messages: [
          {
            role: 'user',
            text: 'HTTP/1.1 401\nWWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"',
          },
        ],
      }),
    );
    assert.equal(chat.status, 200, chat.body);
    assert.ok((JSON.parse(chat.body) as { reply: string }).reply.includes(`](${publicUrl}/articles/`), chat.body);
    const refused = await getFrom('127.0.0.4', `${publicUrl}/v1/search?q=token`, { origin: 'https://evil.example' });
    assert.equal(refused.status, 403);
    const problem = JSON.parse(refused.body) as { type: string };
    assert.ok(problem.type.startsWith(`${publicUrl}/docs#`), problem.type);
    const own = await getFrom('127.0.0.4', `${publicUrl}/v1/search?q=token`, { origin: publicUrl });
    assert.equal(own.status, 200);
  });
});
