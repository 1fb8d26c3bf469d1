import type { Environ } from '@tsgi/core';
import { getSession } from './session/session.js';

/** One flash message. */
export type FlashMessage = {
  message: string;
  /** `info` unless given: `success`, `error`, … as your templates style them. */
  kind: string;
};

const FLASH_KEY = 'flash.messages';

/**
 * Keeps a message for the next page the user sees — typically across the redirect after a
 * form post. Stored in the session (so `session()` must wrap the app); a thrown HTTPError
 * still saves it, so `throw new BadRequest()` after a flash keeps the flash.
 * @example flash(environ, 'Saved.', 'success'); return Response.redirect('/items')(environ, startResponse);
 */
export function flash(environ: Environ, message: string, kind = 'info'): void {
  if (typeof message !== 'string') throw new TypeError('flash: message must be a string');
  const session = getSession(environ);
  const messages = session.get<FlashMessage[]>(FLASH_KEY) ?? [];
  session.set(FLASH_KEY, [...messages, { message, kind }]);
}

/**
 * The flash messages waiting, removed from the session: each is shown once, on the page
 * after the redirect, and never again.
 * @example for (const { message, kind } of takeFlashes(environ)) html`<p class=${kind}>${message}</p>`;
 */
export function takeFlashes(environ: Environ): FlashMessage[] {
  const session = getSession(environ);
  const messages = session.get<FlashMessage[]>(FLASH_KEY);
  if (messages === undefined) return [];
  session.delete(FLASH_KEY);
  return messages;
}
