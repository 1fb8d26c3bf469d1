import { Buffer } from 'node:buffer';
import { escapeHtml } from './app/escape.js';
import type { HTTPError } from './errors.js';
import { preferredType } from './http/accept.js';
import { STATUS_REASONS } from './http/status.js';
import type { HeaderList } from './types.js';

// What an error page can be, in the order preferred on a tie (`*/*`, or no Accept): HTML first.
const OFFERS = ['text/html', 'application/json'] as const;

/** An {@link HTTPError} rendered for a client: what any server sends for it. */
export interface ErrorPage {
  readonly status: number;
  readonly reason: string;
  /** `Content-Type`, `Content-Length`, `Vary: Accept`, then the error's own headers. */
  readonly headers: HeaderList;
  readonly body: string;
}

/**
 * Renders an HTTPError as the response a client gets: a small HTML page, or JSON when the
 * client's `Accept` prefers `application/json` to `text/html`. The message is shown only when
 * the error is exposed (4xx by default); a 5xx shows its reason phrase. This is what throwing
 * the error answers, and what a server answers for a request it refuses before any app runs.
 * @example errorPage(new NotFound('No such user'), 'application/json').body // '{"error":{"status":404,"message":"No such user"}}'
 */
export function errorPage(error: HTTPError, accept?: string): ErrorPage {
  const reason = STATUS_REASONS[error.status] ?? 'Error';
  const message = error.expose ? error.message : reason;
  let body: string;
  let type: string;
  if (preferredType(accept, OFFERS) === 'application/json') {
    body = JSON.stringify({ error: { status: error.status, message } });
    type = 'application/json';
  } else {
    const title = `${error.status} ${escapeHtml(reason)}`;
    body = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${escapeHtml(message)}</p></body></html>\n`;
    type = 'text/html; charset=utf-8';
  }
  const headers: HeaderList = [
    ['Content-Type', type],
    ['Content-Length', String(Buffer.byteLength(body))],
    // the body depends on Accept: a cache must not serve the JSON page to a browser
    ['Vary', 'Accept'],
    ...error.headers,
  ];
  return { status: error.status, reason, headers, body };
}
