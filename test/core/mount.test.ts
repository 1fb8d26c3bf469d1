import { matchesMountPrefix, mountedEnviron, normalizeMountPrefix } from '@tsgi/core';
import { mockEnviron } from '@tsgi/core/testing';
import { describe, expect, it } from 'vitest';

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
    const environ = mockEnviron({ environ: { SCRIPT_NAME: '/site', PATH_INFO: '/api/users/7' } });
    const inner = mountedEnviron(environ, '/api');
    expect(inner).toMatchObject({ SCRIPT_NAME: '/site/api', PATH_INFO: '/users/7' });
    expect(environ).toMatchObject({ SCRIPT_NAME: '/site', PATH_INFO: '/api/users/7' });
    expect(mountedEnviron(mockEnviron({ environ: { PATH_INFO: '/api' } }), '/api')).toMatchObject({
      SCRIPT_NAME: '/api',
      PATH_INFO: '',
    });
    expect(mountedEnviron(mockEnviron({ environ: { PATH_INFO: '/apix' } }), '/api')).toBeUndefined();
  });
});
