import { BadRequest, UnsupportedMediaType } from '../errors.js';
import type { MediaType } from './media-type.js';

/**
 * Decodes a body as text in the charset its `Content-Type` names (UTF-8 by default).
 * Invalid bytes become U+FFFD; an unknown charset is a 415.
 */
export function decodeText(bytes: Uint8Array, media: MediaType): string {
  const charset = media.params.get('charset') ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    throw new UnsupportedMediaType(`Unsupported charset: ${charset}`);
  }
  return decoder.decode(bytes);
}

/** `application/json` and the `+json` types (`application/problem+json`, …). */
export function isJson(media: MediaType): boolean {
  return (
    media.type === 'application/json' ||
    (media.type.startsWith('application/') && media.type.endsWith('+json'))
  );
}

/**
 * Throws a 415 unless the media type is JSON: besides being honest, requiring it keeps
 * cross-site "simple" posts out, since a plain HTML form cannot send `application/json`.
 */
export function assertJson(media: MediaType): void {
  if (!isJson(media)) {
    throw new UnsupportedMediaType(
      `Expected a JSON body (application/json), got ${media.type || 'no Content-Type'}`,
    );
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a JSON body; bytes that are not UTF-8 or text that is not JSON are a 400 that says why. */
export function parseJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new BadRequest('Invalid JSON: the body is not valid UTF-8');
  }
  if (text.trim() === '') throw new BadRequest('Invalid JSON: the body is empty');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequest(`Invalid JSON: ${(error as Error).message}`);
  }
}

/** Parses an `application/x-www-form-urlencoded` body into a `FormData` of strings. */
export function parseUrlencoded(bytes: Uint8Array): FormData {
  const form = new FormData();
  for (const [name, value] of new URLSearchParams(new TextDecoder().decode(bytes))) form.append(name, value);
  return form;
}
