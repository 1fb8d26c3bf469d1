import { performance } from 'node:perf_hooks';
import {
  type App,
  type BodyOutcome,
  type Captured,
  capture,
  type Middleware,
  onBodyDone,
  send,
} from '@tsgi/core';
import { ACCESS_LOG_FORMATS, type AccessLogFormat, formatAccessLog } from '@tsgi/core/http';

/** Where {@link accessLog} writes: anything with a `write(line)` (a file stream, `process.stdout`). */
export interface LogStream {
  write(line: string): unknown;
}

/** Options of {@link accessLog}. */
export interface AccessLogOptions {
  /** `common` (CLF), `combined` (CLF + referer and user agent) or `json` (one object a line). Default `common`. */
  format?: AccessLogFormat;
  /** Where lines go. Default: the request's `tsgi.errors`. */
  stream?: LogStream;
}

/**
 * One line per request, written when the body is done with — finished, or closed early because
 * the client left (the line then ends in `incomplete`, so a cut-short response never passes
 * for a whole one) — with the status, the body bytes actually sent and the duration in ms.
 * The formats are core's `formatAccessLog`, shared with the server's own `--access-log`. A
 * request whose app throws is logged as a 500 `error` (the error goes on to the layers above).
 * (A body stuck in an `await` when the client leaves ends, and is logged, when that await
 * does: a long-waiting generator should watch `tsgi.signal`.)
 * The line is handed to `stream.write()` and never waited for: a slow or full log stream never
 * holds up a response, and a stream that throws is ignored.
 * Defaults: `format: 'common'`, `stream`: `tsgi.errors`.
 *
 * When not to use it: the server's own `serve({ accessLog })` logs what went on the wire for
 * every request, even those refused before any app runs; use this one to log under a mount,
 * or after `proxyHeaders()` so that the client address is the real one.
 * @example
 * serve(accessLog({ format: 'combined', stream: createWriteStream('access.log', { flags: 'a' }) })(app));
 */
export function accessLog(options: AccessLogOptions = {}): Middleware {
  if (options === null || typeof options !== 'object')
    throw new TypeError('accessLog: options must be an object');
  const format = options.format ?? 'common';
  if (!ACCESS_LOG_FORMATS.includes(format)) {
    throw new TypeError(
      `accessLog: format must be one of ${ACCESS_LOG_FORMATS.join(', ')}, got ${String(format)}`,
    );
  }
  const stream = options.stream;
  if (stream !== undefined && (stream === null || typeof stream.write !== 'function')) {
    throw new TypeError('accessLog: stream must have a write(line) method');
  }

  return (app: App): App =>
    (environ, startResponse) => {
      const start = new Date();
      const began = performance.now();
      const write = (status: number, bytes: number, outcome: BodyOutcome['state']) => {
        const line = formatAccessLog(format, {
          environ,
          status,
          bytes,
          outcome,
          start,
          durationMs: performance.now() - began,
        });
        emit(stream ?? environ['tsgi.errors'], line);
      };
      const logged = (response: Captured) => {
        const status = response.code;
        response.body = onBodyDone(response.body, ({ state, bytes }) => write(status, bytes, state));
        return send(response, startResponse);
      };
      const failed = (error: unknown): never => {
        write(500, 0, 'error');
        throw error;
      };
      let captured: Captured | Promise<Captured>;
      try {
        captured = capture(app, environ);
      } catch (error) {
        return failed(error);
      }
      return captured instanceof Promise ? captured.then(logged, failed) : logged(captured);
    };
}

/** Hands a line to the stream without waiting on it; a failing stream must not fail the request. */
function emit(stream: LogStream, line: string): void {
  try {
    const result = stream.write(line);
    if (result instanceof Promise) result.catch(() => {});
  } catch {
    // the log is not worth a response
  }
}
