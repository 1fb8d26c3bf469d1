// body/: reading request bodies and moving body chunks between a producer and a consumer.

type Step<T> = IteratorResult<T, undefined>;

/** What a {@link ChunkQueue}'s owner hears of its consumer. */
export interface ChunkQueueHooks<T> {
  /** The consumer took `chunk`, which had waited in the queue (not one handed over at once). */
  taken?(chunk: T): void;
  /** The consumer is told the chunks ended (each time it asks after the end). */
  ended?(): void;
}

/**
 * Chunks pushed by a producer (socket events, a Node listener's `res.write()`) and pulled by
 * one consumer through `next()`, the queue-plus-waiter behind an async iterator: a chunk goes
 * straight to a pull that waits, else waits in the queue. After `fail()`, the queued chunks
 * still come first, then the error. The producer's own backpressure (pausing a socket, a
 * `'drain'`) is its owner's, through the hooks.
 */
export class ChunkQueue<T> {
  private readonly items: T[] = [];
  private waiter: { resolve(step: Step<T>): void; reject(error: unknown): void } | undefined;
  private done = false;
  private failed = false;
  private error: unknown;

  constructor(private readonly hooks: ChunkQueueHooks<T> = {}) {}

  /** The chunks waiting. */
  get length(): number {
    return this.items.length;
  }

  /** Hands `chunk` to a waiting pull, or queues it. True when a pull took it at once. */
  push(chunk: T): boolean {
    const waiter = this.waiter;
    if (waiter !== undefined && this.items.length === 0) {
      this.waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
      return true;
    }
    this.items.push(chunk);
    return false;
  }

  /** The next chunk, the end, or the error; waits for the producer when there is none yet. */
  next(): Promise<Step<T>> {
    if (this.items.length > 0) {
      const chunk = this.items.shift() as T;
      this.hooks.taken?.(chunk);
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failed) return Promise.reject(this.error);
    if (this.done) {
      this.hooks.ended?.();
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** No more chunks: a pull that waits (with nothing queued) gets the end. */
  end(): void {
    this.done = true;
    const waiter = this.waiter;
    if (waiter === undefined || this.items.length > 0) return;
    this.waiter = undefined;
    this.hooks.ended?.();
    waiter.resolve({ done: true, value: undefined });
  }

  /** The chunks failed: a pull that waits, and every pull after the queued chunks, rejects with `error`. */
  fail(error: unknown): void {
    this.failed = true;
    this.error = error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }

  /** Drops the queued chunks and returns them. */
  clear(): T[] {
    return this.items.splice(0);
  }
}
