import { type App, applicationUri, escapeHtml } from '@tsgi/core';

/** One item of the feed. */
export interface Item {
  readonly title: string;
  readonly link: string;
  readonly author: string;
  readonly summary: string;
}

/** What the feed lists: the texts tsgi comes from. */
export const READING: readonly Item[] = [
  {
    title: 'PEP 3333 – Python Web Server Gateway Interface v1.0.1',
    link: 'https://peps.python.org/pep-3333/',
    author: 'Phillip J. Eby',
    summary: 'The contract between Python web servers and apps: environ, start_response, an iterable body.',
  },
  {
    title: 'Rack: a modular Ruby web server interface',
    link: 'https://github.com/rack/rack/blob/main/SPEC.rdoc',
    author: 'Christian Neukirchen',
    summary: 'call(env) → [status, headers, body], and Rack::Lint to keep everyone honest.',
  },
  {
    title: 'Werkzeug & <WSGI> middleware',
    link: 'https://werkzeug.palletsprojects.com/en/stable/middleware/',
    author: 'Pallets',
    summary:
      'Every piece a plain WSGI app or middleware: DispatcherMiddleware, ProxyFix, SharedDataMiddleware.',
  },
];

// escapeHtml escapes & < > " ': enough for XML text and attribute values too
const element = (name: string, text: string) => `<${name}>${escapeHtml(text)}</${name}>`;

/**
 * The feed as RSS 2.0 (`application/rss+xml`): what a feed reader fetches. Its items' text is
 * escaped here, and stays escaped through the stylesheet.
 */
export function feedApp(items: readonly Item[] = READING): App {
  const itemsXml = items
    .map(
      (item) =>
        `<item>${element('title', item.title)}${element('link', item.link)}${element('dc:creator', item.author)}${element('description', item.summary)}</item>`,
    )
    .join('');
  return (environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'application/rss+xml; charset=utf-8']]);
    return [
      '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>',
      element('title', 'Reading list: where tsgi comes from'),
      element('link', applicationUri(environ).replace(/\/?$/, '/')), // the page, wherever it is mounted
      element('description', 'The specs and libraries behind the TypeScript Server Gateway Interface.'),
      itemsXml,
      '</channel></rss>\n',
    ];
  };
}
