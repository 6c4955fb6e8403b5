import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_LIMITS } from '../../src/config/limits.ts';
import { parseConfig } from '../../src/config/parse-config.ts';
import { DEFAULT_SERVER_CONFIG } from '../../src/config/server.ts';

const SIGN_IN = {
  AUTH_JWT_SECRET: 'parse-config-test-secret-0123456789abcdefghij',
  AUTH_ISSUER: 'https://login.example.com/',
  AUTH_AUDIENCE: 'fixpath',
};

describe('parseConfig', () => {
  it('gives every default from an empty environment: a local server on loopback', () => {
    const config = parseConfig({}, 'node');
    assert.deepEqual(config.server, DEFAULT_SERVER_CONFIG);
    assert.deepEqual(config.limits, DEFAULT_LIMITS);
    assert.equal(config.auth.mode, 'local');
    assert.equal(config.articlesDir, 'articles');
    assert.equal(config.widgetOrigins.size, 0);
    assert.equal(config.proxy.publicOrigin, null);
  });

  it('reads every group of settings from one environment', () => {
    const config = parseConfig(
      {
        ...SIGN_IN,
        HOST: '0.0.0.0',
        PORT: '9000',
        ARTICLES_DIR: 'kb',
        MAX_JSON_DEPTH: '10',
        WIDGET_ORIGINS: 'https://www.example.com',
        PUBLIC_ORIGIN: 'https://help.example.com',
        TRUST_PROXY: 'loopback',
      },
      'node',
    );
    assert.equal(config.server.port, 9000);
    assert.equal(config.articlesDir, 'kb');
    assert.equal(config.limits.maxJsonDepth, 10);
    assert.equal(config.auth.mode, 'secret');
    assert.deepEqual([...config.widgetOrigins], ['https://www.example.com']);
    assert.equal(config.proxy.publicOrigin, 'https://help.example.com');
    assert.ok(config.proxy.trust.trusts('127.0.0.1'));
  });

  it('reports every bad setting at once, each by name', () => {
    assert.throws(
      () =>
        parseConfig(
          {
            PORT: 'eighty',
            MAX_JSON_DEPTH: '0',
            WIDGET_ORIGINS: 'example.com',
            TRUST_PROXY: 'everyone',
            PUBLIC_ORIGIN: 'https://help.example.com/path',
          },
          'node',
        ),
      (error: unknown) =>
        error instanceof ConfigError &&
        ['PORT', 'MAX_JSON_DEPTH', 'WIDGET_ORIGINS', 'TRUST_PROXY', 'PUBLIC_ORIGIN'].every((name) =>
          error.message.includes(name),
        ),
    );
  });

  it('defaults WORKERS to the CPUs the entry reports, and names it among the other bad settings', () => {
    assert.equal(parseConfig({}, 'node', { cpus: 6 }).server.workers, 6);
    assert.equal(parseConfig({ WORKERS: '2' }, 'node', { cpus: 6 }).server.workers, 2);
    assert.throws(
      () => parseConfig({ WORKERS: '0', MAX_JSON_DEPTH: '0' }, 'node', { cpus: 6 }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /WORKERS must be a whole number/.test(error.message) &&
        /MAX_JSON_DEPTH/.test(error.message),
    );
  });

  it('requires sign-in for a server that listens beyond loopback', () => {
    assert.throws(() => parseConfig({ HOST: '0.0.0.0' }, 'node'), /AUTH_JWT_SECRET/);
  });

  it('on Workers: a deployed Worker needs sign-in unless LOCAL_MODE, uploads default to 20 MiB, and bindings are not settings', () => {
    assert.throws(() => parseConfig({}, 'worker'), /AUTH_JWT_SECRET/);
    const local = parseConfig(
      { LOCAL_MODE: 'true', RATE_LIMITER: { limit: () => Promise.resolve({ success: true }) } },
      'worker',
    );
    assert.equal(local.auth.mode, 'local');
    assert.equal(local.limits.maxUploadBytes, 20 * 1024 * 1024);
    assert.equal(parseConfig({ ...SIGN_IN, MAX_UPLOAD_MB: '50' }, 'worker').limits.maxUploadBytes, 50 * 1024 * 1024);
  });

  it('for the CLI, reads the articles folder and limits but not server or sign-in settings', () => {
    const config = parseConfig({ HOST: '0.0.0.0', PORT: 'not read', ARTICLES_DIR: 'kb' }, 'cli');
    assert.equal(config.articlesDir, 'kb');
    assert.equal(config.auth.mode, 'local');
  });

  it('refuses an environment that is not a set of named settings', () => {
    assert.throws(() => parseConfig('PORT=80', 'node'), ConfigError);
  });
});
