import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChunkQueue } from '../../body/chunk-queue.js';
import { READ_WHOLE, type WholeBodyInput } from '../../body/read-whole.js';
import { ContentTooLarge } from '../../errors.js';
import { markOverLimit } from './closing.js';

/** Bytes read ahead of the app before the socket is paused. */
const READ_AHEAD = 64 * 1024;

/**
 * The connection a request came on, as the server tracks it. node:http reports a body cut short
 * (the client left mid-body) as an 'error' on the request only while the response is unfinished,
 * so the server also aborts the reads in progress when the connection closes. More than one when
 * requests are pipelined: a later request's app may read while an earlier one's still reads.
 */
export interface ReadingConnection {
  readonly reading: Readers;
}

/** A read in progress, as its connection sees it. */
interface Reader {
  abort(): void;
}

/**
 * The reads in progress on one connection: nearly always none or one, so the one sits in a field
 * and only a second (pipelined requests) makes a Set. Why not always a Set: adding and deleting
 * an object there makes its identity hash and a table entry per read. Count bench, echo by
 * `for await` (no other change on its path): 79,526 → 79,242 and 78,860 instructions a request.
 */
export class Readers {
  #one: Reader | undefined;
  #more: Set<Reader> | undefined;

  add(reader: Reader): void {
    if (this.#one === undefined) {
      this.#one = reader;
      return;
    }
    this.#more ??= new Set();
    this.#more.add(reader);
  }

  delete(reader: Reader): void {
    if (this.#one === reader) this.#one = undefined;
    else this.#more?.delete(reader);
  }

  /** Aborts every read in progress (each leaves the set as it fails). */
  abortAll(): void {
    const all = [...(this.#one === undefined ? [] : [this.#one]), ...(this.#more ?? [])];
    for (const reader of all) reader.abort();
  }
}

/**
 * `tsgi.input` on node:http: exactly the request body (node:http frames it by its
 * Content-Length or chunked encoding), limited to `maxBodySize` bytes. A `100 Continue`
 * goes out only when the app starts reading, so an app can refuse a body unread.
 */
export class NodeInput implements AsyncIterable<Uint8Array>, WholeBodyInput {
  private started = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly connection: ReadingConnection,
    private expectsContinue: boolean,
    private readonly maxBodySize: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const reader = new BodyReader(this.req, this.connection, this.maxBodySize);
    reader.start(this.startReading());
    return reader;
  }

  [READ_WHOLE](limit: number, tooLarge: (limit: number) => Error): Promise<Uint8Array> {
    const late = this.startReading();
    return new Promise((resolve, reject) => {
      new WholeBody(this.req, this.connection, this.maxBodySize, limit, tooLarge, resolve, reject).start(
        late,
      );
    });
  }

  /** Sends the `100 Continue` owed; returns an error when the body cannot be read (again). */
  private startReading(): Error | undefined {
    if (this.started) return new Error('tsgi.input is read once, and it was read already');
    this.started = true;
    // node:http discards a body still unread when the response ends: a late read would get a part
    if (this.res.writableEnded) return new Error('The request body was read after the response ended');
    if (this.expectsContinue) {
      this.expectsContinue = false;
      if (!this.res.headersSent) this.res.writeContinue();
    }
  }
}

/**
 * The request's 'data' and 'end' events, held to `maxBodySize`. A body cut short by the client
 * fails the read (through the connection, see {@link ReadingConnection}), so an app never takes
 * half a body for a whole one.
 */
abstract class BodyEvents {
  private total = 0;
  protected done = false;

  constructor(
    protected readonly req: IncomingMessage,
    private readonly connection: ReadingConnection,
    private readonly maxBodySize: number,
  ) {}

  /** Listens, unless the body was all read already (then `ended()` runs) or `late` says why not. */
  start(late: Error | undefined): void {
    if (late !== undefined) {
      this.fail(late);
      return;
    }
    if (this.req.readableEnded || (this.req.complete && this.req.readableLength === 0)) {
      this.end();
      return;
    }
    // the client left before the read began: node destroyed the request, and no event will come
    if (this.req.destroyed) {
      this.abort();
      return;
    }
    this.connection.reading.add(this);
    this.req.on('data', this.onData);
    this.req.on('end', this.onEnd);
  }

  /** The connection closed mid-body. */
  abort(): void {
    this.fail(
      Object.assign(new Error('aborted: the client closed the connection mid-body'), { code: 'ECONNRESET' }),
    );
  }

  protected abstract chunk(chunk: Buffer, total: number): void;
  protected abstract ended(): void;
  protected abstract failed(error: unknown): void;

  /** Stops listening; the rest of the body is left to node:http, which discards it. */
  protected stop(): void {
    this.release();
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
  }

  protected fail(error: unknown): void {
    if (this.done) return;
    this.stop();
    this.failed(error);
  }

  private release(): void {
    this.done = true;
    this.connection.reading.delete(this);
  }

  private end(): void {
    this.release(); // the request's own listeners go with it
    this.ended();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.total += chunk.byteLength;
    if (this.total > this.maxBodySize) {
      markOverLimit(this.req);
      this.fail(new ContentTooLarge(`The request body is larger than ${this.maxBodySize} bytes`));
      return;
    }
    this.chunk(chunk, this.total);
  };

  private readonly onEnd = (): void => this.end();
}

/**
 * The body as an iterator: one promise per chunk, where a Readable's own async iterator costs
 * several. Pauses the socket when the app falls behind by READ_AHEAD bytes.
 */
class BodyReader extends BodyEvents implements AsyncIterator<Uint8Array> {
  private queued = 0;
  private readonly queue = new ChunkQueue<Buffer>({
    taken: (chunk) => {
      this.queued -= chunk.byteLength;
      if (this.req.isPaused() && this.queued < READ_AHEAD) this.req.resume();
    },
  });

  next(): Promise<IteratorResult<Uint8Array>> {
    return this.queue.next();
  }

  /** Stops reading: what is queued is dropped and the rest left unread. */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.stop();
    this.queue.clear();
    this.queue.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  protected chunk(chunk: Buffer): void {
    if (this.queue.push(chunk)) return;
    this.queued += chunk.byteLength;
    if (this.queued >= READ_AHEAD) this.req.pause();
  }

  protected ended(): void {
    this.queue.end();
  }

  protected failed(error: unknown): void {
    this.queue.fail(error);
  }
}

/** The whole body, gathered from the events into one promise, held to `limit`. */
class WholeBody extends BodyEvents {
  private readonly chunks: Buffer[] = [];

  constructor(
    req: IncomingMessage,
    connection: ReadingConnection,
    maxBodySize: number,
    private readonly limit: number,
    private readonly tooLarge: (limit: number) => Error,
    private readonly resolve: (body: Uint8Array) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    super(req, connection, maxBodySize);
  }

  protected chunk(chunk: Buffer, total: number): void {
    if (total > this.limit) {
      markOverLimit(this.req);
      this.fail(this.tooLarge(this.limit));
    } else {
      this.chunks.push(chunk);
    }
  }

  protected ended(): void {
    const chunks = this.chunks;
    this.resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  }

  protected failed(error: unknown): void {
    this.reject(error);
  }
}
