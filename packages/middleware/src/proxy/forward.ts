import type { Readable } from 'node:stream';
import type { Body, Chunk } from '@tsgi/core';
import type { Dispatcher } from 'undici';

/**
 * The client's body as undici's request body: pulled one chunk at a time as the upstream
 * socket drains (undici awaits each chunk and the socket's 'drain'), so the proxy holds at most
 * a chunk or so of it, plus the server's small read-ahead. It can be sent once: `opened` tells
 * whether any of it may have gone out, which rules out a retry. An aborted attempt makes a
 * pending read fail at once (undici leaves stopping an async iterable to its owner).
 */
export class RequestBody implements AsyncIterable<Uint8Array> {
  /** undici began to read it: a retry would send a body that is partly gone. */
  opened = false;
  /** What the client's side failed with (the client left, the body was too large), if it did. */
  failure: unknown;
  private signal: AbortSignal | undefined;

  constructor(private readonly input: AsyncIterable<Uint8Array>) {}

  /** The attempt whose abort stops the reads. */
  bind(signal: AbortSignal): this {
    this.signal = signal;
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.opened) throw new Error('proxy: the request body was sent already');
    this.opened = true;
    const source = this.input[Symbol.asyncIterator]();
    const signal = this.signal;
    // one abort listener failing the read in progress; not Promise.race against a promise that
    // never settles, which would keep every chunk read alive until the request ends
    let pending: ((error: unknown) => void) | undefined;
    signal?.addEventListener('abort', () => pending?.(signal.reason ?? new Error('aborted')), { once: true });
    const failed = (error: unknown): never => {
      if (signal?.aborted !== true) this.failure = error;
      throw error;
    };
    return {
      next: () => {
        if (signal?.aborted === true) return Promise.reject(signal.reason);
        return new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
          pending = reject;
          source.next().then(resolve, reject);
        }).then(
          (step) => {
            pending = undefined;
            return step;
          },
          (error) => {
            pending = undefined;
            return failed(error);
          },
        );
      },
      return: async () => {
        await source.return?.();
        return { done: true, value: undefined };
      },
    };
  }
}

/** How a response body ended, for the proxy's bookkeeping. */
export type BodyEnd = { state: 'finished' | 'closed' } | { state: 'error'; error: unknown };

/**
 * The upstream's response body as a tsgi body, pulled as the client's socket drains (undici
 * pauses the upstream socket when its highWaterMark fills). If the upstream dies mid-body,
 * the iteration throws, so the server aborts the client's connection: the response never
 * looks complete. `close()` before the end (the client left) aborts the upstream request.
 */
export class ResponseBody implements AsyncIterable<Chunk> {
  private ended = false;

  constructor(
    private readonly stream: Dispatcher.ResponseData['body'],
    private readonly controller: AbortController,
    private readonly done: (end: BodyEnd) => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Chunk> {
    const source = (this.stream as Readable)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    return {
      next: async () => {
        try {
          const step = await source.next();
          if (step.done) this.end({ state: 'finished' });
          return step;
        } catch (error) {
          this.end({ state: 'error', error });
          throw error;
        }
      },
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  close(): void {
    if (this.ended) return;
    this.controller.abort(new Error('The client went away'));
    this.stream.destroy();
    this.end({ state: 'closed' });
  }

  private end(end: BodyEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.done(end);
  }
}

/** A body to hand back as `Body`: the class above, typed for the contract. */
export function responseBody(
  stream: Dispatcher.ResponseData['body'],
  controller: AbortController,
  done: (end: BodyEnd) => void,
): Body {
  return new ResponseBody(stream, controller, done);
}
