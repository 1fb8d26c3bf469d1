import { isIP } from 'node:net';
import { type App, type Environ, validate } from '@tsgi/core';
import { mockEnviron, request } from '@tsgi/core/testing';
import { proxyHeaders, proxyOriginal } from '@tsgi/middleware';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Answers with what the app sees of the request's origin. */
const seen: App = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [
    JSON.stringify({
      addr: environ.REMOTE_ADDR,
      scheme: environ['tsgi.url_scheme'],
      host: environ.HTTP_HOST,
      name: environ.SERVER_NAME,
      port: environ.SERVER_PORT,
      script: environ.SCRIPT_NAME,
      xff: environ.HTTP_X_FORWARDED_FOR ?? null,
      xfh: environ.HTTP_X_FORWARDED_HOST ?? null,
      forwarded: environ.HTTP_FORWARDED ?? null,
      original: proxyOriginal(environ as Environ) ?? null,
    }),
  ];
};

async function through(
  options: Parameters<typeof proxyHeaders>[0],
  headers: Record<string, string>,
  url = '/',
) {
  const response = await request(validate(proxyHeaders(options)(validate(seen))), {
    url,
    headers,
    remoteAddr: '10.0.0.2',
  });
  return response.json<Record<string, unknown>>();
}

describe('proxyHeaders', () => {
  it('trusts only the last hop: a client-forged X-Forwarded-For entry is ignored', async () => {
    const got = await through({ trustedHops: 1 }, { 'X-Forwarded-For': '6.6.6.6, 203.0.113.9' });
    expect(got.addr).toBe('203.0.113.9');
    const two = await through(
      { trustedHops: { for: 2 } },
      { 'X-Forwarded-For': '6.6.6.6, 203.0.113.9, 10.0.0.1' },
    );
    expect(two.addr).toBe('203.0.113.9');
  });

  it('reads ip:port and [v6]:port entries as their address', async () => {
    expect((await through({ trustedHops: 1 }, { 'X-Forwarded-For': '203.0.113.9:51234' })).addr).toBe(
      '203.0.113.9',
    );
    expect((await through({ trustedHops: 1 }, { 'X-Forwarded-For': '[2001:db8::1]:443' })).addr).toBe(
      '2001:db8::1',
    );
  });

  it('changes nothing for a list shorter than the hops trusted, or a malformed one', async () => {
    expect((await through({ trustedHops: 2 }, { 'X-Forwarded-For': '203.0.113.9' })).addr).toBe('10.0.0.2');
    expect((await through({ trustedHops: 1 }, { 'X-Forwarded-For': '1.2.3.4,,5.6.7.8' })).addr).toBe(
      '10.0.0.2',
    );
    expect((await through({ trustedHops: 1 }, { 'X-Forwarded-For': 'not-an-ip' })).addr).toBe('10.0.0.2');
  });

  it('takes proto, host, port and prefix, each checked', async () => {
    const got = await through(
      { trustedHops: 1 },
      {
        'X-Forwarded-Proto': 'https',
        'X-Forwarded-Host': 'shop.example.com',
        'X-Forwarded-Port': '8443',
        'X-Forwarded-Prefix': '/shop/',
      },
    );
    expect(got).toMatchObject({
      scheme: 'https',
      host: 'shop.example.com:8443',
      name: 'shop.example.com',
      port: '8443',
      script: '/shop',
    });
  });

  it('ignores a host that is not host[:port], a proto not http(s), a bad port or prefix', async () => {
    const got = await through(
      { trustedHops: 1 },
      {
        'X-Forwarded-Proto': 'javascript',
        'X-Forwarded-Host': 'evil.com/path@x',
        'X-Forwarded-Port': '99999',
        'X-Forwarded-Prefix': '/a/../../admin',
      },
    );
    expect(got).toMatchObject({ scheme: 'http', host: 'localhost', port: '80', script: '' });
    const crlf = await through({ trustedHops: 1 }, { 'X-Forwarded-Prefix': '/a%0d%0aSet-Cookie:x' });
    expect(crlf.script).toBe('');
    // an empty segment would make SCRIPT_NAME a scheme-relative URL: a link to /login under
    // `//evil.example` is a link to another site
    for (const prefix of ['//evil.example', '/%2Fevil.example', '/shop//x'])
      expect((await through({ trustedHops: 1 }, { 'X-Forwarded-Prefix': prefix })).script).toBe('');
  });

  it('removes the headers it does not trust (0 hops, and Forwarded), keeping the originals', async () => {
    const got = await through(
      { trustedHops: { for: 1 } },
      { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Host': 'evil.com', Forwarded: 'for=6.6.6.6' },
    );
    expect(got).toMatchObject({ addr: '203.0.113.9', host: 'localhost', xfh: null, forwarded: null });
    expect(got.original).toMatchObject({
      REMOTE_ADDR: '10.0.0.2',
      headers: { HTTP_X_FORWARDED_HOST: 'evil.com', HTTP_FORWARDED: 'for=6.6.6.6' },
    });
  });

  it('reads RFC 7239 Forwarded instead when asked, and drops X-Forwarded-*', async () => {
    const got = await through(
      { trustedHops: 1, forwarded: true },
      {
        Forwarded: 'for=6.6.6.6;proto=http, for="[2001:db8::17]:4711";proto=https;host=shop.example.com',
        'X-Forwarded-For': '7.7.7.7',
      },
    );
    expect(got).toMatchObject({ addr: '2001:db8::17', scheme: 'https', host: 'shop.example.com', xff: null });
  });

  it('changes nothing at all for a malformed Forwarded, never half of it', async () => {
    const got = await through(
      { trustedHops: 1, forwarded: true },
      { Forwarded: 'for=203.0.113.9;proto=https;host="unterminated' },
    );
    expect(got).toMatchObject({ addr: '10.0.0.2', scheme: 'http', host: 'localhost' });
    const short = await through({ trustedHops: 2, forwarded: true }, { Forwarded: 'for=203.0.113.9' });
    expect(short.addr).toBe('10.0.0.2');
  });

  it('leaves REMOTE_ADDR for an unknown or obfuscated node', async () => {
    expect((await through({ trustedHops: 1, forwarded: true }, { Forwarded: 'for=unknown' })).addr).toBe(
      '10.0.0.2',
    );
    expect((await through({ trustedHops: 1, forwarded: true }, { Forwarded: 'for=_x' })).addr).toBe(
      '10.0.0.2',
    );
  });

  it('checks its options, naming them', () => {
    expect(() => proxyHeaders({ trustedHops: -1 })).toThrow(/trustedHops must be a non-negative integer/);
    expect(() => proxyHeaders({ trustedHops: { fro: 1 } as never })).toThrow(/trustedHops.fro is not one of/);
    expect(() => proxyHeaders({ trustedHops: { for: 1.5 } })).toThrow(/trustedHops.for/);
    expect(() => proxyHeaders({ forwarded: 'yes' as never })).toThrow(/forwarded must be a boolean/);
    expect(() => proxyHeaders({ trustedHops: { prefix: 1 }, forwarded: true })).toThrow(/no port or prefix/);
  });
});

describe('proxyHeaders against arbitrary header values (property)', () => {
  it('never throws, and only ever sets an IP, http(s) and a valid host', () => {
    const middleware = proxyHeaders({ trustedHops: 2 });
    const forwarded = proxyHeaders({ trustedHops: 1, forwarded: true });
    // realistic pieces and garbage, in lists: most runs reach the code that applies a value
    const piece = fc.oneof(
      fc.constantFrom(
        '203.0.113.9',
        '2001:db8::1',
        'https',
        'HTTP',
        'shop.example.com:8443',
        '[::1]:80',
        '443',
      ),
      fc.constantFrom(
        'for=1.2.3.4;proto=https;host=a.example',
        'for="[2001:db8::1]:1"',
        'unknown',
        '_x',
        '/p',
      ),
      fc.string({ maxLength: 20 }).filter((text) => !/[\r\n\0]/.test(text)),
    );
    const value = fc.array(piece, { maxLength: 3 }).map((pieces) => pieces.join(', '));
    fc.assert(
      fc.property(value, value, value, value, value, (xff, proto, host, port, fwd) => {
        for (const mw of [middleware, forwarded]) {
          const environ = mockEnviron({
            environ: {
              HTTP_X_FORWARDED_FOR: xff,
              HTTP_X_FORWARDED_PROTO: proto,
              HTTP_X_FORWARDED_HOST: host,
              HTTP_X_FORWARDED_PORT: port,
              HTTP_FORWARDED: fwd,
              REMOTE_ADDR: '10.0.0.2',
            },
          });
          mw((e, startResponse) => {
            expect(isIP(e.REMOTE_ADDR)).not.toBe(0);
            expect(['http', 'https']).toContain(e['tsgi.url_scheme']);
            expect(e.HTTP_HOST ?? '').not.toMatch(/[\s/@?#\\]/);
            expect(e.SERVER_PORT).toMatch(/^\d{1,5}$/);
            startResponse('204 No Content', []);
            return [];
          })(environ, () => () => {});
        }
      }),
      { numRuns: 300 },
    );
  });
});
