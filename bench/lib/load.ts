/** Putting load on one URL for a bounded time with wrk (or autocannon) and reading back the numbers. */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pinned } from './machine.js';

/** The request a load repeats. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Bytes of body (`x` repeated) sent with Content-Type application/octet-stream. */
  bodyBytes?: number;
  /**
   * A path that sets a session cookie: it is requested once per server before the checks, and the
   * cookie it sets is then sent with every request, so the row reads (or writes) an existing session.
   */
  sessionFrom?: string;
  /** Extra request headers (filled in from `sessionFrom` by {@link withSession}). */
  headers?: Record<string, string>;
}

/** What one load measured. */
export interface LoadResult {
  /** Completed requests. */
  requests: number;
  /** Completed requests per second. */
  rps: number;
  /** 99th percentile latency in milliseconds. */
  p99Ms: number;
  /** Socket errors and timeouts, and responses that were not 2xx/3xx. */
  errors: number;
  non2xx: number;
}

/** How to run a load. */
export interface LoadOptions {
  tool: 'wrk' | 'autocannon';
  seconds: number;
  connections: number;
  cpu: number | undefined;
}

const WRK_SCRIPT = fileURLToPath(new URL('../wrk.lua', import.meta.url));
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

function run(command: string, args: string[], env: NodeJS.ProcessEnv, seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, ...env }, timeout: (seconds + 30) * 1000, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

async function wrk(url: string, request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '-s', WRK_SCRIPT, url];
  const [command, argv] = pinned(options.cpu, 'wrk', args);
  const env = {
    WRK_METHOD: request.method,
    WRK_BODY_BYTES: String(request.bodyBytes ?? 0),
    WRK_HEADERS: Object.entries(request.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
  };
  const output = await run(command, argv, env, options.seconds);
  const line = /^RESULT (.*)$/m.exec(output);
  if (!line) throw new Error(`wrk printed no RESULT line:\n${output}`);
  const result = JSON.parse(line[1]!) as {
    requests: number;
    duration_us: number;
    p99_us: number;
    errors: number;
    non2xx: number;
  };
  return {
    requests: result.requests,
    rps: result.requests / (result.duration_us / 1e6),
    p99Ms: result.p99_us / 1000,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

async function autocannon(url: string, request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
  const args = [AUTOCANNON, '--json', '-c', String(options.connections), '-d', String(options.seconds)];
  args.push('-m', request.method);
  if (request.bodyBytes) {
    args.push('-H', 'content-type=application/octet-stream', '-b', 'x'.repeat(request.bodyBytes));
  }
  for (const [name, value] of Object.entries(request.headers ?? {})) args.push('-H', `${name}=${value}`);
  const [command, argv] = pinned(options.cpu, process.execPath, [...args, url]);
  const output = await run(command, argv, {}, options.seconds);
  const result = JSON.parse(output.trim().split('\n').at(-1)!) as {
    requests: { total: number };
    duration: number;
    latency: { p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  return {
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Loads `http://127.0.0.1:port{path}` for `options.seconds` and returns what it measured. */
export function load(port: number, request: LoadRequest, options: LoadOptions): Promise<LoadResult> {
  const url = `http://127.0.0.1:${port}${request.path}`;
  return options.tool === 'wrk' ? wrk(url, request, options) : autocannon(url, request, options);
}

/**
 * Sends the request once and checks the answer, so a server that answers wrongly (a 404, an
 * empty echo) is caught before it is measured as fast.
 */
export async function check(port: number, request: LoadRequest, expected: string): Promise<void> {
  const body = request.bodyBytes ? 'x'.repeat(request.bodyBytes) : undefined;
  const response = await fetch(`http://127.0.0.1:${port}${request.path}`, {
    method: request.method,
    headers: { ...(body ? { 'content-type': 'application/octet-stream' } : {}), ...request.headers },
    body,
  });
  const text = await response.text();
  if (response.status !== 200 || text !== expected) {
    throw new Error(`${request.method} ${request.path} answered ${response.status} '${text.slice(0, 80)}'`);
  }
}

/**
 * The request with the session cookie of `request.sessionFrom` in its headers: that path is
 * requested once and must answer 200 with a `Set-Cookie`; a request without `sessionFrom` is
 * returned as it is.
 * @example const request = await withSession(port, { method: 'GET', path: '/', sessionFrom: '/login' });
 */
export async function withSession(port: number, request: LoadRequest): Promise<LoadRequest> {
  if (request.sessionFrom === undefined) return request;
  const response = await fetch(`http://127.0.0.1:${port}${request.sessionFrom}`);
  await response.arrayBuffer();
  const cookies = response.headers.getSetCookie().map((line) => line.split(';')[0]!);
  if (response.status !== 200 || cookies.length === 0) {
    throw new Error(`GET ${request.sessionFrom} answered ${response.status} with no session cookie`);
  }
  return { ...request, headers: { ...request.headers, cookie: cookies.join('; ') } };
}
