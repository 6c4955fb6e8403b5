import { escapeHtml } from '../../text/escape-html.ts';
import { problemTypes } from '../problems.ts';
import { page } from './layout.ts';

interface Operation {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
}

/** Ready-to-run examples for the routes a person tries first. */
const CURL_EXAMPLES: Record<string, string> = {
  'post /v1/diagnose': `curl -s http://127.0.0.1:8787/v1/diagnose -H 'content-type: application/json' \\
  -d '{"text": "every call returns 401 about an hour after the job starts"}'

curl -s http://127.0.0.1:8787/v1/diagnose -H 'content-type: text/plain' --data-binary @response.txt`,
  'get /v1/search': `curl -s 'http://127.0.0.1:8787/v1/search?q=token%20expired&limit=5'`,
  'get /v1/suggest': `curl -s 'http://127.0.0.1:8787/v1/suggest?q=invalid%20cli'`,
  'get /v1/articles/{slug}': `curl -s http://127.0.0.1:8787/v1/articles/expired-access-token`,
};

/**
 * The API reference, rendered on the server from the OpenAPI document itself: it needs no
 * script or stylesheet from the internet, and it shows exactly what the server validates.
 */
export function renderDocsPage(document: Record<string, unknown>): string {
  const paths = (document.paths ?? {}) as Record<string, Record<string, Operation>>;
  const schemas = ((document.components as { schemas?: Record<string, unknown> } | undefined)?.schemas ?? {}) as Record<
    string,
    unknown
  >;
  const operations = Object.entries(paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => renderOperation(path, method, operation)),
    )
    .join('\n');
  const toc = Object.entries(paths)
    .flatMap(([path, methods]) =>
      Object.keys(methods).map(
        (method) =>
          `<li><a href="#${anchor(method, path)}"><span class="method">${method}</span>${escapeHtml(path)}</a></li>`,
      ),
    )
    .join('');
  const schemaList = Object.entries(schemas)
    .map(
      ([name, schema]) =>
        `<h3 id="schema-${escapeHtml(name)}">${escapeHtml(name)}</h3><pre tabindex="0"><code>${escapeHtml(JSON.stringify(schema, null, 2))}</code></pre>`,
    )
    .join('\n');
  const problems = problemTypes()
    .map(
      (problem) =>
        `<tr id="problem-${problem.code}"><td><code>${problem.code}</code></td><td>${problem.status}</td><td>${escapeHtml(problem.title)}</td><td>${escapeHtml(problem.when)}</td></tr>`,
    )
    .join('');
  const info = document.info as { title?: string; version?: string; description?: string } | undefined;
  return page(
    'API reference',
    `<h1>${escapeHtml(info?.title ?? 'API')} <span class="meta">${escapeHtml(info?.version ?? '')}</span></h1>
<p>${escapeHtml(info?.description ?? '')} The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>
<ul class="plain">${toc}</ul>
${operations}
<h2 id="problems">Errors</h2>
<p>Every error is <code>application/problem+json</code> (RFC 9457) with <code>type</code>, <code>title</code>, <code>status</code> and a <code>detail</code> that says what to fix. The <code>type</code> is an absolute URI that opens its row below (<code>…/docs#problem-not-found</code>); a client branches on it, not on the wording. Validation errors also list <code>errors[]</code> with a JSON pointer into your input.</p>
<table><thead><tr><th>type</th><th>status</th><th>title</th><th>when</th></tr></thead><tbody>${problems}</tbody></table>
<h2 id="schemas">Schemas</h2>
${schemaList}`,
  );
}

/** `GET-v1-articles-slug`: letters and digits kept, every other run one dash, none at the end. */
function anchor(method: string, path: string): string {
  let out = `${method}-`;
  for (const char of path) {
    const word = (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || (char >= '0' && char <= '9');
    if (word) out += char;
    else if (!out.endsWith('-')) out += '-';
  }
  return out.endsWith('-') ? out.slice(0, -1) : out;
}

function renderOperation(path: string, method: string, operation: Operation): string {
  const parameters = (operation.parameters ?? [])
    .map(
      (parameter) =>
        `<tr><td><code>${escapeHtml(parameter.name)}</code></td><td>${escapeHtml(parameter.in)}</td><td>${parameter.required ? 'yes' : 'no'}</td><td>${escapeHtml(parameter.description ?? '')}</td></tr>`,
    )
    .join('');
  const body = operation.requestBody?.content
    ? `<p><strong>Body</strong>: ${Object.keys(operation.requestBody.content)
        .map((type) => `<code>${escapeHtml(type)}</code>`)
        .join(', ')}</p>
<pre tabindex="0"><code>${escapeHtml(JSON.stringify(operation.requestBody.content['application/json']?.schema ?? operation.requestBody.content[Object.keys(operation.requestBody.content)[0]!]?.schema ?? {}, null, 2))}</code></pre>`
    : '';
  const responses = Object.entries(operation.responses ?? {})
    .map(
      ([status, response]) =>
        `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(response.description ?? '')}</td><td>${Object.keys(
          response.content ?? {},
        )
          .map((type) => `<code>${escapeHtml(type)}</code>`)
          .join(' ')}</td></tr>`,
    )
    .join('');
  const example = CURL_EXAMPLES[`${method} ${path}`];
  return `<h2 id="${anchor(method, path)}"><span class="method">${escapeHtml(method)}</span>${escapeHtml(path)}</h2>
<p>${escapeHtml(operation.summary ?? '')}</p>
${operation.description ? `<p>${escapeHtml(operation.description)}</p>` : ''}
${parameters ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr></thead><tbody>${parameters}</tbody></table>` : ''}
${body}
<table><thead><tr><th>status</th><th>meaning</th><th>content</th></tr></thead><tbody>${responses}</tbody></table>
${example ? `<p><strong>Example</strong></p><pre tabindex="0"><code>${escapeHtml(example)}</code></pre>` : ''}`;
}
