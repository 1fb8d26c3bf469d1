import { debugPage, formatAccessLog } from '@tsgi/core/http';
import { mockEnviron } from '@tsgi/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const start = new Date(Date.UTC(2026, 11, 1, 9, 30, 5));

describe('formatAccessLog', () => {
  it('gives each line its own second, whichever order the records come in', () => {
    const environ = mockEnviron({ environ: { REMOTE_ADDR: '10.0.0.1' } });
    const line = (at: Date) =>
      formatAccessLog('common', {
        environ,
        status: 200,
        bytes: 0,
        durationMs: 0,
        outcome: 'finished',
        start: at,
      });
    const later = new Date(start.getTime() + 61_500);
    expect(line(start)).toContain('[01/Dec/2026:09:30:05 +0000]');
    expect(line(later)).toContain('[01/Dec/2026:09:31:06 +0000]');
    expect(line(new Date(start.getTime() + 999))).toContain('[01/Dec/2026:09:30:05 +0000]');
  });

  it('writes the Common and Combined Log Formats, with the duration', () => {
    const environ = mockEnviron({
      environ: {
        'tsgi.raw_uri': '/a?b=1',
        REMOTE_ADDR: '10.0.0.1',
        HTTP_USER_AGENT: 'curl/8',
      },
    });
    const record = { environ, status: 200, bytes: 12, durationMs: 1.25, outcome: 'finished' as const, start };
    expect(formatAccessLog('common', record)).toBe(
      '10.0.0.1 - - [01/Dec/2026:09:30:05 +0000] "GET /a?b=1 HTTP/1.1" 200 12 1.3ms\n',
    );
    expect(formatAccessLog('combined', record)).toBe(
      '10.0.0.1 - - [01/Dec/2026:09:30:05 +0000] "GET /a?b=1 HTTP/1.1" 200 12 "-" "curl/8" 1.3ms\n',
    );
    expect(JSON.parse(formatAccessLog('json', record))).toMatchObject({
      status: 200,
      bytes: 12,
      outcome: 'finished',
    });
  });

  it('marks a response the client left before its end', () => {
    const record = {
      environ: mockEnviron(),
      status: 200,
      bytes: 3,
      durationMs: 9,
      outcome: 'closed' as const,
      start,
    };
    expect(formatAccessLog('common', record)).toMatch(/ 200 3 9\.0ms incomplete\n$/);
  });

  it('never lets a client forge a line or break the quoting (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (target, agent) => {
        const environ = mockEnviron({
          environ: { 'tsgi.raw_uri': target, HTTP_USER_AGENT: agent, HTTP_REFERER: agent },
        });
        const line = formatAccessLog('combined', {
          environ,
          status: 404,
          bytes: 0,
          durationMs: 0,
          outcome: 'finished',
          start,
        });
        expect(line.indexOf('\n')).toBe(line.length - 1);
        // exactly three quoted fields: request, referer, user agent
        expect(line.match(/(?<!\\)"/g)).toHaveLength(6);
        const json = formatAccessLog('json', {
          environ,
          status: 404,
          bytes: 0,
          durationMs: 0,
          outcome: 'finished',
          start,
        });
        expect(json.indexOf('\n')).toBe(json.length - 1);
        expect(JSON.parse(json).target).toBe(target || '/');
      }),
    );
  });
});

describe('debugPage', () => {
  it('shows the stack and the environ, escaped', () => {
    const error = new Error('<script>alert(1)</script>');
    const page = debugPage(error, mockEnviron({ environ: { HTTP_X_EVIL: '<img src=x onerror=alert(1)>' } }));
    expect(page.status).toBe(500);
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');
  });

  it('answers JSON to a client that prefers it', () => {
    const page = debugPage(
      new TypeError('bad'),
      mockEnviron({ environ: { HTTP_ACCEPT: 'application/json' } }),
    );
    expect(JSON.parse(page.body).error.message).toBe('TypeError: bad');
  });
});
