import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type App, validate } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { xslt } from '@tsgi/middleware/xslt';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest } from '../helpers/http.js';
import { startServer, stopAll } from '../helpers/server.js';

afterEach(stopAll);
const run = promisify(execFile);

const fixtures = join(import.meta.dirname, 'fixtures');
const rss = readFileSync(join(fixtures, 'feed.rss'), 'utf8');
const feedXsl = readFileSync(join(fixtures, 'feed.xsl'), 'utf8');

const xml =
  (text: string, type = 'application/rss+xml'): App =>
  (_environ, startResponse) => {
    startResponse('200 OK', [
      ['Content-Type', type],
      ['ETag', '"feed-1"'],
    ]);
    return (async function* () {
      // in two parts, as a streaming app would send it
      yield text.slice(0, 500);
      yield text.slice(500);
    })();
  };

const stylesheet = (body: string, output = '<xsl:output method="html"/>') =>
  `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:a="http://www.w3.org/2005/Atom">${output}${body}</xsl:stylesheet>`;

describe('xslt()', () => {
  it('over a socket: an RSS feed becomes an HTML page, its text still escaped', async () => {
    const server = await startServer(validate(xslt({ stylesheet: feedXsl })(validate(xml(rss)))));
    const response = await httpRequest(`${server.url}/feed.xml`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(response.headers['content-length'])).toBe(response.body.byteLength);
    expect(response.headers.etag).toBe('W/"feed-1"');
    const page = response.text;
    expect(page).toContain('<title>The tsgi blog</title>');
    expect(page).toContain('<a href="https://example.org/blog/escaping">');
    expect(page).toContain('Why &lt;script&gt;alert(1)&lt;/script&gt; stays text &amp; other escapes');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;b&gt;Bold&lt;/b&gt;'); // CDATA is text too
    expect(page).toContain('<span class="by">Grace</span>');
    expect(page).not.toMatch(/root:/); // document() loads nothing
  });

  it('an Atom feed (default namespace), and xsl:output media-type decides the type', async () => {
    const atom =
      '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><title>One &amp; &lt;two&gt;</title></entry></feed>';
    const toList = stylesheet(
      '<xsl:template match="/"><list><xsl:for-each select="a:feed/a:entry"><item><xsl:value-of select="a:title"/></item></xsl:for-each></list></xsl:template>',
      '<xsl:output method="xml" media-type="application/vnd.list+xml"/>',
    );
    const response = await request(
      validate(xslt({ stylesheet: toList })(validate(xml(atom, 'application/atom+xml')))),
    );
    expect(response.headers.get('Content-Type')).toBe('application/vnd.list+xml; charset=utf-8');
    expect(response.text()).toContain('<item>One &amp; &lt;two&gt;</item>');
  });

  it('parses the stylesheet once and gives the same page each time; parameters per request', async () => {
    const app = xslt({
      stylesheet: feedXsl,
      parameters: (environ) => ({ reader: String(environ.QUERY_STRING) }),
    })(xml(rss));
    const first = await request(app, { url: '/?<ada>' });
    const second = await request(app, { url: '/?<ada>' });
    expect(first.text()).toBe(second.text());
    expect(first.text()).toContain('<p class="reader">&lt;ada&gt;</p>');
  });

  it('leaves other types alone, and sends a document over the limit untransformed, saying so', async () => {
    const html: App = (_e, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/html']]);
      return ['<p>hi</p>'];
    };
    expect((await request(xslt({ stylesheet: feedXsl })(html))).text()).toBe('<p>hi</p>');
    const big = await request(validate(xslt({ stylesheet: feedXsl, limit: 100 })(validate(xml(rss)))));
    expect([big.headers.get('Content-Type'), big.text()]).toEqual(['application/rss+xml', rss]);
    expect(big.log).toMatch(/over 100 bytes, sent untransformed/);
  });

  it('leaves an encoded XML body alone (a precompressed feed.xml.gz): it is not XML text', async () => {
    const gzipped = gzipSync(rss);
    const encoded: App = (_e, startResponse) => {
      startResponse('200 OK', [
        ['Content-Type', 'application/rss+xml'],
        ['Content-Encoding', 'gzip'],
      ]);
      return [gzipped];
    };
    const response = await request(validate(xslt({ stylesheet: feedXsl })(validate(encoded))), {
      rethrow: false,
    });
    expect([response.status, response.headers.get('Content-Encoding')]).toEqual([200, 'gzip']);
    expect(Buffer.compare(response.bytes(), gzipped)).toBe(0);
  });

  it('xsl:include never fetches without a loader; with one, it is used (and kept)', async () => {
    let fetched = 0;
    const decoy = createServer((_req, res) => {
      fetched++;
      res.end('<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>');
    });
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    const href = `http://127.0.0.1:${(decoy.address() as { port: number }).port}/part.xsl`;
    try {
      const including = stylesheet(
        `<xsl:include href="${href}"/><xsl:template match="/"><p><xsl:call-template name="part"/></p></xsl:template>`,
      );
      const refused = await request(xslt({ stylesheet: including })(xml(rss)), { rethrow: false });
      expect(refused.status).toBe(500);
      expect(String(refused.error)).toMatch(/refused \(no loader given\)/);
      expect(fetched).toBe(0);
      const asked: string[] = [];
      const loader = (url: string) => {
        asked.push(url);
        return '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template name="part">from the loader</xsl:template></xsl:stylesheet>';
      };
      const app = xslt({ stylesheet: including, loader })(xml(rss));
      expect((await request(app)).text()).toContain('<p>from the loader</p>');
      await request(app);
      expect([fetched, asked]).toEqual([0, [href]]);
    } finally {
      decoy.close();
    }
  });

  it('a loader that failed once is asked again next time (a failure is not kept like a result)', async () => {
    const including = stylesheet(
      '<xsl:include href="part.xsl"/><xsl:template match="/"><p><xsl:call-template name="part"/></p></xsl:template>',
    );
    let calls = 0;
    const loader = async () => {
      calls++;
      if (calls === 1) throw new Error('EIO: the disk hiccuped');
      return '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template name="part">loaded</xsl:template></xsl:stylesheet>';
    };
    const app = xslt({ stylesheet: including, loader })(xml(rss));
    expect((await request(app, { rethrow: false })).status).toBe(500);
    const second = await request(app, { rethrow: false });
    expect([second.status, second.text()]).toEqual([200, expect.stringContaining('<p>loaded</p>')]);
    expect(calls).toBe(2);
  });

  it('is an optional peer: the root export and the subpath load without xslt-processor', async () => {
    const hook = `data:text/javascript,${encodeURIComponent(
      `export async function resolve(s, c, next) { if (s === 'xslt-processor') throw new Error('not installed'); return next(s, c); }`,
    )}`;
    const script = `
      import { register } from 'node:module';
      register(${JSON.stringify(hook)});
      const root = await import('@tsgi/middleware');
      const { xslt } = await import('@tsgi/middleware/xslt');
      const { request } = await import('@tsgi/core/testing');
      const app = xslt({ stylesheet: '<x/>' })((e, s) => { s('200 OK', [['Content-Type', 'text/xml']]); return ['<a/>']; });
      const response = await request(app, { rethrow: false });
      console.log(typeof root.xslt, response.status, String(response.error.message));`;
    const { stdout } = await run(
      process.execPath,
      ['--conditions=tsgi-source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: join(import.meta.dirname, '../..') },
    );
    expect(stdout.trim()).toBe(
      'function 500 xslt: the optional peer dependency `xslt-processor` is not installed (npm install xslt-processor@5)',
    );
  });

  it('names the bad option', () => {
    expect(() => xslt({} as never)).toThrow(/stylesheet/);
    expect(() => xslt({ stylesheet: feedXsl, limit: 0 })).toThrow(/limit/);
  });
});
