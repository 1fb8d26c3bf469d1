import { type App, BadRequest, validate } from '@tsgi/core';
import { flash, takeFlashes } from '@tsgi/middleware';
import { memoryStore, session } from '@tsgi/middleware/session';
import { describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.js';
import { KEY } from './session-helpers.js';

/** POST /save flashes and redirects; POST /fail flashes and throws a 400; GET shows the flashes. */
const app: App = (environ, startResponse) => {
  if (environ.PATH_INFO === '/save') {
    flash(environ, 'Saved.', 'success');
    flash(environ, 'Check your email.');
    startResponse('303 See Other', [['Location', '/']]);
    return [];
  }
  if (environ.PATH_INFO === '/fail') {
    flash(environ, 'That did not work.', 'error');
    throw new BadRequest('bad input');
  }
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify(takeFlashes(environ))];
};

const stack = () => validate(session({ keys: [KEY], store: memoryStore() })(validate(app)));

describe('flash', () => {
  it('survives exactly one redirect: shown on the next page, then gone', async () => {
    const site = stack();
    const browser = new Browser();
    const redirect = await browser.request(site, { method: 'POST', url: '/save' });
    expect(redirect.status).toBe(303);
    expect((await browser.request(site)).json()).toEqual([
      { message: 'Saved.', kind: 'success' },
      { message: 'Check your email.', kind: 'info' },
    ]);
    expect((await browser.request(site)).json()).toEqual([]);
  });

  it('is kept when the app throws an HTTPError after flashing', async () => {
    const site = stack();
    const browser = new Browser();
    expect((await browser.request(site, { method: 'POST', url: '/fail' })).status).toBe(400);
    expect((await browser.request(site)).json()).toEqual([{ message: 'That did not work.', kind: 'error' }]);
  });

  it('needs session() around the app', () => {
    const environ = {} as Parameters<typeof flash>[0];
    expect(() => flash(environ, 'x')).toThrow(/needs session/);
  });
});
