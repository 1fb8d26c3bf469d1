import { type App, type Environ, PreconditionFailed, validate } from '@tsgi/core';
import { mockEnviron, request } from '@tsgi/core/testing';
import { checkPreconditions } from '@tsgi/middleware';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEntityTags } from '../../packages/middleware/src/entity-tags.js';

const LAST = new Date('2026-12-01T09:00:00Z');
const check = (
  headers: Record<string, string>,
  method = 'PUT',
  validators = { etag: '"v2"', lastModified: LAST },
) =>
  checkPreconditions(mockEnviron({ environ: { REQUEST_METHOD: method, ...headers } }) as Environ, validators);

describe('checkPreconditions', () => {
  it('passes If-Match with the current tag (strong comparison), or *', () => {
    expect(() => check({ HTTP_IF_MATCH: '"v2"' })).not.toThrow();
    expect(() => check({ HTTP_IF_MATCH: '"v1", "v2"' })).not.toThrow();
    expect(() => check({ HTTP_IF_MATCH: '*' })).not.toThrow();
  });

  it('throws PreconditionFailed (412) for a lost update', () => {
    expect(() => check({ HTTP_IF_MATCH: '"v1"' })).toThrow(PreconditionFailed);
    expect(() => check({ HTTP_IF_MATCH: 'W/"v2"' })).toThrow(PreconditionFailed); // weak never matches strongly
    expect(() =>
      check({ HTTP_IF_MATCH: '*' }, 'PUT', { etag: undefined as never, lastModified: LAST }),
    ).toThrow(PreconditionFailed);
    expect(() => check({ HTTP_IF_UNMODIFIED_SINCE: 'Mon, 30 Nov 2026 09:00:00 GMT' })).toThrow(
      PreconditionFailed,
    );
    expect(() => check({ HTTP_IF_NONE_MATCH: '*' })).toThrow(PreconditionFailed); // create-only, but it exists
  });

  it('lets If-Match outrank If-Unmodified-Since, and ignores malformed headers', () => {
    expect(() =>
      check({ HTTP_IF_MATCH: '"v2"', HTTP_IF_UNMODIFIED_SINCE: 'Mon, 30 Nov 2026 09:00:00 GMT' }),
    ).not.toThrow();
    expect(() => check({ HTTP_IF_MATCH: 'v1' })).not.toThrow();
    expect(() => check({ HTTP_IF_UNMODIFIED_SINCE: 'not a date' })).not.toThrow();
    expect(() => check({ HTTP_IF_UNMODIFIED_SINCE: 'Tue, 01 Dec 2026 09:00:00 GMT' })).not.toThrow();
  });

  it('leaves If-None-Match on GET to conditionalGet()', () => {
    expect(() => check({ HTTP_IF_NONE_MATCH: '"v2"' }, 'GET')).not.toThrow();
  });

  it('renders as a 412 when thrown from an app', async () => {
    const app: App = (environ, startResponse) => {
      checkPreconditions(environ, { etag: '"v2"' });
      startResponse('204 No Content', []);
      return [];
    };
    const response = await request(validate(app), { method: 'PUT', headers: { 'If-Match': '"v1"' } });
    expect(response.status).toBe(412);
  });

  it('refuses bad validators with a TypeError', () => {
    expect(() => check({}, 'PUT', { etag: 'v2', lastModified: LAST })).toThrow(
      /etag must be a quoted entity tag/,
    );
    expect(() => check({}, 'PUT', { etag: '"v2"', lastModified: 'soon' as never })).toThrow(
      /lastModified is not a date/,
    );
  });
});

describe('parseEntityTags', () => {
  it('round-trips lists of tags, and never throws (property)', () => {
    const tag = fc
      .tuple(fc.boolean(), fc.stringMatching(/^[\x21\x23-\x7e]{0,10}$/))
      .map(([weak, text]) => `${weak ? 'W/' : ''}"${text}"`);
    fc.assert(
      fc.property(
        fc.array(tag, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(',', ', ', ' ,\t'),
        (tags, sep) => {
          expect(parseEntityTags(tags.join(sep))).toEqual(tags);
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (input) => {
        const result = parseEntityTags(input);
        expect(result === null || result === '*' || Array.isArray(result)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
