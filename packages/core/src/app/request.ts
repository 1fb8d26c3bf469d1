import { parse as parseCookies } from 'cookie';
import { assertJson, decodeText, parseJson, parseUrlencoded } from '../body/decode.js';
import { type MediaType, parseMediaType } from '../body/media-type.js';
import { parseMultipart } from '../body/multipart.js';
import { type BodyOptions, readBody } from '../body/read.js';
import { headerKey } from '../environ.js';
import { BadRequest, UnsupportedMediaType } from '../errors.js';
import type { Environ } from '../types.js';
import { requestUri } from '../url/reconstruct.js';

/**
 * The request headers of an environ, read case-insensitively by their HTTP names.
 * A read-only view: it reads `HTTP_*`, `CONTENT_TYPE` and `CONTENT_LENGTH` as they are now.
 * @example request.headers.get('user-agent') // the HTTP_USER_AGENT value, or undefined
 */
export class RequestHeaders implements Iterable<[name: string, value: string]> {
  constructor(private readonly environ: Environ) {}

  /** The header's value (repeated headers joined with `, `), or undefined when absent. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    if (key === null) return undefined;
    const value = this.environ[key];
    return typeof value === 'string' ? value : undefined;
  }

  /** Whether the request has the header. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** `[name, value]` pairs, names lower-cased: `['user-agent', 'curl/8.5']`. */
  *entries(): IterableIterator<[name: string, value: string]> {
    for (const [key, value] of Object.entries(this.environ)) {
      if (typeof value !== 'string') continue;
      const header = key.startsWith('HTTP_') ? key.slice(5) : key;
      if (header !== key || key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH') {
        yield [header.toLowerCase().replaceAll('_', '-'), value];
      }
    }
  }

  [Symbol.iterator](): IterableIterator<[name: string, value: string]> {
    return this.entries();
  }
}

// A Host header is a name or an IP literal and an optional port; anything else could steer
// the rebuilt URL (`evil.example/x`, `a@b`), so it is a 400 rather than a guess.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Where `Request.of` keeps an environ's Request, as Werkzeug keeps `werkzeug.request`: on the
 * environ itself, since a WeakMap entry per request costs the garbage collector more than the
 * rest of the request. A copy of the environ (a mount) carries it along, so it counts only
 * when its `environ` is this one. Measured (npm run bench:count, POST /echo, two runs): a
 * WeakMap instead costs 126,000 and 137,000 instructions per request (GC work; batches from
 * 108,000 to 149,000) against 77,600 and 78,600: the key buys about 40%. SPEC.md §9.
 */
const REQUEST_KEY = 'core.request';

/**
 * A lazy, read-only view of one request over its environ: nothing is parsed until asked for.
 * The body readers share one read of `tsgi.input`, so reading twice (or in a middleware and
 * then in the app) returns the same result. Each has a size limit, 1 MiB unless given:
 * a larger body is a 413 {@link ContentTooLarge}.
 * @example
 * const app = handler(async (request) => {
 *   const { name } = await request.json<{ name: string }>();
 *   return Response.json({ hello: name, from: request.query.get('from') });
 * });
 */
export class Request {
  #url: URL | undefined;
  #query: URLSearchParams | undefined;
  #headers: RequestHeaders | undefined;
  #cookies: Readonly<Record<string, string | undefined>> | undefined;
  #media: MediaType | undefined;

  /** Prefer {@link Request.of}, which returns the one Request of an environ. */
  constructor(readonly environ: Environ) {}

  /**
   * The Request of this environ, made on first use and shared after: a middleware and the
   * app (and `currentRequest()`) see the same object.
   */
  static of(environ: Environ): Request {
    const cached = environ[REQUEST_KEY];
    if (cached instanceof Request && cached.environ === environ) return cached;
    const request = new Request(environ);
    // A frozen environ cannot keep it: each call then makes its own (still correct, only unshared).
    // Tried, not asked first with Object.isExtensible(), a runtime call: see remember() in body/read.ts.
    try {
      environ[REQUEST_KEY] = request;
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // strict mode: a non-extensible environ refuses it
    }
    return request;
  }

  /** `GET`, `POST`, … as sent. */
  get method(): string {
    return this.environ.REQUEST_METHOD;
  }

  /** The mount point of the app (`''` at the root). */
  get scriptName(): string {
    return this.environ.SCRIPT_NAME;
  }

  /** The path below the mount point, percent-decoded. */
  get pathInfo(): string {
    return this.environ.PATH_INFO;
  }

  /** The full decoded path: SCRIPT_NAME + PATH_INFO, `/` when both are empty. */
  get path(): string {
    return this.environ.SCRIPT_NAME + this.environ.PATH_INFO || '/';
  }

  /**
   * The absolute URL, rebuilt the PEP 3333 way. Throws {@link BadRequest} for a malformed
   * `Host` header. Trust `X-Forwarded-*` only through a proxy-header middleware.
   */
  get url(): URL {
    if (this.#url === undefined) {
      const host = this.environ.HTTP_HOST;
      if (host !== undefined && host !== '' && !HOST.test(host)) throw new BadRequest('Invalid Host header');
      this.#url = new URL(requestUri(this.environ));
    }
    return this.#url;
  }

  /** The route parameters a router matched (`@tsgi/router`'s `routeParams`); `{}` when none. */
  get params(): Readonly<Record<string, string | string[]>> {
    return (this.environ['router.params'] as Record<string, string | string[]> | undefined) ?? {};
  }

  /** The query string, parsed: `request.query.get('page')`, `getAll('tag')`. */
  get query(): URLSearchParams {
    this.#query ??= new URLSearchParams(this.environ.QUERY_STRING);
    return this.#query;
  }

  /** The request headers, case-insensitive: `request.headers.get('Accept')`. */
  get headers(): RequestHeaders {
    this.#headers ??= new RequestHeaders(this.environ);
    return this.#headers;
  }

  /** The cookies sent, by name (values URL-decoded when they were encoded). */
  get cookies(): Readonly<Record<string, string | undefined>> {
    this.#cookies ??= parseCookies(this.environ.HTTP_COOKIE ?? '');
    return this.#cookies;
  }

  /** The `Content-Type` header as sent, or undefined. */
  get contentType(): string | undefined {
    return this.environ.CONTENT_TYPE;
  }

  /** The media type alone, lower-cased, without parameters: `application/json`; `''` when absent. */
  get mediaType(): string {
    return this.media.type;
  }

  /** The `Content-Length` as a number, or undefined when the body is chunked or absent. */
  get contentLength(): number | undefined {
    const value = this.environ.CONTENT_LENGTH;
    return value === undefined || value === '' ? undefined : Number(value);
  }

  private get media(): MediaType {
    this.#media ??= parseMediaType(this.environ.CONTENT_TYPE);
    return this.#media;
  }

  /** The body as bytes, at most `limit` (default 1 MiB). */
  bytes(options?: BodyOptions): Promise<Uint8Array> {
    // not async: returning the read itself saves the ticks of adopting it into another promise
    return readBody(this.environ, options);
  }

  /** The body as text, decoded in the charset of its `Content-Type` (UTF-8 by default). */
  async text(options?: BodyOptions): Promise<string> {
    return decodeText(await readBody(this.environ, options), this.media);
  }

  /**
   * The body parsed as JSON. The `Content-Type` must be `application/json` (or `…+json`),
   * else a 415; malformed JSON is a 400 that says what is wrong. `T` is not checked:
   * validate the value before trusting its shape.
   */
  async json<T = unknown>(options?: BodyOptions): Promise<T> {
    assertJson(this.media); // before reading: a wrong type is refused without taking in the body
    return parseJson(await readBody(this.environ, options)) as T;
  }

  /**
   * The body as form fields: `application/x-www-form-urlencoded` or `multipart/form-data`
   * (file parts are `File`s), else a 415. A malformed multipart body is a 400. The whole
   * body is held in memory: raise `limit` for uploads, and keep it as low as they allow.
   * @example
   * const form = await request.form({ limit: 10 * 1024 * 1024 });
   * const avatar = form.get('avatar'); // File | string | null
   */
  async form(options?: BodyOptions): Promise<FormData> {
    const media = this.media;
    if (media.type === 'application/x-www-form-urlencoded') {
      return parseUrlencoded(await readBody(this.environ, options));
    }
    if (media.type === 'multipart/form-data') {
      return parseMultipart(await readBody(this.environ, options), this.contentType as string, media);
    }
    throw new UnsupportedMediaType(
      `Expected a form (application/x-www-form-urlencoded or multipart/form-data), got ${media.type || 'no Content-Type'}`,
    );
  }
}
