import { Buffer } from 'node:buffer';
import { escapeHtml } from './app/escape.js';
import type { ErrorPage } from './error-page.js';
import { preferredType } from './http/accept.js';
import type { Environ, HeaderList } from './types.js';

const OFFERS = ['text/html', 'application/json'] as const;

/** An environ value as one line of text for the debug page. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null)
    return String(value);
  if (Array.isArray(value)) return JSON.stringify(value);
  const name = (value as object).constructor?.name;
  return `[${typeof value}${name ? ` ${name}` : ''}]`;
}

/**
 * The development error page: a 500 that shows the error's stack and the request's environ,
 * every value escaped. For development only (`tsgi serve --dev`, `errors({ debug: true })`):
 * it shows the client what the server knows, so never turn it on in production.
 * @example const page = debugPage(error, environ); startResponse(`500 ${page.reason}`, page.headers); return [page.body];
 */
export function debugPage(error: unknown, environ: Environ): ErrorPage {
  const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  const title = error instanceof Error ? `${error.name}: ${error.message}` : 'Error';
  const keys = Object.keys(environ).sort();
  let body: string;
  let type: string;
  if (preferredType(environ.HTTP_ACCEPT, OFFERS) === 'application/json') {
    body = JSON.stringify({ error: { status: 500, message: title, stack } });
    type = 'application/json';
  } else {
    const rows = keys
      .map((key) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(describe(environ[key]))}</td></tr>`)
      .join('\n');
    body = `<!doctype html>
<html><head><meta charset="utf-8"><title>500 ${escapeHtml(title)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em;overflow:auto}th{text-align:left;padding-right:1em;vertical-align:top}td{font-family:monospace;word-break:break-all}</style>
</head><body><h1>500 ${escapeHtml(title)}</h1>
<p>${escapeHtml(environ.REQUEST_METHOD)} ${escapeHtml(`${environ.SCRIPT_NAME}${environ.PATH_INFO}`)} — shown because debug mode is on; never in production.</p>
<h2>Stack</h2><pre>${escapeHtml(stack)}</pre>
<h2>Environ</h2><table>${rows}</table>
</body></html>
`;
    type = 'text/html; charset=utf-8';
  }
  const headers: HeaderList = [
    ['Content-Type', type],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Cache-Control', 'no-store'],
    ['Vary', 'Accept'],
  ];
  return { status: 500, reason: 'Internal Server Error', headers, body };
}
