// HTTP/1.1 over a bare TCP socket, for what a client library would hide: exact bytes on the
// wire, chunk framing, whether a response was complete, whether the connection was closed.
import { connect, type Socket } from 'node:net';
import { track } from './server.js';

/** One response as read off the wire. */
export interface RawResponse {
  status: number;
  reason: string;
  /** Header lines in order, names as sent. */
  headers: Array<[string, string]>;
  /** The body bytes, de-chunked when chunked. */
  body: Buffer;
  /** True when the framing says the response is whole (Content-Length reached, the 0-chunk seen). */
  complete: boolean;
  /** The head and body bytes exactly as received. */
  raw: Buffer;
  /** The first value of a header (case-insensitive). */
  header(name: string): string | undefined;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * Parses one response from the start of `data`. Returns null when the head is not all there,
 * or when the body is not all there and more may come (`closed` false).
 * `head`: the request was HEAD, so the response has no body whatever its headers say.
 */
export function parseResponse(
  data: Buffer,
  { head = false, closed = false }: { head?: boolean; closed?: boolean } = {},
): { response: RawResponse; length: number } | null {
  const headEnd = data.indexOf(CRLF2);
  if (headEnd === -1) return null;
  const [statusLine = '', ...lines] = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine);
  if (match === null) throw new Error(`not an HTTP response: ${JSON.stringify(statusLine)}`);
  const status = Number(match[1]);
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const header = (name: string) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  const start = headEnd + 4;
  let body: Buffer;
  let end: number;
  let complete: boolean;
  const chunked = header('transfer-encoding')?.toLowerCase() === 'chunked';
  const contentLength = header('content-length');
  if (head || status < 200 || status === 204 || status === 304) {
    [body, end, complete] = [Buffer.alloc(0), start, true];
  } else if (chunked) {
    [body, end, complete] = dechunk(data, start);
  } else if (contentLength !== undefined) {
    end = Math.min(data.length, start + Number(contentLength));
    body = data.subarray(start, end);
    complete = body.length === Number(contentLength);
  } else {
    [body, end, complete] = [data.subarray(start), data.length, closed];
  }
  if (!complete && !closed) return null;
  const response = {
    status,
    reason: match[2] as string,
    headers,
    body,
    complete,
    raw: data.subarray(0, end),
    header,
  };
  return { response, length: end };
}

/** Decodes chunks from `at`; stops at the 0-chunk (complete) or where the data runs out. */
function dechunk(data: Buffer, at: number): [Buffer, number, boolean] {
  const parts: Buffer[] = [];
  let position = at;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', position);
    if (lineEnd === -1) break;
    const size = Number.parseInt(data.subarray(position, lineEnd).toString('latin1'), 16);
    const chunkStart = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = data.indexOf('\r\n', chunkStart); // no trailers: an empty line
      if (trailerEnd === -1) break;
      return [Buffer.concat(parts), trailerEnd + 2, true];
    }
    if (data.length < chunkStart + size + 2) {
      parts.push(data.subarray(chunkStart, Math.min(data.length, chunkStart + size)));
      break;
    }
    parts.push(data.subarray(chunkStart, chunkStart + size));
    position = chunkStart + size + 2;
  }
  return [Buffer.concat(parts), data.length, false];
}

/**
 * A TCP connection to a test server: write raw bytes, read whole responses one by one.
 * @example
 * const connection = await RawConnection.open(server.port);
 * connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
 * const response = await connection.response();
 */
export class RawConnection {
  /** How many bytes were received so far (cheap: no copy). */
  receivedBytes = 0;
  private chunks: Buffer[] = [];
  /** Where the next unread response starts in `received`. */
  private offset = 0;
  /** True once the server closed the connection (or it broke). */
  closed = false;
  /** Resolves when the connection is closed. */
  readonly whenClosed: Promise<void>;
  private listeners = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.chunks.push(data);
      this.receivedBytes += data.length;
      this.notify();
    });
    socket.on('error', () => {}); // a reset is a close: the test asserts on `closed`
    this.whenClosed = new Promise((resolve) => {
      socket.once('close', () => {
        this.closed = true;
        this.notify();
        resolve();
      });
    });
  }

  /** Connects to 127.0.0.1:`port`. */
  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = track(connect(port, '127.0.0.1'));
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
    });
  }

  /** Every byte received so far. */
  get received(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] as Buffer;
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** The bytes received and not yet consumed by {@link response}, as latin1 text. */
  get unread(): string {
    return this.received.subarray(this.offset).toString('latin1');
  }

  /**
   * Waits for the next whole response (or the connection to close) and consumes it.
   * Rejects if the connection closes with nothing more to read.
   */
  response(options: { head?: boolean } = {}): Promise<RawResponse> {
    return this.waitFor(() => {
      const rest = this.received.subarray(this.offset);
      if (this.closed && rest.length === 0) throw new Error('the connection closed without a response');
      const parsed = parseResponse(rest, { ...options, closed: this.closed });
      if (parsed === null) {
        if (this.closed) throw new Error(`the connection closed mid-head: ${JSON.stringify(this.unread)}`);
        return undefined;
      }
      this.offset += parsed.length;
      return parsed.response;
    });
  }

  /** Waits until the server closed the connection; returns everything not yet consumed. */
  async rest(): Promise<string> {
    await this.whenClosed;
    const text = this.unread;
    this.offset = this.received.length;
    return text;
  }

  /** Waits until the unread bytes contain `text`; rejects if the connection closes first. */
  async waitForText(text: string): Promise<void> {
    await this.waitFor(() => {
      if (this.unread.includes(text)) return true;
      if (this.closed) throw new Error(`the connection closed before ${JSON.stringify(text)} arrived`);
      return undefined;
    });
  }

  /** Waits until `received` holds at least `bytes` bytes (or the connection closes). */
  async receivedAtLeast(bytes: number): Promise<void> {
    await this.waitFor(() => (this.receivedBytes >= bytes || this.closed ? true : undefined));
  }

  /** Closes the connection from the client side (a client that went away). */
  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private waitFor<T>(check: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        let result: T | undefined;
        try {
          result = check();
        } catch (error) {
          this.listeners.delete(attempt);
          reject(error);
          return;
        }
        if (result === undefined) return;
        this.listeners.delete(attempt);
        resolve(result);
      };
      this.listeners.add(attempt);
      attempt();
    });
  }
}

/**
 * Sends `request` on a new connection and reads one response. Unless `keepOpen`, the
 * connection is then closed from our side.
 * @example
 * const response = await rawRequest(server.port, 'GET /a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n');
 */
export async function rawRequest(
  port: number,
  request: string | Uint8Array,
  options: { head?: boolean } = {},
): Promise<RawResponse> {
  const connection = await RawConnection.open(port);
  try {
    connection.write(request);
    return await connection.response(options);
  } finally {
    connection.destroy();
  }
}
