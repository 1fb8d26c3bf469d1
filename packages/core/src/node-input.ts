import type { IncomingMessage, ServerResponse } from 'node:http';
import { ContentTooLarge } from './errors.js';

/** Bytes read ahead of the app before the socket is paused. */
const READ_AHEAD = 64 * 1024;

/**
 * `tsgi.input` on node:http: exactly the request body (node:http frames it by its
 * Content-Length or chunked encoding), limited to `maxBodySize` bytes. A `100 Continue`
 * goes out only when the app starts reading, so an app can refuse a body unread.
 */
export class NodeInput implements AsyncIterable<Uint8Array> {
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private expectsContinue: boolean,
    private readonly maxBodySize: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.expectsContinue) {
      this.expectsContinue = false;
      if (!this.res.headersSent) this.res.writeContinue();
    }
    return new BodyReader(this.req, this.maxBodySize);
  }
}

type Waiter = { resolve: (step: IteratorResult<Uint8Array>) => void; reject: (error: unknown) => void };

/**
 * Reads a request with 'data' events: one promise per chunk, where a Readable's own async
 * iterator costs several. Pauses the socket when the app falls behind by READ_AHEAD bytes.
 */
class BodyReader implements AsyncIterator<Uint8Array> {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private total = 0;
  private ended = false;
  private error: unknown;
  private waiter: Waiter | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly maxBodySize: number,
  ) {
    if (req.readableEnded || (req.complete && req.readableLength === 0)) {
      this.ended = true;
      return;
    }
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    // a body cut short by the client is an 'error' ("aborted"): the app must not take half a body for a whole one
    req.on('error', this.onError);
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queued -= chunk.byteLength;
      if (this.req.isPaused() && this.queued < READ_AHEAD) this.req.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Stops reading; the rest of the body is left to node:http, which discards it. */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.stop();
    this.ended = true;
    this.queue.length = 0;
    return Promise.resolve({ done: true, value: undefined });
  }

  private readonly onData = (chunk: Buffer): void => {
    this.total += chunk.byteLength;
    if (this.total > this.maxBodySize) {
      this.fail(new ContentTooLarge(`The request body is larger than ${this.maxBodySize} bytes`));
      return;
    }
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.byteLength;
    if (this.queued >= READ_AHEAD) this.req.pause();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.stop();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ done: true, value: undefined });
  };

  private readonly onError = (error: unknown): void => this.fail(error);

  private fail(error: unknown): void {
    if (this.error !== undefined || this.ended) return;
    this.error = error;
    this.stop();
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  private stop(): void {
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.req.off('error', this.onError);
  }
}
