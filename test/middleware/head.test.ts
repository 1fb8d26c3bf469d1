import { type App, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { head } from '@tsgi/middleware';
import { afterEach, describe, expect, it } from 'vitest';
import { trackClose } from '../helpers/bodies.js';
import { RawConnection } from '../helpers/raw.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);

let pulled = 0;
let tracked = trackClose([]);
const getOnly: App = (environ, startResponse) => {
  if (environ.REQUEST_METHOD !== 'GET') {
    startResponse('405 Method Not Allowed', [
      ['Allow', 'GET'],
      ['Content-Type', 'text/plain'],
    ]);
    return ['no'];
  }
  startResponse('200 OK', [
    ['Content-Type', 'text/plain'],
    ['Content-Length', '11'],
  ]);
  tracked = trackClose(
    (function* () {
      pulled++;
      yield 'hello world';
    })(),
  );
  return tracked.body;
};

describe('head', () => {
  it('answers HEAD with the GET headers and no body, closing the body unread', async () => {
    pulled = 0;
    const response = await request(validate(head()(validate(getOnly))), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('11');
    expect(response.text()).toBe('');
    expect(pulled).toBe(0);
    expect(tracked.closeCount).toBe(1);
  });

  it('keeps the length the GET’s array body has (over a socket it is not 0)', async () => {
    const array: App = (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['hello ', 'wörld'];
    };
    const response = await request(validate(head()(validate(array))), { method: 'HEAD' });
    expect(response.headers.get('content-length')).toBe('12');
    const server = await startServer(validate(head()(validate(array))));
    const connection = await RawConnection.open(server.port);
    connection.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await connection.response({ head: true })).header('content-length')).toBe('12');
  });

  it('passes other methods through', async () => {
    expect((await request(validate(head()(getOnly)), { method: 'POST' })).status).toBe(405);
    expect((await request(validate(head()(getOnly)))).text()).toBe('hello world');
  });

  it('over a socket: HEAD gets the headers and not one body byte; the next request reads cleanly', async () => {
    const server = await startServer(validate(head()(validate(getOnly))));
    const connection = await RawConnection.open(server.port);
    connection.write('HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const first = await connection.response({ head: true });
    expect(first.status).toBe(200);
    expect(first.header('content-length')).toBe('11');
    const second = await connection.response();
    expect(second.body.toString()).toBe('hello world');
  });
});
