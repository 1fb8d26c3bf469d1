import type { Chunk } from '@tsgi/core';
import { type Dispatcher, errors } from 'undici';

/** Bytes of response body held for a client that reads slower than the upstream sends. */
const HIGH_WATER = 64 * 1024;

/**
 * The client's body as undici's request body: pulled one chunk at a time as the upstream
 * socket drains (undici awaits each chunk and the socket's 'drain'), so the proxy holds at most
 * a chunk or so of it, plus the server's small read-ahead. It can be sent once: `opened` tells
 * whether any of it may have gone out, which rules out a retry. `abort()` fails a pending read at
 * once (undici leaves stopping an async iterable to its owner).
 */
export class RequestBody implements AsyncIterable<Uint8Array> {
  /** undici began to read it: a retry would send a body that is partly gone. */
  opened = false;
  /** What the client's side failed with (the client left, the body was too large), if it did. */
  failure: unknown;
  private aborted: unknown;
  private pending: ((error: unknown) => void) | undefined;

  constructor(private readonly input: AsyncIterable<Uint8Array>) {}

  /**
   * The attempt is over: the read in progress fails, and so does any later one. A body not yet
   * opened stays whole for the next attempt (it never reached this one's upstream).
   */
  abort(reason: unknown): void {
    if (!this.opened) return;
    this.aborted ??= reason ?? new Error('aborted');
    this.pending?.(this.aborted);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.opened) throw new Error('proxy: the request body was sent already');
    this.opened = true;
    const source = this.input[Symbol.asyncIterator]();
    // one slot for the read in progress; not Promise.race against a promise that never
    // settles, which would keep every chunk read alive until the request ends
    const settle = (step: IteratorResult<Uint8Array>) => {
      this.pending = undefined;
      return step;
    };
    const fail = (error: unknown): never => {
      this.pending = undefined;
      if (this.aborted === undefined) this.failure = error;
      throw error;
    };
    return {
      next: () => {
        if (this.aborted !== undefined) return Promise.reject(this.aborted);
        return new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
          this.pending = reject;
          source.next().then(resolve, reject);
        }).then(settle, fail);
      },
      return: async () => {
        await source.return?.();
        return { done: true, value: undefined };
      },
    };
  }
}

/** The head of an upstream's response. */
export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  /** Flat `[name, value, …]`, as the upstream spelled and ordered them (undici's raw Buffers). */
  readonly rawHeaders: ReadonlyArray<Buffer | string>;
}

/** How a response body ended, for the proxy's bookkeeping. */
export type BodyEnd = { state: 'finished' | 'closed' } | { state: 'error'; error: unknown };

/**
 * One exchange with an upstream, on undici's dispatch API (no stream objects in between): the
 * head as a promise, then the body as a tsgi body. Chunks are queued up to HIGH_WATER, then the
 * upstream socket is paused until the client catches up (backpressure down). If the upstream
 * dies mid-body, the iteration throws, so the server aborts the client's connection: the
 * response never looks complete. `close()` before the end (the client left) aborts the request.
 *
 * It implements undici 7's first handler interface (onConnect, onHeaders, onData, onComplete,
 * onError), which its types mark deprecated but which its own Client still speaks: a handler
 * with the newer controller methods is wrapped in an UnwrapHandler that parses every head into
 * an object (and the trailers too) and adds a call per event: 18.2k instructions per response,
 * 9.1k of them `parseHeaders` (callgrind, per function). With the one-pass response headers,
 * 182.9k → 170.2k instructions per proxied hello (`npm run bench:proxy-count -w @tsgi/bench`).
 */
export class Forwarding implements Dispatcher.DispatchHandler, AsyncIterable<Chunk>, AsyncIterator<Chunk> {
  /** Resolves with the head, or rejects with why there is none. */
  readonly head: Promise<ResponseHead>;
  /** Called once when the body is done with (after `head` resolved). */
  onEnd: ((end: BodyEnd) => void) | undefined;
  private resolveHead!: (head: ResponseHead) => void;
  private rejectHead!: (error: unknown) => void;
  // undici's abort for this request (a no-op once it completed or failed), and its resume
  private abortUpstream: ((error: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private paused = false;
  private abortReason: Error | undefined;
  private started = false;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private error: unknown;
  private waiting:
    | { resolve: (step: IteratorResult<Chunk>) => void; reject: (error: unknown) => void }
    | undefined;
  private finished = false;
  // started by the first interim response: undici restarts its head timer on each one
  private interimTimer: NodeJS.Timeout | undefined;

  /** `headTimeout`: how long the final head may take once an interim (1xx) one came. */
  constructor(
    private readonly body: RequestBody | null,
    private readonly headTimeout: number,
  ) {
    this.head = new Promise((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
  }

  /** Cancels the exchange: the upstream connection is closed (undici cannot reuse it mid-response). */
  abort(reason: Error): void {
    clearTimeout(this.interimTimer);
    this.abortReason ??= reason;
    this.body?.abort(reason);
    this.abortUpstream?.(reason);
  }

  onConnect(abort: (error?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.abortReason !== undefined) abort(this.abortReason);
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (status < 200) {
      // 102, 103: the final head follows, but an upstream dripping them must not wait for ever
      this.interimTimer ??= setTimeout(
        () => this.abort(new errors.HeadersTimeoutError()),
        this.headTimeout,
      ).unref();
      return true;
    }
    clearTimeout(this.interimTimer);
    this.started = true;
    this.resumeUpstream = resume;
    this.resolveHead({ status, reason: statusText ?? '', rawHeaders: rawHeaders ?? [] });
    return true;
  }

  /** False pauses the upstream socket until `resumeUpstream()`. */
  onData(chunk: Buffer): boolean {
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting.resolve({ done: false, value: chunk });
      return true;
    }
    this.queue.push(chunk);
    this.queued += chunk.byteLength;
    if (this.queued < HIGH_WATER) return true;
    this.paused = true;
    return false;
  }

  onComplete(): void {
    this.ended = true;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve(this.step());
  }

  onError(error: Error): void {
    clearTimeout(this.interimTimer);
    this.body?.abort(error);
    if (!this.started) {
      this.rejectHead(error);
      return;
    }
    this.error = error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterator<Chunk> {
    return this;
  }

  next(): Promise<IteratorResult<Chunk>> {
    if (this.queue.length > 0 || this.ended) return Promise.resolve(this.step());
    if (this.error !== undefined) {
      this.finish({ state: 'error', error: this.error });
      return Promise.reject(this.error);
    }
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiting = {
        resolve,
        reject: (error) => {
          this.finish({ state: 'error', error });
          reject(error);
        },
      };
    });
  }

  return(): Promise<IteratorResult<Chunk>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  /**
   * The whole body as an array, when it has all arrived already (a small response comes with
   * its head, in one read): the server then sends it with the head in one write, the way it
   * sends an app's array body. Undefined while more is to come.
   */
  takeWhole(): Chunk[] | undefined {
    if (!this.ended || this.finished) return undefined;
    const chunks: Chunk[] = this.queue.slice();
    this.finish({ state: 'finished' });
    return chunks;
  }

  /** The body is done with: before its end, that cancels the upstream request. */
  close(): void {
    if (this.finished) return;
    if (!this.ended) this.abort(new Error('The client went away'));
    this.finish({ state: this.ended && this.queue.length === 0 ? 'finished' : 'closed' });
  }

  /** The next queued chunk (resuming the upstream when the queue runs low), or the end. */
  private step(): IteratorResult<Chunk> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queued -= chunk.byteLength;
      if (this.paused && this.queued < HIGH_WATER) {
        this.paused = false;
        this.resumeUpstream?.();
      }
      return { done: false, value: chunk };
    }
    this.finish({ state: 'finished' });
    return { done: true, value: undefined };
  }

  private finish(end: BodyEnd): void {
    if (this.finished) return;
    this.finished = true;
    this.queue.length = 0;
    this.onEnd?.(end);
  }
}
