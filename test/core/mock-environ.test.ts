// mockEnviron (@tsgi/core/testing): the environ a server builds, for calling an app or a helper directly.
import { Request, requestUri, validate } from '@tsgi/core';
import { mockEnviron } from '@tsgi/core/testing';
import { describe, expect, it } from 'vitest';

describe('mockEnviron', () => {
  it('is GET / for localhost from 127.0.0.1 by default, with every key the SPEC requires', () => {
    const environ = mockEnviron();
    expect(environ).toMatchObject({
      REQUEST_METHOD: 'GET',
      SCRIPT_NAME: '',
      PATH_INFO: '/',
      QUERY_STRING: '',
      SERVER_NAME: 'localhost',
      SERVER_PORT: '80',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REMOTE_ADDR: '127.0.0.1',
      HTTP_HOST: 'localhost',
      'tsgi.url_scheme': 'http',
    });
    // what validate() checks of a server's environ: an app called with it runs without a violation
    const body = validate((_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['ok'];
    })(environ, () => () => {});
    expect([...(body as Iterable<string>)]).toEqual(['ok']);
  });

  it('takes an absolute URL for the scheme, host and port, and decodes the path as a server does', () => {
    const environ = mockEnviron({ url: 'https://example.com:8443/caf%C3%A9/a%2Fb?x=1' });
    expect(environ).toMatchObject({
      'tsgi.url_scheme': 'https',
      SERVER_NAME: 'example.com',
      SERVER_PORT: '8443',
      HTTP_HOST: 'example.com:8443',
      PATH_INFO: '/café/a/b',
      QUERY_STRING: 'x=1',
      'tsgi.raw_uri': '/caf%C3%A9/a%2Fb?x=1',
    });
  });

  it('frames a body as a client would, and the readers read it', async () => {
    const environ = mockEnviron({ url: '/users', json: { name: 'Ada' } });
    expect(environ.REQUEST_METHOD).toBe('POST');
    expect(environ.CONTENT_TYPE).toBe('application/json');
    expect(environ.CONTENT_LENGTH).toBe('14');
    expect(await Request.of(environ).json()).toEqual({ name: 'Ada' });
  });

  it('sets and deletes keys last (environ overrides), as for a mounted app', () => {
    const environ = mockEnviron({ url: '/7', environ: { SCRIPT_NAME: '/users', HTTP_HOST: undefined } });
    expect(environ.SCRIPT_NAME).toBe('/users');
    expect('HTTP_HOST' in environ).toBe(false);
    expect(requestUri(environ)).toBe('http://localhost/users/7');
  });

  it('refuses a path a server would refuse, with the 400 it would answer', () => {
    expect(() => mockEnviron({ url: '/%ff' })).toThrow(expect.objectContaining({ status: 400 }));
  });
});
