import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, MethodNotAllowed, NotFound } from '@tsgi/core';

// Stand-in for serveStatic() (branch mw-post, not in main yet): the files of static/, read once
// at start, by exact name. No directories, no paths from the request touch the disk.
const TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Serves the site's stylesheet and logo from memory. */
export function staticFiles(dir: string): App {
  const files = new Map<string, { type: string; bytes: Buffer }>();
  for (const name of ['style.css', 'logo.svg']) {
    files.set(`/${name}`, {
      type: TYPES[name.slice(name.lastIndexOf('.'))] as string,
      bytes: readFileSync(join(dir, name)),
    });
  }
  return (environ, startResponse) => {
    if (environ.REQUEST_METHOD !== 'GET' && environ.REQUEST_METHOD !== 'HEAD')
      throw new MethodNotAllowed(['GET', 'HEAD']);
    const file = files.get(environ.PATH_INFO);
    if (file === undefined) throw new NotFound();
    startResponse('200 OK', [
      ['Content-Type', file.type],
      ['Cache-Control', 'public, max-age=3600'],
    ]);
    return [file.bytes];
  };
}
