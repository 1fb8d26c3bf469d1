import type { App } from '@tsgi/core';
import { router } from '@tsgi/router';
import { describe, expect, it } from 'vitest';
import { echo } from './helpers.js';

describe('registering routes', () => {
  it('names a malformed pattern and what is wrong with it', () => {
    const r = router();
    expect(() => r.get('/users/:', echo('x'))).toThrow(
      /Invalid route pattern "\/users\/:": Missing parameter name/,
    );
    expect(() => r.get('/users/:id?', echo('x'))).toThrow(
      /Invalid route pattern "\/users\/:id\?": Unexpected \?/,
    );
    expect(() => r.get('/a/(\\d+)', echo('x'))).toThrow(/Invalid route pattern "\/a\/\(\\\\d\+\)"/);
    expect(() => r.get('/a{/:b', echo('x'))).toThrow(/Invalid route pattern "\/a\{\/:b": Unexpected end/);
    expect(() => r.get('users', echo('x'))).toThrow(/Invalid route pattern "users": it must start with "\/"/);
    expect(() => r.get('/:id/:id', echo('x'))).toThrow(/"id" appears twice/);
    expect(() => r.get('/x/:__proto__', echo('x'))).toThrow(/cannot be named "__proto__"/);
    expect(() => r.mount('/files/*rest', echo('x'))).toThrow(/mount prefix cannot end in a wildcard/);
  });

  it('refuses a pattern that is not a string, or an app that is not a function', () => {
    expect(() => router().get(42 as unknown as string, echo('x'))).toThrow(/must be a string/);
    expect(() => router().get('/a', 'nope' as unknown as App)).toThrow(/app for \/a is not a function/);
  });

  it('refuses a duplicate route name', () => {
    const r = router().get('/users/:id', echo('show'), { name: 'user' });
    expect(() => r.get('/people/:id', echo('other'), { name: 'user' })).toThrow(
      /Duplicate route name "user": already \/users\/:id/,
    );
    expect(() => r.mount('/user', echo('m'), { name: 'user' })).toThrow(/Duplicate route name "user"/);
  });

  it('lets several methods of one pattern share its name', () => {
    const r = router()
      .get('/users/:id', echo('show'), { name: 'user' })
      .put('/users/:id', echo('update'), { name: 'user' });
    expect(r.unmountedPath('user', { id: 1 })).toBe('/users/1');
  });

  it('refuses the same method and pattern twice: the second app could never run', () => {
    const r = router().get('/a/:id', echo('first')).get('/static', echo('first'));
    expect(() => r.get('/a/:id', echo('second'))).toThrow(/GET \/a\/:id is routed twice/);
    expect(() => r.get('/static', echo('second'))).toThrow(/GET \/static is routed twice/);
    expect(() => r.route('get', '/static', echo('second'))).toThrow(/routed twice/);
    r.all('/any', echo('all'));
    expect(() => r.all('/any', echo('again'))).toThrow(/every method \(all\) \/any is routed twice/);
  });

  it('refuses a method that is not an HTTP token, or none', () => {
    expect(() => router().route('GE T', '/a', echo('x'))).toThrow(/"GE T" is not an HTTP method/);
    expect(() => router().route([], '/a', echo('x'))).toThrow(/No method given/);
  });

  it('refuses an empty name', () => {
    expect(() => router().get('/a', echo('x'), { name: '' })).toThrow(/non-empty string/);
  });
});
