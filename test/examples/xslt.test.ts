// examples/xslt: one RSS feed, shown as a page through xslt() and served as is for readers.
import { request } from '@tsgi/core/testing';
import { urlMap } from '@tsgi/middleware';
import { describe, expect, it } from 'vitest';
import { feedSite } from '../../examples/xslt/app.js';
import { READING } from '../../examples/xslt/feed.js';

describe('examples/xslt', () => {
  it('serves the feed as RSS at /feed.xml', async () => {
    const feed = await request(feedSite(), { url: '/feed.xml', headers: { Host: 'reading.example' } });
    expect(feed.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(feed.text()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<rss version="2.0"/);
    expect(feed.text()).toContain('<link>http://reading.example/</link>');
    expect(feed.text()).toContain('<title>Werkzeug &amp; &lt;WSGI&gt; middleware</title>');
    expect(feed.text().match(/<item>/g)).toHaveLength(READING.length);
  });

  it('renders the same feed as an HTML page at /, every item linked, the text still escaped', async () => {
    const page = await request(feedSite(), { url: '/' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = page.text();
    expect(html).toContain('<h1>Reading list: where tsgi comes from</h1>');
    for (const item of READING) expect(html).toContain(`<a href="${item.link}">`);
    expect(html).toContain('Werkzeug &amp; &lt;WSGI&gt; middleware');
    expect(html).not.toContain('<WSGI>');
    expect(html).toContain('href="/feed.xml"');
  });

  it('keeps hostile item text inert through the stylesheet', async () => {
    const site = feedSite([
      {
        title: '<script>alert(1)</script>',
        link: 'https://x.example/?a=1&b=2',
        author: '"me"',
        summary: '<img src=x onerror=alert(1)>',
      },
    ]);
    const html = (await request(site, { url: '/' })).text();
    expect(html).not.toMatch(/<script>|<img/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('href="https://x.example/?a=1&amp;b=2"');
  });

  it('links to its feed under its mount point', async () => {
    const mounted = urlMap({ '/reading': feedSite() });
    expect((await request(mounted, { url: '/reading/' })).text()).toContain('href="/reading/feed.xml"');
    expect(
      (await request(mounted, { url: '/reading/feed.xml', headers: { Host: 'h.example' } })).text(),
    ).toContain('<link>http://h.example/reading/</link>');
  });
});
