import { BadRequest } from '../errors.js';
import type { MediaType } from './media-type.js';

/**
 * Parses a `multipart/form-data` body into a `FormData` whose file parts are `File`s.
 *
 * The parsing is Node's own (undici's, behind the global fetch `Response.formData()`):
 * written to the WHATWG spec and tested by the web-platform tests. The body has already
 * been read under the size limit, which bounds the number of parts and their headers too.
 * Any malformed body — no closing boundary, a part without `Content-Disposition` or name —
 * is a 400.
 */
export async function parseMultipart(
  bytes: Uint8Array,
  contentType: string,
  media: MediaType,
): Promise<FormData> {
  const boundary = media.params.get('boundary');
  if (boundary === undefined || boundary === '') {
    throw new BadRequest('multipart/form-data without a boundary parameter');
  }
  if (boundary.length > 70) throw new BadRequest('The multipart boundary is longer than 70 characters');
  try {
    // request bytes never live in a SharedArrayBuffer, which is all the cast rules out
    const body = bytes as Uint8Array<ArrayBuffer>;
    return await new globalThis.Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw new BadRequest('Malformed multipart/form-data body', { cause: error });
  }
}
