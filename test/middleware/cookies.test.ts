import { type App, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import {
  getCookies,
  parseCookieHeader,
  serializeCookie,
  setCookie,
  sign,
  signedCookies,
  signingKeys,
  verify,
} from '@tsgi/middleware';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const KEY_A = 'a'.repeat(32);
const KEY_B = 'b'.repeat(32);
const keysA = signingKeys([KEY_A], 'keys');

const echoSigned =
  (name: string): App =>
  (environ, startResponse) => {
    const result = getCookies(environ).getSigned(name);
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [JSON.stringify(result)];
  };

describe('getCookies', () => {
  it('parses once per request and keeps every value of a repeated name', async () => {
    const app: App = (environ, startResponse) => {
      const jar = getCookies(environ);
      expect(getCookies(environ)).toBe(jar);
      startResponse('200 OK', [['Content-Type', 'application/json']]);
      return [JSON.stringify({ first: jar.get('a'), all: jar.getAll('a'), names: jar.names() })];
    };
    const response = await request(validate(app), { headers: { Cookie: 'a=1; b=x%20y; a=2' } });
    expect(response.json()).toEqual({ first: '1', all: ['1', '2'], names: ['a', 'b'] });
  });

  it('never percent-decodes a name (CVE-2020-8184: %5F_Host- posing as __Host-)', () => {
    const jar = parseCookieHeader('%5F_Host-id=evil; __proto__=1');
    expect(jar.has('__Host-id')).toBe(false);
    expect(jar.get('%5F_Host-id')).toEqual(['evil']);
    expect(jar.get('__proto__')).toEqual(['1']); // a Map: no prototype to pollute
  });
});

describe('signing', () => {
  it('signs with the first key, verifies with any, and reports which matched (rotation)', async () => {
    const old = sign('uid', '42', signingKeys([KEY_B], 'keys'));
    const app = signedCookies({ keys: [KEY_A, KEY_B] })(validate(echoSigned('uid')));
    const response = await request(validate(app), { headers: { Cookie: `uid=${old}` } });
    expect(response.json()).toEqual({ status: 'valid', value: '42', keyIndex: 1, stale: true });
    const current = sign('uid', '42', signingKeys([KEY_A, KEY_B], 'keys'));
    expect(verify('uid', current, signingKeys([KEY_A, KEY_B], 'keys'))).toMatchObject({
      keyIndex: 0,
      stale: false,
    });
  });

  it('never takes an unsigned or tampered value for a signed one (cookie-parser#70)', () => {
    const signed = sign('uid', '42', keysA);
    expect(verify('uid', '42', keysA)).toEqual({ status: 'unsigned' });
    expect(verify('uid', signed.replace('42', '43'), keysA)).toEqual({ status: 'tampered' });
    expect(verify('other', signed, keysA)).toEqual({ status: 'tampered' }); // the name is signed too
    expect(verify('uid', undefined, keysA)).toEqual({ status: 'missing' });
    // a prefix of the MAC (tinyhttp's prefix compare) or an extra character is refused
    expect(verify('uid', signed.slice(0, -5), keysA)).toEqual({ status: 'tampered' });
    expect(verify('uid', `${signed}A`, keysA)).toEqual({ status: 'tampered' });
  });

  it('refuses keys shorter than 32 bytes, and a bare string, at start-up', () => {
    expect(() => signedCookies({ keys: ['short'] })).toThrow(
      /keys\[0\] is 5 bytes; keys must be at least 32/,
    );
    expect(() => signedCookies({ keys: KEY_A as unknown as string[] })).toThrow(/must be an array/);
    expect(() => signedCookies({ keys: [] })).toThrow(/at least one key/);
  });

  it('a tampered cookie reaches the app as tampered, never as its value', async () => {
    const app = signedCookies({ keys: [KEY_A] })(validate(echoSigned('uid')));
    const forged = `${sign('uid', '1', keysA).slice(0, -1)}B`;
    expect((await request(validate(app), { headers: { Cookie: `uid=${forged}` } })).json()).toEqual({
      status: 'tampered',
    });
  });
});

describe('setting cookies', () => {
  it('defaults to HttpOnly, SameSite=Lax, Path=/, and Secure over HTTPS', async () => {
    const app = signedCookies({ keys: [KEY_A] })(
      validate((environ, startResponse) => {
        setCookie(environ, 'theme', 'dark mode');
        setCookie(environ, 'uid', '7', { signed: true });
        startResponse('204 No Content', []);
        return [];
      }),
    );
    const plain = await request(validate(app));
    expect(plain.headers.getSetCookie()[0]).toBe('theme=dark%20mode; Path=/; HttpOnly; SameSite=Lax');
    const secure = await request(validate(app), { url: 'https://example.com/' });
    expect(secure.headers.getSetCookie()[0]).toBe(
      'theme=dark%20mode; Path=/; HttpOnly; Secure; SameSite=Lax',
    );
    const uid = parseCookieHeader(secure.headers.getSetCookie()[1]?.split(';')[0] ?? '').get('uid')?.[0];
    expect(verify('uid', uid, keysA)).toMatchObject({ status: 'valid', value: '7' });
  });

  it('refuses attribute injection through name, domain and path (CVE-2024-47764)', () => {
    expect(() => serializeCookie('a;b', 'x')).toThrow(/not a token/);
    expect(() => serializeCookie('a', 'x', { domain: 'example.com; Secure' })).toThrow(/not a host name/);
    expect(() => serializeCookie('a', 'x', { path: '/; Domain=evil.com' })).toThrow(/path/);
    expect(() => serializeCookie('a', 'x', { path: 'relative' })).toThrow(/must start with \//);
    expect(serializeCookie('a', 'x;y=z')).toBe('a=x%3By%3Dz; Path=/; HttpOnly; SameSite=Lax');
    expect(() => serializeCookie('a', '\uD800')).toThrow(/lone surrogate/);
  });

  it('enforces the __Host- and __Secure- prefix rules, case-insensitively', () => {
    expect(() => serializeCookie('__Secure-a', 'x')).toThrow(/__Secure- cookie needs secure/);
    expect(() => serializeCookie('__Host-a', 'x', { secure: true, domain: 'example.com' })).toThrow(
      /__Host-/,
    );
    expect(() => serializeCookie('__host-a', 'x', { secure: true, path: '/app' })).toThrow(/__Host-/);
    expect(serializeCookie('__Host-a', 'x', { secure: true })).toContain('Secure');
    expect(() => serializeCookie('a', 'x', { sameSite: 'none' })).toThrow(/needs secure/);
  });

  it('refuses a Set-Cookie over 4096 bytes, saying so (browsers drop it silently)', () => {
    // `ok=` + value + `; Path=/; HttpOnly; SameSite=Lax` (35 bytes around the value)
    expect(serializeCookie('ok', 'x'.repeat(4061))).toHaveLength(4096);
    expect(() => serializeCookie('ok', 'x'.repeat(4062))).toThrow(/4097 bytes, over the 4096 browsers keep/);
  });

  it('throws from setCookie once the head went out (inside a streaming body)', async () => {
    let late: unknown;
    const app = signedCookies({ keys: [KEY_A] })(
      validate((environ, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return (function* () {
          yield 'a';
          try {
            setCookie(environ, 'late', '1');
          } catch (error) {
            late = error;
          }
        })();
      }),
    );
    const response = await request(validate(app));
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(String(late)).toMatch(/after the response head went out/);
  });
});

describe('without signedCookies()', () => {
  it('getSigned and setCookie say what is missing', async () => {
    const app: App = (environ, startResponse) => {
      expect(() => getCookies(environ).getSigned('uid')).toThrow(/getSigned\(\) needs signedCookies/);
      expect(() => setCookie(environ, 'a', '1')).toThrow(/setCookie\(\) needs signedCookies/);
      startResponse('204 No Content', []);
      return [];
    };
    expect((await request(validate(app))).status).toBe(204);
  });
});

describe('property: cookie parsing and signing', () => {
  const name = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,20}$/);
  it('parse(serialize(name, value)) gives the value back, for any string', () => {
    fc.assert(
      fc.property(name, fc.string({ unit: 'grapheme' }), (cookieName, value) => {
        const pair = serializeCookie(cookieName, value).split(';')[0] as string;
        expect(parseCookieHeader(pair).get(cookieName)).toEqual([value]);
      }),
    );
  });

  it('no Cookie header throws, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (header) => {
        const parsed = parseCookieHeader(header);
        for (const [key, values] of parsed) expect(key.length > 0 && values.length > 0).toBe(true);
      }),
    );
  });

  it('sign/verify round-trips, and any change to a signed value is caught', () => {
    fc.assert(
      fc.property(
        name,
        fc.string(),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 1 }),
        (n, value, at, ch) => {
          const signed = sign(n, value, keysA);
          expect(verify(n, signed, keysA)).toEqual({ status: 'valid', value, keyIndex: 0, stale: false });
          const i = at % signed.length;
          const changed = signed.slice(0, i) + ch + signed.slice(i + 1);
          if (changed !== signed) expect(verify(n, changed, keysA).status).not.toBe('valid');
        },
      ),
    );
  });

  it('verify never throws on any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (input) => {
        expect(['unsigned', 'tampered']).toContain(verify('n', input, keysA).status);
      }),
    );
  });

  it('serializeCookie throws only TypeErrors, for any name, value, domain and path', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.string(),
        fc.string(),
        (n, v, domain, path) => {
          try {
            const header = serializeCookie(n, v, { domain, path });
            expect(header).not.toMatch(/[\r\n\0]/);
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
          }
        },
      ),
    );
  });
});
