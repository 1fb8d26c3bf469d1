// runApp with hand-made sinks: what every server adapter (node:http, CGI, fetch, test client) relies on.
import { type App, createEnviron, emptyInput, type ResponseSink, runApp } from '@tsgi/core';
import { describe, expect, it } from 'vitest';

function environ(target = '/', log: string[] = []) {
  return createEnviron({
    method: 'GET',
    target,
    rawHeaders: ['Host', 'x'],
    input: emptyInput,
    serverName: 'x',
    serverPort: '80',
    errors: { write: (message) => log.push(message) },
  });
}

function recordingSink(): ResponseSink & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    sendHead: (status) => events.push(`head ${status}`),
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
      environ(),
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
      environ(),
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
    expect(() => runApp(app, environ(), sink)).not.toThrow();
    expect(heads).toBe(2); // the app's head, then the 500's
    expect(aborted).toHaveLength(1);
  });

  it('quotes the path in its log, so a decoded newline cannot forge a log line', () => {
    const log: string[] = [];
    runApp(
      () => {
        throw new Error('boom');
      },
      environ('/a%0Atsgi:%20forged', log),
      recordingSink(),
    );
    expect(log.join('')).toContain('GET "/a\\ntsgi: forged"');
    const lines = log.join('').split('\n');
    expect(lines.some((line) => line.startsWith('tsgi: forged'))).toBe(false);
  });
});
