// runApp with hand-made sinks: what every server adapter (node:http, CGI, fetch, test client) relies on.
import { type App, type HeaderList, type ResponseSink, runApp } from '@tsgi/core';
import { mockEnviron } from '@tsgi/core/testing';
import { describe, expect, it } from 'vitest';

/** A `tsgi.errors` that keeps what it is given in `log`. */
const logTo = (log: string[]) => ({ write: (message: string) => void log.push(message) });

function recordingSink(): ResponseSink & { events: string[]; heads: HeaderList[] } {
  const events: string[] = [];
  const heads: HeaderList[] = [];
  return {
    events,
    heads,
    sendHead: (status, _reason, headers) => {
      events.push(`head ${status}`);
      heads.push(headers);
    },
    write: (chunk) => events.push(`write ${String(chunk)}`) > 0,
    drained: () => Promise.resolve(),
    end: (last) => events.push(last === undefined ? 'end' : `end ${String(last)}`),
    abort: () => events.push('abort'),
  };
}

describe('runApp', () => {
  it('sends a single-chunk body with the end, in one step', () => {
    const sink = recordingSink();
    const result = runApp(
      (_environ, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return ['hello'];
      },
      mockEnviron({ errors: logTo([]) }),
      sink,
    );
    expect(result).toBeUndefined(); // finished synchronously: no promise on the fast path
    expect(sink.events).toEqual(['head 200', 'end hello']);
  });

  it('sends no body bytes for a 205, and closes the body', () => {
    const sink = recordingSink();
    let closed = 0;
    const body = Object.assign(['ignored'], { close: () => void closed++ });
    runApp(
      (_environ, startResponse) => {
        startResponse('205 Reset Content', []);
        return body;
      },
      mockEnviron({ errors: logTo([]) }),
      sink,
    );
    expect(sink.events).toEqual(['head 205', 'end']);
    expect(closed).toBe(1);
  });

  it('gives up, rather than recursing, when the sink cannot even send the error page', () => {
    let heads = 0;
    const sink: ResponseSink = {
      ...recordingSink(),
      sendHead: () => {
        heads++;
        throw new Error('the socket is gone');
      },
    };
    const aborted: unknown[] = [];
    sink.abort = (error) => aborted.push(error);
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['hello'];
    };
    expect(() => runApp(app, mockEnviron({ errors: logTo([]) }), sink)).not.toThrow();
    expect(heads).toBe(2); // the app's head, then the 500's
    expect(aborted).toHaveLength(1);
  });

  it('quotes the path in its log, so a decoded newline cannot forge a log line', () => {
    const log: string[] = [];
    runApp(
      () => {
        throw new Error('boom');
      },
      mockEnviron({ url: '/a%0Atsgi:%20forged', errors: logTo(log) }),
      recordingSink(),
    );
    expect(log.join('')).toContain('GET "/a\\ntsgi: forged"');
    const lines = log.join('').split('\n');
    expect(lines.some((line) => line.startsWith('tsgi: forged'))).toBe(false);
  });

  it.each([
    ['CR LF', 'a\r\nX-Injected: 1'],
    ['a bare LF', 'a\nX-Injected: 1'],
    ['a bare CR', 'a\rX-Injected: 1'],
    ['NUL', 'a\0b'],
  ])('refuses a header value holding %s: a 500, the header never reaches the sink', (_name, value) => {
    const log: string[] = [];
    const sink = recordingSink();
    runApp(
      (_environ, startResponse) => {
        startResponse('200 OK', [['X-A', value]]);
        return ['hello'];
      },
      mockEnviron({ url: '/', errors: logTo(log) }),
      sink,
    );
    expect(sink.events).toHaveLength(2);
    expect(sink.events[0]).toBe('head 500');
    expect(sink.heads.flat().map(([name]) => name)).not.toContain('X-A');
    expect(log.join('')).toContain('free of CR, LF and NUL');
  });

  it('aborts a response short of its Content-Length, so the connection closes instead of ending normally', async () => {
    const sink = recordingSink();
    const aborted: unknown[] = [];
    sink.abort = (error) => void aborted.push(error);
    await runApp(
      (_environ, startResponse) => {
        startResponse('200 OK', [['Content-Length', '10']]);
        return (async function* () {
          yield 'short';
        })();
      },
      mockEnviron({ errors: logTo([]) }),
      sink,
    );
    expect(sink.events).toEqual(['head 200', 'write short']);
    expect(aborted).toHaveLength(1);
    expect(String(aborted[0])).toContain('sent 5 of its Content-Length of 10 bytes');
  });

  it('aborts a single-chunk array short of its Content-Length, after writing what it has', () => {
    const sink = recordingSink();
    runApp(
      (_environ, startResponse) => {
        startResponse('200 OK', [['Content-Length', '10']]);
        return ['short'];
      },
      mockEnviron({ errors: logTo([]) }),
      sink,
    );
    expect(sink.events).toEqual(['head 200', 'write short', 'abort']);
  });

  it('ends a HEAD response with a Content-Length and no bytes normally (no abort)', () => {
    const sink = { ...recordingSink(), bodyless: true };
    sink.events.length = 0;
    runApp(
      (_environ, startResponse) => {
        startResponse('200 OK', [['Content-Length', '10']]);
        return ['0123456789'];
      },
      mockEnviron({ errors: logTo([]) }),
      sink,
    );
    expect(sink.events).toEqual(['head 200', 'end']);
  });

  it("gives HEAD the body's length, but no Content-Length: 0 for an empty body (it is not the GET's length)", () => {
    const lengthOf = (body: () => Iterable<string>) => {
      const sink = { ...recordingSink(), bodyless: true };
      runApp(
        (_environ, startResponse) => {
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          return body();
        },
        mockEnviron({ method: 'HEAD', errors: logTo([]) }),
        sink,
      );
      return sink.heads[0]?.find(([name]) => name === 'Content-Length')?.[1];
    };
    expect(lengthOf(() => ['hello'])).toBe('5'); // the app made the GET's body: its length is right
    expect(lengthOf(() => [])).toBeUndefined();
    expect(lengthOf(function* () {})).toBeUndefined();
    expect(
      lengthOf(function* () {
        yield '';
      }),
    ).toBeUndefined();
  });

  it.each([
    ['undefined', undefined, 'returned undefined, not a body; did it forget to return?'],
    ['null', null, 'returned null, not a body'],
    [
      'a global fetch Response',
      new globalThis.Response('hi'),
      'this is the global fetch Response; use toFetch/fromFetch',
    ],
    ['a number', 42, 'not an Iterable or AsyncIterable body'],
  ])('answers 500 and names the mistake when the app returns %s', (_name, value, message) => {
    const log: string[] = [];
    const sink = recordingSink();
    runApp(() => value as never, mockEnviron({ url: '/', errors: logTo(log) }), sink);
    expect(sink.events[0]).toBe('head 500');
    expect(log.join('')).toContain(message);
    expect(log.join('')).not.toContain('Cannot read properties');
  });
});
