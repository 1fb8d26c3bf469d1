import type { ServerResponse } from 'node:http';
import type { ResponseSink } from '../../run-app.js';
import type { Chunk, HeaderList } from '../../types.js';
import { decideKeepAlive, drainOrClose, noteLastResponse } from './closing.js';

/** The response side of node:http, as a {@link ResponseSink}. */
export class NodeSink implements ResponseSink {
  /** The headers sent, for abort() to tell a response its close ends (no length, not chunked). */
  private sent: HeaderList | undefined;

  constructor(
    private readonly res: ServerResponse,
    readonly bodyless: boolean,
    /** The request's Content-Length, -1 when chunked, 0 without a body. */
    private readonly bodyLength = 0,
  ) {}

  sendHead(status: number, reason: string, headers: HeaderList): void {
    decideKeepAlive(this.res.req, this.res, this.bodyLength);
    // a flat [name, value, …] list: node:http takes it as is, without a per-header object
    const flat: string[] = new Array(headers.length * 2);
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i] as [string, string];
      flat[2 * i] = header[0];
      flat[2 * i + 1] = header[1];
    }
    this.res.writeHead(status, reason, flat);
    this.sent = headers;
    noteLastResponse(this.res);
  }

  write(chunk: Chunk): boolean {
    return this.res.write(chunk);
  }

  drained(): Promise<void> {
    const res = this.res;
    if (res.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  end(last?: Chunk): void {
    const res = this.res;
    // a body still unread is not read to its end just to keep the connection
    if (this.bodyLength !== 0 && !res.req.complete) drainOrClose(res.req, res);
    res.end(last);
  }

  abort(): void {
    // Destroying the socket cuts the response short: no chunked terminator, fewer bytes than
    // Content-Length, so the client can tell it is incomplete. node corks the socket until the
    // next tick (and Node 24 corks the response itself too): flush what was written first, or
    // the client gets nothing, not even the head.
    const socket = this.res.socket;
    while (this.res.writableCorked) this.res.uncork();
    while (socket?.writableCorked) socket.uncork();
    // an HTTP/1.0 body without Content-Length ends with the connection: a plain close would make
    // a cut one look whole, a reset does not
    if (socket !== null && this.res.headersSent && !this.res.chunkedEncoding && !this.hasLength()) {
      socket.resetAndDestroy();
    }
    this.res.destroy();
  }

  private hasLength(): boolean {
    return (
      this.sent?.some(([name]) => name.length === 14 && name.toLowerCase() === 'content-length') === true
    );
  }

  onGone(listener: () => void): void {
    const res = this.res;
    // the client may have left while the app was still working: its 'close' is past
    if (res.destroyed) {
      if (!res.writableFinished) listener();
      return;
    }
    res.once('close', () => {
      if (!res.writableFinished) listener();
    });
  }
}
