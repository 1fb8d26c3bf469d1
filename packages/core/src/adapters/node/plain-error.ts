import { isHTTPError } from '../../errors.js';

/**
 * An error as code outside tsgi expects one: a plain `Error` object. An HTTPError is a function
 * (it is an app), which Node libraries (http-errors, body-parser) and fetch handlers do not
 * take for an error; its status travels as `status` and `statusCode` (with `expose`), the
 * convention those libraries read, and the HTTPError itself as `cause`.
 * @example toPlainError(new ContentTooLarge()) // Error { message: 'Content Too Large', status: 413, statusCode: 413, … }
 */
export function toPlainError(error: unknown): Error {
  if (isHTTPError(error)) {
    return Object.assign(new Error(error.message, { cause: error }), {
      status: error.status,
      statusCode: error.status,
      expose: error.expose,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
