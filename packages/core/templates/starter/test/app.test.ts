/** `npm test`: the app in process, through tsgi's validator, with no socket (`request()`). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '@tsgi/core/testing';
import { app } from '../src/app.js';

/** The `name=value` part of the session cookie a response sets, to send it back. */
function cookieOf(response: { headers: Headers }): string {
  return response.headers.getSetCookie()[0]?.split(';')[0] ?? '';
}

test('the home page counts the visits of one visitor in their session', async () => {
  const first = await request(app);
  assert.equal(first.status, 200);
  assert.match(first.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(first.text(), /visit number 1\./);
  const second = await request(app, { headers: { Cookie: cookieOf(first) } });
  assert.match(second.text(), /visit number 2\./);
  const stranger = await request(app);
  assert.match(stranger.text(), /visit number 1\./);
});

test('the JSON route reports the same count', async () => {
  const page = await request(app);
  const visits = await request(app, { url: '/api/visits', headers: { Cookie: cookieOf(page) } });
  assert.equal(visits.status, 200);
  assert.deepEqual(visits.json(), { visits: 1 });
});

test('a tampered session cookie counts as no session at all', async () => {
  const cookie = cookieOf(await request(app));
  const at = cookie.indexOf('=') + 1;
  const tampered = cookie.slice(0, at) + (cookie[at] === 'A' ? 'B' : 'A') + cookie.slice(at + 1);
  const visits = await request(app, { url: '/api/visits', headers: { Cookie: tampered } });
  assert.deepEqual(visits.json(), { visits: 0 });
});

test('an unknown path is a 404, a wrong method a 405', async () => {
  assert.equal((await request(app, { url: '/nowhere' })).status, 404);
  assert.equal((await request(app, { url: '/api/visits', method: 'DELETE' })).status, 405);
});
