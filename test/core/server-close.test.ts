// body.close() exactly once — after the last byte, when the client goes away, on error — with
// the iterator return()ed (a generator's finally runs), and tsgi.signal telling the app the
// client is gone.
import { type App, type Chunk, type Environ, type HeaderList, validate } from '@tsgi/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Deferred, deferred, sleep, type TrackedBody, trackClose } from '../helpers/bodies.js';
import { RawConnection, rawRequest } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

const TEXT: HeaderList = [['Content-Type', 'text/plain']];
const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

/** Serves `makeBody()` (tracked) and returns what the test needs to watch it. */
async function serveTracked(makeBody: () => Iterable<Chunk> | AsyncIterable<Chunk>) {
  let tracked: TrackedBody | undefined;
  let environ: Environ | undefined;
  const server = await startServer(
    validate((env, startResponse) => {
      environ = env;
      startResponse('200 OK', TEXT);
      tracked = trackClose(makeBody());
      return tracked.body;
    }),
  );
  return {
    server,
    tracked: () => tracked as TrackedBody,
    signal: () => (environ as Environ)['tsgi.signal'],
  };
}

interface StreamState {
  pulled: number;
  /** Resolves when the generator's finally block runs. */
  finished: Deferred;
}

const streamState = (): StreamState => ({ pulled: 0, finished: deferred() });

/** An endless stream: `yield`, then a short wait. */
function endless(state: StreamState) {
  return (async function* () {
    try {
      for (;;) {
        state.pulled++;
        yield `chunk ${state.pulled}\n`;
        await sleep(2);
      }
    } finally {
      state.finished.resolve();
    }
  })();
}

describe('close() after the last byte', () => {
  it.each<[string, () => Iterable<Chunk> | AsyncIterable<Chunk>]>([
    ['an array', () => ['a', 'b']],
    [
      'a generator',
      function* () {
        yield 'a';
        yield 'b';
      },
    ],
    [
      'an async generator',
      async function* () {
        yield 'a';
        yield 'b';
      },
    ],
    ['an empty array', () => []],
  ])('is called exactly once for %s', async (_, makeBody) => {
    const { server, tracked, signal } = await serveTracked(makeBody);
    const connection = await RawConnection.open(server.port);
    connection.write(GET);
    expect((await connection.response()).complete).toBe(true);
    await tracked().closed;
    await sleep(5);
    expect(tracked().closeCount).toBe(1);
    // the client is still there (keep-alive): nothing told the app it went away
    expect(signal().aborted).toBe(false);
    expect(server.logs).toEqual([]);
  });

  it('is called before the next request on the same connection is answered', async () => {
    const { server, tracked } = await serveTracked(function* () {
      yield 'x';
    });
    const connection = await RawConnection.open(server.port);
    connection.write(GET);
    await connection.response();
    const first = tracked();
    connection.write(GET);
    await connection.response();
    expect([first.closeCount, tracked().closeCount]).toEqual([1, 1]);
  });
});

describe('when the client goes away mid-stream', () => {
  it('returns the iterator (its finally runs), calls close() once and fires tsgi.signal', async () => {
    const state = streamState();
    const { server, tracked, signal } = await serveTracked(() => endless(state));
    const connection = await RawConnection.open(server.port);
    connection.write(GET);
    await connection.receivedAtLeast(1);
    connection.destroy();
    await tracked().closed;
    expect(signal().aborted).toBe(true);
    await state.finished.promise; // the test times out if the iterator is never returned
    await sleep(5);
    expect(tracked().closeCount).toBe(1);
  });

  it('stops a synchronous generator waiting on a full socket', async () => {
    const state = streamState();
    const { server, tracked } = await serveTracked(function* () {
      try {
        for (;;) {
          state.pulled++;
          yield Buffer.alloc(64 * 1024, 'x');
        }
      } finally {
        state.finished.resolve();
      }
    });
    const connection = await RawConnection.open(server.port);
    connection.socket.pause(); // read nothing: the server's socket fills up
    connection.write(GET);
    while (state.pulled < 2) await sleep(5);
    connection.destroy();
    await tracked().closed;
    await state.finished.promise;
    expect(tracked().closeCount).toBe(1);
  });

  it('fires tsgi.signal while the app is still working, and closes the body it returns late', async () => {
    const state = streamState();
    let tracked: TrackedBody | undefined;
    const gone = deferred();
    const server = await startServer(
      validate(async (environ, startResponse) => {
        const signal = environ['tsgi.signal'];
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        gone.resolve();
        // an app that does not stop at once: its body must still be closed, not streamed
        startResponse('200 OK', TEXT);
        tracked = trackClose(endless(state));
        return tracked.body;
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.write(GET);
    while (server.environs.length === 0) await sleep(2);
    connection.destroy();
    await gone.promise;
    await (tracked as TrackedBody).closed;
    await sleep(20);
    expect(state.pulled).toBeLessThanOrEqual(1);
    expect((tracked as TrackedBody).closeCount).toBe(1);
  });

  it('gives an aborted tsgi.signal to an app that first reads it after the client left', async () => {
    const clientGone = deferred();
    const seen = deferred<boolean>();
    const server = await startServer(
      validate(async (environ, startResponse) => {
        await clientGone.promise;
        seen.resolve(environ['tsgi.signal'].aborted);
        startResponse('200 OK', TEXT);
        return [];
      }),
    );
    const connection = await RawConnection.open(server.port);
    connection.write(GET);
    while (server.environs.length === 0) await sleep(2);
    connection.destroy();
    await server.connectionsClosed();
    clientGone.resolve();
    expect(await seen.promise).toBe(true);
  });
});

describe('close() on error', () => {
  it.each<[string, () => Iterable<Chunk> | AsyncIterable<Chunk>]>([
    [
      'before the first chunk',
      // biome-ignore lint/correctness/useYield: it throws on the first pull, on purpose
      function* () {
        throw new Error('broken before');
      },
    ],
    [
      'after the first chunk',
      async function* () {
        yield 'partial';
        throw new Error('broken after');
      },
    ],
  ])('is called exactly once when the body throws %s', async (_, makeBody) => {
    const { server, tracked } = await serveTracked(makeBody);
    await rawRequest(server.port, GET);
    await tracked().closed;
    await sleep(5);
    expect(tracked().closeCount).toBe(1);
    expect(server.logs.join('')).toMatch(/broken (before|after)/);
  });

  it('is called when the body breaks the contract (a chunk that is not bytes or text)', async () => {
    let tracked: TrackedBody | undefined;
    // bare: validate() would throw on the bad chunk itself; this checks that the server closes it
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', TEXT);
      tracked = trackClose([42 as unknown as string]);
      return tracked.body;
    };
    const server = await startServer(app);
    expect((await rawRequest(server.port, GET)).status).toBe(500);
    expect((tracked as TrackedBody).closeCount).toBe(1);
  });
});
