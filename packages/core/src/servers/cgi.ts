import type { Readable, Writable } from 'node:stream';
import { createEnviron, emptyInput } from '../environ.js';
import { errorPage } from '../error-page.js';
import { BadRequest, type HTTPError, isHTTPError } from '../errors.js';
import { type ResponseSink, runApp } from '../run-app.js';
import type { App, Chunk, Environ, ErrorStream, HeaderList } from '../types.js';
import { encodePath } from '../url/raw-path.js';

/** Options of {@link runCgi}: where the request comes from and the response goes (the process's own by default). */
export interface CgiOptions {
  /** The CGI meta-variables. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** The request body. Default `process.stdin`. */
  stdin?: Readable;
  /** Where the CGI response goes. Default `process.stdout`. */
  stdout?: Writable;
  /** Where `tsgi.errors` writes (the CGI server logs it). Default `process.stderr`. */
  stderr?: Writable;
}

// RFC 3875 meta-variables passed through as they are (the server already did the work)
const PASSED_THROUGH = [
  'AUTH_TYPE',
  'GATEWAY_INTERFACE',
  'PATH_TRANSLATED',
  'REMOTE_HOST',
  'REMOTE_IDENT',
  'REMOTE_USER',
  'SERVER_SOFTWARE',
];

/**
 * Runs a tsgi app once as a CGI script: PEP 3333's `run_with_cgi`. The environ comes from the CGI
 * meta-variables (`SCRIPT_NAME` is where the server mounted the script, `PATH_INFO` the rest,
 * `HTTPS=on` makes the scheme https), `tsgi.input` is standard input up to `CONTENT_LENGTH`, and
 * `tsgi.errors` goes to standard error. The response goes to standard output as CGI output:
 * a `Status:` line, the headers, a blank line, the body. An error before the headers is a bare
 * `500` (details to standard error); an error after them sets a non-zero exit code and leaves
 * the response incomplete. Resolves when the response is out.
 * @example
 * #!/usr/bin/env -S node --import tsx
 * import { runCgi } from '@tsgi/core';
 * import { app } from './app.ts';
 * await runCgi(app);
 */
export async function runCgi(app: App, options: CgiOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (env.REQUEST_METHOD === undefined) {
    throw new Error('runCgi: REQUEST_METHOD is not set; run this script from a CGI server');
  }
  const errors: ErrorStream = {
    write: (message) => stderr.write(message.endsWith('\n') ? message : `${message}\n`),
  };
  const sink = new CgiSink(stdout, env.REQUEST_METHOD === 'HEAD');
  const input = new StdinInput(env.CONTENT_LENGTH, () => options.stdin ?? process.stdin);
  let environ: Environ;
  try {
    environ = cgiEnviron(env, input, errors, sink.gone.signal);
  } catch (error) {
    if (!isHTTPError(error)) throw error;
    sink.refuse(error, env.HTTP_ACCEPT);
    return sink.finished;
  }
  // httpoxy: a client's `Proxy:` header arrives as HTTP_PROXY, which HTTP clients read as their proxy
  if (env === process.env) delete process.env.HTTP_PROXY;
  await Promise.all([runApp(app, environ, sink), sink.finished]);
  input.release();
  if (sink.aborted) process.exitCode = 1;
}

function cgiEnviron(
  env: Record<string, string | undefined>,
  input: AsyncIterable<Uint8Array>,
  errors: ErrorStream,
  signal: AbortSignal,
): Environ {
  const length = env.CONTENT_LENGTH;
  if (length !== undefined && length !== '' && !/^\d+$/.test(length)) {
    throw new BadRequest('Content-Length is not a number');
  }
  const scriptName = (env.SCRIPT_NAME ?? '').replace(/\/+$/, '');
  const pathInfo = env.PATH_INFO ?? '';
  const query = env.QUERY_STRING ?? '';
  // The headers, as createEnviron expects them: it maps them back to HTTP_* (one place for the rules).
  const rawHeaders: string[] = [];
  for (const key in env) {
    const value = env[key];
    if (value === undefined) continue;
    if (key.startsWith('HTTP_')) rawHeaders.push(key.slice(5).replaceAll('_', '-'), value);
  }
  if (env.CONTENT_TYPE) rawHeaders.push('Content-Type', env.CONTENT_TYPE);
  if (length) rawHeaders.push('Content-Length', length);
  const https = /^(?:on|1)$/i.test(env.HTTPS ?? '');
  const environ = createEnviron({
    method: env.REQUEST_METHOD as string,
    // REQUEST_URI (lighttpd, Apache, nginx) is the target as received; RFC 3875 has only the decoded parts
    target: env.REQUEST_URI?.startsWith('/')
      ? env.REQUEST_URI
      : `${encodePath(scriptName + pathInfo) || '/'}${query ? `?${query}` : ''}`,
    rawHeaders,
    input: length && length !== '0' ? input : emptyInput,
    protocol: env.SERVER_PROTOCOL || 'HTTP/1.0',
    scheme: https ? 'https' : 'http',
    serverName: env.SERVER_NAME ?? '',
    serverPort: env.SERVER_PORT ?? (https ? '443' : '80'),
    remoteAddr: env.REMOTE_ADDR,
    remotePort: env.REMOTE_PORT,
    errors,
    signal,
    multithread: false,
    multiprocess: true,
    runOnce: true,
  });
  // the server split the path and decoded it already: trust its SCRIPT_NAME / PATH_INFO
  environ.SCRIPT_NAME = scriptName;
  environ.PATH_INFO = pathInfo;
  environ.QUERY_STRING = query;
  for (const key of PASSED_THROUGH) if (env[key] !== undefined) environ[key] = env[key];
  return environ;
}

/** Standard input as `tsgi.input`: exactly CONTENT_LENGTH bytes, read only if the app reads. */
class StdinInput implements AsyncIterable<Uint8Array> {
  private stream: Readable | undefined;

  constructor(
    private readonly contentLength: string | undefined,
    private readonly open: () => Readable,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    let remaining = Number(this.contentLength ?? 0);
    if (remaining === 0) return;
    this.stream ??= this.open();
    for await (const chunk of this.stream.iterator({ destroyOnReturn: false })) {
      const bytes = chunk as Buffer;
      if (bytes.byteLength >= remaining) {
        yield bytes.subarray(0, remaining);
        return;
      }
      remaining -= bytes.byteLength;
      yield bytes;
    }
    throw new BadRequest('The request body ended before its Content-Length');
  }

  /** Stops reading standard input, so that it does not keep the process alive. */
  release(): void {
    this.stream?.destroy();
  }
}

/** The CGI response on standard output. */
class CgiSink implements ResponseSink {
  /** Fires when the server stops reading our output (the client went away). */
  readonly gone = new AbortController();
  readonly finished: Promise<void>;
  aborted = false;
  private resolve!: () => void;
  private goneListeners: Array<() => void> = [];

  constructor(
    private readonly out: Writable,
    readonly bodyless: boolean,
  ) {
    this.finished = new Promise((resolve) => {
      this.resolve = resolve;
    });
    // EPIPE and the like: without a listener, an 'error' would crash the process
    out.on('error', (error) => {
      if (this.gone.signal.aborted) return;
      this.gone.abort(error);
      for (const listener of this.goneListeners) listener();
      this.resolve();
    });
  }

  sendHead(status: number, reason: string, headers: HeaderList): void {
    let head = `Status: ${status} ${reason}\r\n`;
    for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
    // header bytes are Latin-1, as on the wire (PEP 3333 too)
    this.out.write(Buffer.from(`${head}\r\n`, 'latin1'));
  }

  write(chunk: Chunk): boolean {
    return this.out.write(chunk);
  }

  drained(): Promise<void> {
    if (!this.out.writableNeedDrain || this.gone.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.out.off('drain', done);
        this.gone.signal.removeEventListener('abort', done);
        resolve();
      };
      this.out.on('drain', done);
      this.gone.signal.addEventListener('abort', done);
    });
  }

  end(last?: Chunk): void {
    if (last !== undefined) this.write(last);
    // resolves once everything written is flushed
    this.out.write('', () => this.resolve());
  }

  abort(): void {
    // CGI has no way to say "incomplete" but stopping short and a failed exit status
    this.aborted = true;
    this.resolve();
  }

  onGone(listener: () => void): void {
    this.goneListeners.push(listener);
  }

  /** Answers a request refused before the app runs (a malformed meta-variable) with the error's page. */
  refuse(error: HTTPError, accept: string | undefined): void {
    const page = errorPage(error, accept);
    this.sendHead(page.status, page.reason, page.headers);
    if (!this.bodyless) this.write(page.body);
    this.end();
  }
}
