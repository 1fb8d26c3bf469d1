import { matchesMountPrefix, mountedEnviron, normalizeMountPrefix } from '@tsgi/core';
import { describe, expect, it } from 'vitest';
import { makeEnviron } from './validate-harness.js';

describe('the mount split', () => {
  it('matches whole segments only', () => {
    expect(matchesMountPrefix('/api', '/api')).toBe(true);
    expect(matchesMountPrefix('/api/users', '/api')).toBe(true);
    expect(matchesMountPrefix('/apix', '/api')).toBe(false);
    expect(matchesMountPrefix('/ap', '/api')).toBe(false);
    expect(matchesMountPrefix('', '')).toBe(true);
  });

  it('normalizes prefixes and refuses bad ones with a TypeError naming them', () => {
    expect(normalizeMountPrefix('/')).toBe('');
    expect(normalizeMountPrefix('/api/')).toBe('/api');
    expect(() => normalizeMountPrefix('api', 'key "api"')).toThrow(/key "api" must start with "\/"/);
    expect(() => normalizeMountPrefix('/a\r\nb')).toThrow(TypeError);
  });

  it('moves the prefix to SCRIPT_NAME in a copy, as PEP 3333 mounting does', () => {
    const environ = makeEnviron({ SCRIPT_NAME: '/site', PATH_INFO: '/api/users/7' });
    const inner = mountedEnviron(environ, '/api');
    expect(inner).toMatchObject({ SCRIPT_NAME: '/site/api', PATH_INFO: '/users/7' });
    expect(environ).toMatchObject({ SCRIPT_NAME: '/site', PATH_INFO: '/api/users/7' });
    expect(mountedEnviron(makeEnviron({ PATH_INFO: '/api' }), '/api')).toMatchObject({
      SCRIPT_NAME: '/api',
      PATH_INFO: '',
    });
    expect(mountedEnviron(makeEnviron({ PATH_INFO: '/apix' }), '/api')).toBeUndefined();
  });
});
