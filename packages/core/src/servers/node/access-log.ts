import type { ServerResponse } from 'node:http';
import { byteLength } from '../../body/chunk.js';
import { ACCESS_LOG_FORMATS, type AccessLogFormat, formatAccessLog } from '../../log/access-log.js';
import type { Chunk, Environ } from '../../types.js';
import { NodeSink } from './sink.js';

/** `serve({ accessLog })`: `true` for the Common Log Format on standard output, a format, or both parts. */
export type AccessLogOption =
  | boolean
  | AccessLogFormat
  | { format?: AccessLogFormat; write?: (line: string) => void };

/** Writes one formatted line per response. */
export type AccessLogger = (line: string) => void;

interface Logger {
  readonly format: AccessLogFormat;
  readonly write: AccessLogger;
}

const stdout: AccessLogger = (line) => {
  process.stdout.write(line);
};

/** The logger an option asks for, or undefined for none; a TypeError names a bad option. */
export function accessLogger(option: AccessLogOption | undefined): Logger | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return { format: 'common', write: stdout };
  const { format = 'common', write = stdout } = typeof option === 'string' ? { format: option } : option;
  if (!ACCESS_LOG_FORMATS.includes(format)) {
    throw new TypeError(
      `serve: accessLog format ${JSON.stringify(format)} is not one of ${ACCESS_LOG_FORMATS.join(', ')}`,
    );
  }
  return { format, write };
}

/**
 * A {@link NodeSink} that logs its response once the connection is done with it: when the last
 * byte went out (`finished`), when the client left first (`closed`), or when the response was
 * aborted (`error`), so a cut response is never logged as a whole one.
 */
export class LoggedSink extends NodeSink {
  private bytes = 0;
  private status = 0;
  private aborted = false;

  constructor(res: ServerResponse, bodyless: boolean, bodyLength: number, environ: Environ, logger: Logger) {
    super(res, bodyless, bodyLength);
    const start = new Date();
    const began = performance.now();
    res.once('close', () => {
      logger.write(
        formatAccessLog(logger.format, {
          environ,
          status: this.status || res.statusCode,
          bytes: this.bytes,
          durationMs: performance.now() - began,
          outcome: this.aborted ? 'error' : res.writableFinished ? 'finished' : 'closed',
          start,
        }),
      );
    });
  }

  override sendHead(status: number, reason: string, headers: Array<[string, string]>): void {
    this.status = status;
    super.sendHead(status, reason, headers);
  }

  override write(chunk: Chunk): boolean {
    this.bytes += Math.max(0, byteLength(chunk));
    return super.write(chunk);
  }

  override end(last?: Chunk): void {
    if (last !== undefined && !this.bodyless) this.bytes += Math.max(0, byteLength(last));
    super.end(last);
  }

  override abort(): void {
    this.aborted = true;
    super.abort();
  }
}
