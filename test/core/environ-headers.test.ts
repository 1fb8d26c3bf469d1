// createEnviron's header mapping: the common names take a fast path of their own (a named store
// per name, see addCommonHeader in environ.ts); every other name the general one. Both must
// follow the same rules, whatever the spelling, order and repetition of the headers.
import { BadRequest, createEnviron, type Environ, emptyInput } from '@tsgi/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// The common names as the fast path knows them, their other spellings (which it must leave to
// the general path), and a few others.
const NAMES = [
  'Host',
  'host',
  'HOST',
  'Accept',
  'accept',
  'Cookie',
  'cookie',
  'COOKIE',
  'Origin',
  'Referer',
  'referer',
  'User-Agent',
  'user-agent',
  'User-agent',
  'Connection',
  'connection',
  'Content-Type',
  'content-type',
  'CONTENT-TYPE',
  'Content-Length',
  'content-length',
  'Content-length',
  'Accept-Encoding',
  'accept-language',
  'X-Request-Id',
  'x_forwarded_for',
  'Hosts',
];

/** The rules of SPEC.md, written out plainly: what the environ's header keys must be. */
function model(rawHeaders: string[]): Record<string, string> | 'bad request' {
  const keys: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const value = rawHeaders[i + 1] as string;
    if (name.includes('_')) continue;
    const upper = name.toUpperCase().replaceAll('-', '_');
    const key = upper === 'CONTENT_TYPE' || upper === 'CONTENT_LENGTH' ? upper : `HTTP_${upper}`;
    const previous = keys[key];
    if (previous === undefined) keys[key] = value;
    else if (key === 'HTTP_HOST') return 'bad request';
    else if (key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH') {
      if (previous !== value) return 'bad request';
    } else keys[key] = `${previous}${key === 'HTTP_COOKIE' ? '; ' : ', '}${value}`;
  }
  return keys;
}

function headerKeysOf(environ: Environ): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const [key, value] of Object.entries(environ)) {
    if (key.startsWith('HTTP_') || key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH') {
      keys[key] = value as string;
    }
  }
  return keys;
}

function environOf(rawHeaders: string[]): Record<string, string> | 'bad request' {
  try {
    const environ = createEnviron({
      method: 'GET',
      target: '/',
      rawHeaders,
      input: emptyInput,
      serverName: 'localhost',
      serverPort: '80',
    });
    return headerKeysOf(environ);
  } catch (error) {
    if (error instanceof BadRequest) return 'bad request';
    throw error;
  }
}

describe('createEnviron: request headers', () => {
  it('maps any list of headers as the plain rules say, common names or not', () => {
    const header = fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom('a', 'b', '1', '', 'x=1; y=2'));
    fc.assert(
      fc.property(fc.array(header, { maxLength: 12 }), (headers) => {
        const rawHeaders = headers.flat();
        expect(environOf(rawHeaders)).toEqual(model(rawHeaders));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a second Host and a second, different Content-Length in any spelling', () => {
    expect(environOf(['Host', 'a', 'host', 'b'])).toBe('bad request');
    expect(environOf(['HOST', 'a', 'Host', 'a'])).toBe('bad request');
    expect(environOf(['Content-Length', '1', 'content-length', '2'])).toBe('bad request');
    expect(environOf(['Content-Length', '1', 'Content-length', '1'])).toEqual({ CONTENT_LENGTH: '1' });
    expect(environOf(['Cookie', 'a=1', 'cookie', 'b=2'])).toEqual({ HTTP_COOKIE: 'a=1; b=2' });
  });
});
