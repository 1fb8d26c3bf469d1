import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { parseArgs } from 'node:util';
import { ACCESS_LOG_FORMATS, type AccessLogFormat } from '../../log/access-log.js';

/** A bad command line: the CLI prints its message, one line, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const MAIN_HELP = `Usage: tsgi <command> [options]

Commands:
  serve <file>[#export]   serve the app a .js, .mjs or .ts file exports (the default export,
                          or the named one after #)
  new <folder>            write a starter project (a router, a page, a JSON route, a session,
                          a test) into a new folder

Options:
  -h, --help              show this help (tsgi serve --help: the serve options)
  -v, --version           print the version
`;

export const SERVE_HELP = `Usage: tsgi serve <file>[#export] [options]

Serves the app that <file> exports: the default export, or the one named after #.
A .ts file is loaded through tsx (npm install --save-dev tsx).

Options:
  --host HOST              address to bind (default: $HOST, else 127.0.0.1)
  --port PORT              port to bind, 0 for any free one (default: $PORT, else 8000)
  --workers N              run N worker processes (node:cluster); the master loads no app code
  --dev                    development: --reload, plus the debug page (the error's stack, in
                           the browser) for a 500. Never in production.
  --reload                 restart the workers when a file under the app's folder changes
  --access-log             log each response to standard output (Common Log Format)
  --access-log-format F    common, combined or json (implies --access-log)
  --max-requests N         replace a worker after N requests (one at a time)
  --max-requests-jitter N  add up to N at random to each worker's --max-requests
                           (default: a tenth of it)
  --timeout S              kill and replace a worker whose event loop is blocked for more
                           than S seconds, logging the request it was serving and its stack
  --graceful-timeout S     seconds requests in flight get on shutdown (default 10)
  --tls-key FILE           serve HTTPS with this private key (PEM) ...
  --tls-cert FILE          ... and this certificate chain (PEM)
  -h, --help               show this help

Signals (to the master): SIGTERM, SIGINT stop gracefully; SIGHUP replaces every worker, one
at a time, each new one listening before an old one stops; SIGTTIN/SIGTTOU add/remove a worker.
`;

/** What `tsgi serve` was asked to do. */
export interface ServeCommand {
  readonly app: string;
  readonly host: string;
  readonly port: number;
  /** Undefined: one process, unless another option needs a supervisor. */
  readonly workers: number | undefined;
  readonly dev: boolean;
  readonly reload: boolean;
  readonly accessLog: AccessLogFormat | undefined;
  readonly maxRequests: number;
  readonly maxRequestsJitter: number | undefined;
  /** Milliseconds; 0 for none. */
  readonly timeout: number;
  /** Milliseconds. */
  readonly gracefulTimeout: number;
  readonly tls: { readonly key: Buffer; readonly cert: Buffer } | undefined;
}

function count(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min}, not "${raw}"`);
  }
  return Number(raw);
}

function seconds(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) {
    throw new UsageError(`--${name} must be a number of seconds above 0, not "${raw}"`);
  }
  return Math.round(Number(raw) * 1000);
}

function pem(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`--${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'cannot read it'}`);
  }
}

/** Parses `tsgi serve`'s arguments (after `serve`); `help` when --help was asked. */
export function parseServe(argv: string[], env: NodeJS.ProcessEnv): ServeCommand | 'help' {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    // node's message goes on about positionals after `--`: the first sentence names the problem
    throw new UsageError((error as Error).message.split(/\.\s/, 1)[0] as string);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length === 0) throw new UsageError('tsgi serve needs the app: tsgi serve <file>[#export]');
  if (positionals.length > 1) throw new UsageError(`one app only; also got "${positionals[1]}"`);
  const format = values['access-log-format'];
  if (format !== undefined && !ACCESS_LOG_FORMATS.includes(format as AccessLogFormat)) {
    throw new UsageError(
      `--access-log-format must be one of ${ACCESS_LOG_FORMATS.join(', ')}, not "${format}"`,
    );
  }
  const portRaw = values.port ?? env.PORT;
  const port = count(values.port !== undefined ? 'port' : 'port (from $PORT)', portRaw, 0) ?? 8000;
  if (port > 65535) throw new UsageError(`--port must be at most 65535, not ${port}`);
  const key = values['tls-key'];
  const cert = values['tls-cert'];
  if ((key === undefined) !== (cert === undefined)) {
    throw new UsageError('--tls-key and --tls-cert go together');
  }
  return {
    app: positionals[0] as string,
    host: values.host ?? (env.HOST || '127.0.0.1'),
    port,
    workers: count('workers', values.workers, 1),
    dev: values.dev === true,
    reload: values.reload === true || values.dev === true,
    accessLog: (format as AccessLogFormat | undefined) ?? (values['access-log'] ? 'common' : undefined),
    maxRequests: count('max-requests', values['max-requests'], 1) ?? 0,
    maxRequestsJitter: count('max-requests-jitter', values['max-requests-jitter'], 0),
    timeout: seconds('timeout', values.timeout) ?? 0,
    gracefulTimeout: seconds('graceful-timeout', values['graceful-timeout']) ?? 10_000,
    tls: key !== undefined && cert !== undefined ? keyPair(key, cert) : undefined,
  };
}

/** Reads and checks the pair here, in the master: every worker would fail on it, one by one. */
function keyPair(keyFile: string, certFile: string): { key: Buffer; cert: Buffer } {
  const pair = { key: pem('tls-key', keyFile), cert: pem('tls-cert', certFile) };
  try {
    createSecureContext(pair);
  } catch (error) {
    throw new UsageError(`--tls-key and --tls-cert: ${(error as Error).message.split('\n', 1)[0]}`);
  }
  return pair;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      workers: { type: 'string' },
      dev: { type: 'boolean' },
      reload: { type: 'boolean' },
      'access-log': { type: 'boolean' },
      'access-log-format': { type: 'string' },
      'max-requests': { type: 'string' },
      'max-requests-jitter': { type: 'string' },
      timeout: { type: 'string' },
      'graceful-timeout': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
