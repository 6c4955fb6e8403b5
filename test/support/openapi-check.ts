import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import openapiTS, { astToString } from 'openapi-typescript';
import { ROOT } from './server.ts';

/**
 * The OpenAPI document as a test oracle: every answer a runtime gives must be one its own
 * document declares (the status, the content type, and a body that fits the schema with no
 * undocumented field); the document itself must pass a real linter; and a client generated
 * from it must compile.
 */

export type OpenApiDocument = {
  paths: Record<string, Record<string, Operation>>;
  components?: Record<string, unknown>;
};
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const DOCUMENT_ID = 'https://fixpath.test/openapi.json';

/** A copy of a schema whose objects admit only the properties they declare, with references into the whole document. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? `${DOCUMENT_ID}${value}`
        : key === 'properties' || key === '$defs'
          ? Object.fromEntries(Object.entries(value as object).map(([name, inner]) => [name, closed(inner)]))
          : closed(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** Checks responses against the document a runtime serves. */
export class ResponseChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<unknown, ValidateFunction>();
  private readonly routes: Array<{ template: string; pattern: RegExp }>;
  /** Problem types seen, for checking that /docs has each. */
  readonly problemTypes = new Set<string>();
  checked = 0;

  constructor(private readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: closed(document.components ?? {}) });
    this.routes = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** Assert that the response is one the document declares; returns the response, its body still unread. */
  async check(method: string, url: string, response: Response): Promise<Response> {
    const where = `${method} ${new URL(url).pathname} → ${response.status}`;
    const path = new URL(url).pathname;
    const route = this.routes.find((candidate) => candidate.pattern.test(path));
    assert.ok(route, `${where}: no path of the document matches`);
    const operation = this.document.paths[route.template]![method.toLowerCase()];
    assert.ok(operation, `${where}: the document has no ${method} ${route.template}`);
    const status = String(response.status);
    const declared =
      operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default;
    assert.ok(declared, `${where}: status ${status} is not documented for ${method} ${route.template}`);
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const media = declared.content?.[type];
    assert.ok(
      media,
      `${where}: content type ${type || '(none)'} is not documented (documented: ${Object.keys(declared.content ?? {}).join(', ') || 'none'})`,
    );
    if (/[/+]json$/.test(type)) {
      const body = (await response.clone().json()) as unknown;
      const validate = this.validatorOf(media.schema);
      assert.ok(
        validate(body),
        `${where}: the body does not fit its documented schema: ${this.ajv.errorsText(validate.errors, { dataVar: 'body' })}`,
      );
      if (type === 'application/problem+json') this.problemTypes.add((body as { type: string }).type);
    }
    this.checked += 1;
    return response;
  }

  private validatorOf(schema: unknown): ValidateFunction {
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(closed(schema ?? {}) as object);
      this.validators.set(schema, validate);
    }
    return validate;
  }
}

/** `fetch` that checks every answer against the document. */
export function checkedFetch(checker: () => ResponseChecker): (url: string, init?: RequestInit) => Promise<Response> {
  return async (url, init = {}) => checker().check(init.method ?? 'GET', url, await fetch(url, init));
}

export interface LintResult {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string }>;
}

/** A scratch folder inside the project, so that generated code resolves the project's packages. */
function scratch(prefix: string): string {
  const parent = join(ROOT, 'node_modules', '.cache');
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, prefix));
}

/** Redocly's linter, recommended rules, over a document. */
export function lintOpenApi(document: unknown): LintResult {
  const directory = scratch('fixpath-lint-');
  try {
    const file = join(directory, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const run = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js'),
        'lint',
        file,
        '--extends',
        'recommended',
        '--format',
        'json',
      ],
      {
        cwd: directory,
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
    const start = run.stdout.indexOf('{');
    assert.ok(start >= 0, `redocly printed no report: ${run.stderr}`);
    return JSON.parse(run.stdout.slice(start)) as LintResult;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Generate types from the document (openapi-typescript) and type-check `source`, which imports them from `./api.ts`; returns tsc's output. */
export async function compileAgainstDocument(
  document: unknown,
  source: string,
): Promise<{ status: number | null; output: string; types: string }> {
  const directory = scratch('fixpath-client-');
  try {
    const types = astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]));
    writeFileSync(join(directory, 'api.ts'), types);
    writeFileSync(join(directory, 'client.ts'), source);
    const compilerOptions = {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      allowImportingTsExtensions: true,
      lib: ['ES2023', 'DOM'],
      types: [],
      skipLibCheck: true,
      noUncheckedIndexedAccess: true,
    };
    writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['client.ts'] }));
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', directory], {
      encoding: 'utf8',
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}`, types };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
