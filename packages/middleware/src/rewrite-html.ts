import { Buffer } from 'node:buffer';
import type { Chunk, Environ, Middleware } from '@tsgi/core';
import { transform } from './transform.js';

/** What to insert: fixed HTML, or HTML made per request (a CSP nonce, the user's name). */
export type Insertion = string | ((environ: Environ) => string);

/** Options of {@link rewriteHtml}. At least one is needed. */
export interface RewriteHtmlOptions {
  /** Inserted just before the first `</head>`: a stylesheet, a meta tag, an analytics snippet. */
  head?: Insertion;
  /** Inserted just before the last `</body>` (at the very end when there is none): a script, a banner. */
  body?: Insertion;
  /** Bytes held back after a `</body>` waiting to see whether another one follows. Default 64 KiB. */
  holdLimit?: number;
}

const HEAD_END = Buffer.from('</head>');
const BODY_END = Buffer.from('</body>');
const EMPTY = new Uint8Array(0);

/**
 * Inserts HTML into `text/html` pages as they stream, without buffering the page: before
 * the first `</head>` and before the last `</body>`, found case-insensitively across chunk
 * boundaries. Only a marker's worth of bytes is held back at a boundary, and after a
 * `</body>` only what follows it (usually `</html>`), up to `holdLimit`, so that a `</body>`
 * inside an inline script's string does not win over the real one. Your HTML is inserted as
 * is: escape what you build from user input (core's `html` template does).
 *
 * Not for: rewriting the document itself (use an HTML parser), compressed bodies (put
 * `compress()` outside this one: encoded responses are passed by untouched).
 * @example
 * const banner = rewriteHtml({ body: '<div class="banner">Staging</div>' });
 * serve(compress()(banner(app)));
 */
export function rewriteHtml(options: RewriteHtmlOptions): Middleware {
  const { head, body, holdLimit = 64 * 1024 } = options ?? {};
  for (const [name, value] of [
    ['head', head],
    ['body', body],
  ] as const) {
    if (value !== undefined && typeof value !== 'string' && typeof value !== 'function') {
      throw new TypeError(`rewriteHtml: \`${name}\` must be a string or a function of the environ`);
    }
  }
  if (head === undefined && body === undefined) throw new TypeError('rewriteHtml: give `head` or `body`');
  if (!Number.isInteger(holdLimit) || holdLimit < BODY_END.length)
    throw new TypeError('rewriteHtml: `holdLimit` must be an integer ≥ 7');
  return transform({
    match: (response) =>
      /^text\/html\b/i.test(response.getHeader('Content-Type') ?? '') &&
      response.getHeader('Content-Encoding') === undefined,
    transform: (_response, environ) => {
      const headHtml =
        head === undefined ? undefined : Buffer.from(typeof head === 'function' ? head(environ) : head);
      const bodyHtml =
        body === undefined ? undefined : Buffer.from(typeof body === 'function' ? body(environ) : body);
      return (chunks) => insert(chunks, headHtml, bodyHtml, holdLimit);
    },
  });
}

async function* insert(
  chunks: AsyncIterable<Chunk>,
  headHtml: Buffer | undefined,
  bodyHtml: Buffer | undefined,
  holdLimit: number,
): AsyncGenerator<Chunk> {
  let pending: Buffer = Buffer.alloc(0); // bytes not yet sent
  let headDone = headHtml === undefined;
  // where, in `pending`, a `</body>` was seen (-1: none held)
  let bodyAt = -1;
  for await (const chunk of chunks) {
    pending = pending.length === 0 ? toBuffer(chunk) : Buffer.concat([pending, toBuffer(chunk)]);
    const out: Buffer[] = [];
    if (!headDone) {
      const at = indexOfIgnoreCase(pending, HEAD_END, 0);
      if (at !== -1) {
        out.push(pending.subarray(0, at), headHtml as Buffer);
        pending = pending.subarray(at);
        headDone = true;
        if (bodyAt !== -1) bodyAt = bodyAt >= at ? bodyAt - at : -1; // a `</body>` held before `</head>`
      }
    }
    if (bodyHtml !== undefined) {
      // keep the latest `</body>` and what follows it; send what comes before
      let from = bodyAt === -1 ? 0 : bodyAt + 1;
      for (
        let at = indexOfIgnoreCase(pending, BODY_END, from);
        at !== -1;
        at = indexOfIgnoreCase(pending, BODY_END, from)
      ) {
        bodyAt = at;
        from = at + 1;
      }
      if (bodyAt !== -1 && pending.length - bodyAt > holdLimit) bodyAt = -1; // too far back to be the end
      const keep = bodyAt !== -1 ? bodyAt : Math.max(0, pending.length - (BODY_END.length - 1));
      const cut = headDone ? keep : Math.min(keep, Math.max(0, pending.length - (HEAD_END.length - 1)));
      out.push(pending.subarray(0, cut));
      pending = pending.subarray(cut);
      if (bodyAt !== -1) bodyAt -= cut;
    } else {
      const cut = headDone ? pending.length : Math.max(0, pending.length - (HEAD_END.length - 1));
      out.push(pending.subarray(0, cut));
      pending = pending.subarray(cut);
    }
    const bytes = Buffer.concat(out);
    // one chunk out per chunk in, even an empty one, so the response keeps streaming
    yield bytes.length === 0 ? EMPTY : bytes;
    if (headDone && bodyHtml === undefined && pending.length === 0) {
      for await (const rest of chunks) yield rest;
      return;
    }
  }
  if (bodyHtml !== undefined) {
    const at = bodyAt === -1 ? pending.length : bodyAt;
    yield Buffer.concat([pending.subarray(0, at), bodyHtml, pending.subarray(at)]);
  } else if (pending.length > 0) yield pending;
}

/** `needle` (lower-case ASCII) in `haystack`, ignoring ASCII case; -1 when absent. */
function indexOfIgnoreCase(haystack: Buffer, needle: Buffer, from: number): number {
  const first = needle[0] as number;
  for (
    let i = haystack.indexOf(first, from);
    i !== -1 && i <= haystack.length - needle.length;
    i = haystack.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.length && lower(haystack[i + j] as number) === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function lower(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

function toBuffer(chunk: Chunk): Buffer {
  return typeof chunk === 'string'
    ? Buffer.from(chunk)
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
