import type { Environ } from '../types.js';

/**
 * The access-log line formats, shared by the server's own access log (`serve({ accessLog })`,
 * `tsgi serve --access-log`) and `@tsgi/middleware`'s `accessLog()`:
 * - `common`: the Common Log Format, `host ident user [time] "request" status bytes`;
 * - `combined`: Common plus `"referer" "user-agent"`;
 * - `json`: one JSON object a line.
 * The text formats end with the duration (`12.3ms`) and, when the client left before the
 * body ended or the body failed, `incomplete`, so an interrupted response never passes for
 * a whole one; log tools that read CLF ignore trailing fields.
 */
export type AccessLogFormat = 'common' | 'combined' | 'json';

/** One finished (or cut short) request, as an access log records it. */
export interface AccessRecord {
  readonly environ: Environ;
  readonly status: number;
  /** Body bytes actually handed to the server. */
  readonly bytes: number;
  readonly durationMs: number;
  /** `finished`, or `closed` (the client left, or the body was never sent whole), or `error`. */
  readonly outcome: 'finished' | 'closed' | 'error';
  /** When the request began. */
  readonly start: Date;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

// The last second formatted: every line of a busy second shares one string instead of six
// Date getters and a template each.
let lastSecond = Number.NaN;
let lastTime = '';

/** `[10/Oct/2000:13:55:36 +0000]`, in UTC. */
function clfTime(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastTime = `[${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000]`;
    lastSecond = second;
  }
  return lastTime;
}

// Printable ASCII but `"` and `\`: a value of only these needs no escaping (the common case).
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * A field for a quoted CLF field: `"` `\` and every byte outside printable ASCII escaped as
 * `\xHH` (as nginx does), so a client cannot forge a log line or break the quoting.
 */
function quoted(value: string | undefined): string {
  if (value === undefined || value === '') return '"-"';
  if (PLAIN.test(value)) return `"${value}"`;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out +=
      byte < 0x20 || byte > 0x7e || byte === 0x22 || byte === 0x5c
        ? `\\x${byte.toString(16).padStart(2, '0')}`
        : String.fromCharCode(byte);
  }
  return `"${out}"`;
}

/** A bare CLF field: `-` when empty, and nothing but printable ASCII without spaces. */
function bare(value: string | undefined): string {
  if (value === undefined || value === '') return '-';
  if (PLAIN.test(value) && !value.includes(' ')) return value;
  return quoted(value).slice(1, -1).replaceAll(' ', '\\x20');
}

/**
 * Formats one access-log line (ending in `\n`).
 * @example formatAccessLog('common', record) // '127.0.0.1 - - [01/Dec/2026:09:30:00 +0000] "GET / HTTP/1.1" 200 12 0.4ms\n'
 */
export function formatAccessLog(format: AccessLogFormat, record: AccessRecord): string {
  const { environ, status, bytes, durationMs, outcome, start } = record;
  const target = environ['tsgi.raw_uri'] || `${environ.SCRIPT_NAME}${environ.PATH_INFO}`;
  const user = typeof environ.REMOTE_USER === 'string' ? environ.REMOTE_USER : undefined;
  if (format === 'json') {
    return `${JSON.stringify({
      time: start.toISOString(),
      remote: environ.REMOTE_ADDR,
      method: environ.REQUEST_METHOD,
      target,
      protocol: environ.SERVER_PROTOCOL,
      status,
      bytes,
      duration_ms: Math.round(durationMs * 1000) / 1000,
      outcome,
      referer: environ.HTTP_REFERER,
      user_agent: environ.HTTP_USER_AGENT,
    })}\n`;
  }
  const request = quoted(`${environ.REQUEST_METHOD} ${target} ${environ.SERVER_PROTOCOL}`);
  let line = `${bare(environ.REMOTE_ADDR)} - ${bare(user)} ${clfTime(start)} ${request} ${status} ${bytes === 0 ? '-' : bytes}`;
  if (format === 'combined') line += ` ${quoted(environ.HTTP_REFERER)} ${quoted(environ.HTTP_USER_AGENT)}`;
  line += ` ${durationMs.toFixed(1)}ms`;
  if (outcome !== 'finished') line += ' incomplete';
  return `${line}\n`;
}

/** The formats {@link formatAccessLog} knows, for checking an option. */
export const ACCESS_LOG_FORMATS: readonly AccessLogFormat[] = ['common', 'combined', 'json'];
