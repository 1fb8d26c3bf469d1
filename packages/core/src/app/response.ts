import { type SerializeOptions, serialize } from 'cookie';
import { statusLine } from '../http/status.js';
import { hasCrLfNul, isBodylessStatus, TOKEN } from '../http/syntax.js';
import type { Body, Chunk, Environ, HeaderList, StartResponse } from '../types.js';
import { callable } from './callable.js';
import { isSafeHtml, type SafeHtml } from './html.js';

/**
 * What a {@link Response} can send: text, bytes, html`` markup, chunks from an iterable or
 * async iterable (a generator, a Node `Readable` such as `fs.createReadStream()`), or nothing.
 */
export type ResponseBody =
  | string
  | Uint8Array
  | SafeHtml
  | Iterable<Chunk>
  | AsyncIterable<Chunk>
  | null
  | undefined;

/** Status and headers of a new {@link Response}. */
export interface ResponseInit {
  /** Default 200. */
  status?: number;
  /** A header list (names may repeat) or a record. */
  headers?: HeaderList | Record<string, string>;
}

/** `Set-Cookie` attributes (the `cookie` package's): `maxAge`, `expires`, `domain`, `secure`, … */
export type CookieOptions = SerializeOptions;

/** The attributes every cookie gets unless told otherwise: not readable by scripts, not sent cross-site. */
const COOKIE_DEFAULTS: CookieOptions = { httpOnly: true, sameSite: 'lax', path: '/' };

const TEXT = 'text/plain; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

function checkHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new TypeError(`Header name ${JSON.stringify(name)} is not an HTTP token`);
  if (hasCrLfNul(value)) {
    throw new TypeError(`Header ${name}: the value contains CR, LF or NUL (header injection)`);
  }
}

function checkStatus(status: number): number {
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(
      `Response status must be an integer from 200 to 599 (a 1xx is not a final response: send 103 with tsgi.early_hints), got ${status}`,
    );
  }
  return status;
}

/** A 204, 205 or 304 has no content (RFC 9110 §15.3.5, §15.3.6, §15.4.5): a body for one is a bug. */
function checkBodyless(status: number, body: ResponseBody): void {
  if (isBodylessStatus(status) && body !== null && body !== undefined) {
    throw new TypeError(`Response: a ${status} response has no body; pass null`);
  }
}

/** The Content-Type a body implies, when the headers name none. */
function impliedType(body: ResponseBody): string | undefined {
  if (typeof body === 'string') return TEXT;
  if (isSafeHtml(body)) return HTML;
  if (body instanceof Uint8Array) return 'application/octet-stream';
  return undefined;
}

type NodeStream = AsyncIterable<Chunk> & { destroy(): void };

/** Turns a response body into a tsgi body. Arrays keep their known length (the server adds Content-Length). */
function toBody(body: ResponseBody): Body {
  if (body === null || body === undefined) return [];
  if (typeof body === 'string' || body instanceof Uint8Array) return [body];
  if (isSafeHtml(body)) return [body.toString()];
  const stream = body as Partial<NodeStream> & Body;
  if (typeof stream.close !== 'function' && typeof stream.destroy === 'function') {
    // a Node Readable: the server's close() must release it (a file descriptor, a socket)
    const readable = stream as NodeStream;
    return {
      [Symbol.asyncIterator]: () => readable[Symbol.asyncIterator](),
      close: () => readable.destroy(),
    };
  }
  return body;
}

// Lets a Response be called as an app: its call signature comes from this interface.
export interface Response {
  (environ: Environ, startResponse: StartResponse): Body;
}

/**
 * A response — status, headers, body — that is itself an app, as in werkzeug: call it with
 * `(environ, startResponse)`, or return it from a {@link handler}. A string body is sent as
 * `text/plain; charset=utf-8`, html`` as `text/html`, bytes as `application/octet-stream`,
 * unless the headers name a Content-Type. A 204, 205 or 304 takes no body (null): one is refused,
 * rather than sent with a Content-Type the status forbids. A Response can be sent many times
 * unless its body is a one-shot stream.
 * @example
 * const app: App = (environ, startResponse) => new Response('hi')(environ, startResponse);
 * @example
 * return Response.json({ id: 1 }, { status: 201 }).setCookie('seen', '1');
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the call signature
export class Response {
  declare status: number;
  /** The headers in order; a name may repeat (`Set-Cookie`). Prefer the methods below to edit. */
  declare headers: HeaderList;
  declare body: ResponseBody;

  constructor(body?: ResponseBody, init: ResponseInit = {}) {
    // A class instance cannot be called, so the instance is a function with this class's prototype.
    const app = callable(
      ((_environ: Environ, startResponse: StartResponse): Body => {
        // a copy: a server may add headers (Content-Length) to the list it is given
        startResponse(statusLine(app.status), app.headers.slice());
        return toBody(app.body);
      }) as Response,
      new.target,
    );
    app.status = checkStatus(init.status ?? 200);
    checkBodyless(app.status, body);
    app.headers = [];
    for (const [name, value] of headerList(init.headers)) app.appendHeader(name, value);
    const type = impliedType(body);
    if (type !== undefined && app.getHeader('content-type') === undefined) {
      app.headers.push(['Content-Type', type]);
    }
    app.body = body;
    // biome-ignore lint/correctness/noConstructorReturn: see above
    return app;
  }

  /**
   * A JSON response (`application/json`).
   * @example Response.json({ ok: true }, { status: 201 })
   */
  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError(`Response.json(): ${typeof data} is not JSON`);
    return new Response(text, withType(init, 'application/json'));
  }

  /**
   * An HTML response (`text/html; charset=utf-8`) from html`` or raw() markup. A plain
   * string is refused: it may hold unescaped user input; build it with html``.
   * @example Response.html(html`<h1>Hello, ${name}</h1>`)
   */
  static html(markup: SafeHtml, init: ResponseInit = {}): Response {
    if (!isSafeHtml(markup)) {
      throw new TypeError(
        'Response.html() takes html`…` or raw(…) markup, not a plain string, which may hold unescaped input',
      );
    }
    return new Response(markup, init);
  }

  /** A plain-text response (`text/plain; charset=utf-8`). */
  static text(text: string, init: ResponseInit = {}): Response {
    return new Response(String(text), init);
  }

  /**
   * A redirect to `location` (302 Found unless given: 301, 303, 307 or 308). CR, LF and NUL
   * are refused (they would inject headers); spaces and non-ASCII are percent-encoded.
   * Checking that the target is yours (no open redirect from `?next=`) is the caller's job.
   * @example Response.redirect('/login', 303)
   */
  static redirect(location: string | URL, status: 301 | 302 | 303 | 307 | 308 = 302): Response {
    const target = String(location);
    if (hasCrLfNul(target)) throw new TypeError('Response.redirect(): the location contains CR, LF or NUL');
    if (![301, 302, 303, 307, 308].includes(status)) {
      throw new RangeError(
        `Response.redirect(): ${status} is not a redirect status (301, 302, 303, 307, 308)`,
      );
    }
    let encoded: string;
    try {
      encoded = target.replace(/[^\x21-\x7e]+/g, (chars) => encodeURI(chars));
    } catch {
      throw new TypeError('Response.redirect(): the location is not well-formed Unicode');
    }
    return new Response(null, { status, headers: [['Location', encoded]] });
  }

  /** The first value of a header (case-insensitive), or undefined. */
  getHeader(name: string): string | undefined {
    const lower = name.toLowerCase();
    return this.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
  }

  /** Sets a header, replacing every value it had. */
  setHeader(name: string, value: string): this {
    checkHeader(name, value);
    this.removeHeader(name);
    this.headers.push([name, value]);
    return this;
  }

  /** Adds a header value, keeping the ones before (for headers that repeat). */
  appendHeader(name: string, value: string): this {
    checkHeader(name, value);
    this.headers.push([name, value]);
    return this;
  }

  /** Removes every value of a header. */
  removeHeader(name: string): this {
    const lower = name.toLowerCase();
    this.headers = this.headers.filter(([n]) => n.toLowerCase() !== lower);
    return this;
  }

  /**
   * Adds a `Set-Cookie`. Defaults: `HttpOnly`, `SameSite=Lax`, `Path=/`; add `secure: true`
   * on HTTPS sites. Name and value are checked (and the value URL-encoded) by `cookie`.
   * @example response.setCookie('theme', 'dark', { maxAge: 60 * 60 * 24 * 365 })
   */
  setCookie(name: string, value: string, options: CookieOptions = {}): this {
    const attributes = { ...COOKIE_DEFAULTS, ...options };
    if (attributes.sameSite === 'none' && !attributes.secure) {
      throw new TypeError(`Cookie ${name}: SameSite=None needs secure: true (browsers reject it otherwise)`);
    }
    return this.appendHeader('Set-Cookie', serialize(name, value, attributes));
  }

  /**
   * Tells the client to delete a cookie. Pass the same `path` and `domain` it was set with.
   * @example response.deleteCookie('session')
   */
  deleteCookie(name: string, options: CookieOptions = {}): this {
    return this.setCookie(name, '', { ...options, maxAge: 0, expires: new Date(0) });
  }
}

function headerList(headers: ResponseInit['headers']): HeaderList {
  return Array.isArray(headers) ? headers : Object.entries(headers ?? {});
}

/** `init` with a Content-Type, unless it names one. */
function withType(init: ResponseInit, type: string): ResponseInit {
  const headers = headerList(init.headers);
  if (headers.some(([name]) => name.toLowerCase() === 'content-type')) return init;
  return { ...init, headers: [...headers, ['Content-Type', type]] };
}
