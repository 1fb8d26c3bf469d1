// A cookie-keeping client over request(): enough of a browser to follow a session.
import type { App } from '@tsgi/core';
import { request, type TestRequestInit, type TestResponse } from '@tsgi/core/testing';

export class Browser {
  readonly cookies = new Map<string, string>();

  /** The Cookie header this browser would send. */
  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Keeps the Set-Cookie of a response (Max-Age=0 deletes). */
  keep(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const deleted = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (deleted) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  async request(app: App, init: TestRequestInit = {}): Promise<TestResponse> {
    const headers = new Headers(init.headers as HeadersInit | undefined);
    if (this.cookies.size > 0) headers.set('Cookie', this.cookieHeader);
    const response = await request(app, { ...init, headers });
    this.keep(response.headers.getSetCookie());
    return response;
  }

  /** A copy: another tab or an attacker holding the same cookies. */
  clone(): Browser {
    const copy = new Browser();
    for (const [name, value] of this.cookies) copy.cookies.set(name, value);
    return copy;
  }
}

/** A clock for tests: `now()` in ms, moved by `advance(seconds)`. */
export function testClock(start = 1_800_000_000_000): {
  now: () => number;
  advance: (seconds: number) => void;
} {
  let at = start;
  return {
    now: () => at,
    advance: (seconds) => {
      at += seconds * 1000;
    },
  };
}
