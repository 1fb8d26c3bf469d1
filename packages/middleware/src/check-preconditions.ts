import { type Environ, PreconditionFailed } from '@tsgi/core';
import { parseEntityTags, parseHttpDate, strongMatch, weakMatch } from './entity-tags.js';

/** The current validators of the resource a request would change. */
export interface Validators {
  /** Its entity tag, quoted (`"v42"` or `W/"v42"`); undefined when it does not exist yet. */
  etag?: string;
  /** When it last changed. */
  lastModified?: Date | number | string;
}

function toMs(value: Date | number | string, label: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new TypeError(`checkPreconditions: ${label} is not a date`);
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Checks the preconditions of a request that changes a resource (PUT, PATCH, DELETE, POST),
 * before the app changes anything, in RFC 9110 §13.2.2's order: `If-Match` (strong
 * comparison; `*` passes when the resource exists), else `If-Unmodified-Since`; then
 * `If-None-Match` (`*` fails when it exists; a weakly matching tag fails). A failure throws
 * {@link PreconditionFailed} (412), which renders itself. Malformed headers are ignored, as
 * the RFC allows. This is a function, not a middleware: a middleware sees the validators only
 * after the app acted, too late to refuse a lost update.
 *
 * When not to use it: for GET and HEAD, `conditionalGet()` answers 304s from the response.
 * @example
 * r.put('/docs/:id', async (environ, startResponse) => {
 *   const doc = await load(routeParams(environ).id);
 *   checkPreconditions(environ, { etag: doc?.etag, lastModified: doc?.updatedAt });
 *   await save(…); // only now
 * });
 */
export function checkPreconditions(environ: Environ, validators: Validators): void {
  if (validators === null || typeof validators !== 'object') {
    throw new TypeError('checkPreconditions: validators must be an object { etag, lastModified }');
  }
  const { etag } = validators;
  if (etag !== undefined && (typeof etag !== 'string' || !/^(W\/)?"[^"]*"$/.test(etag))) {
    throw new TypeError(`checkPreconditions: etag must be a quoted entity tag, got ${String(etag)}`);
  }
  const lastModified =
    validators.lastModified === undefined ? undefined : toMs(validators.lastModified, 'lastModified');
  const ifMatch = environ.HTTP_IF_MATCH === undefined ? null : parseEntityTags(environ.HTTP_IF_MATCH);
  if (ifMatch !== null) {
    const passes =
      ifMatch === '*'
        ? etag !== undefined
        : etag !== undefined && ifMatch.some((tag) => strongMatch(tag, etag));
    if (!passes) throw new PreconditionFailed('The resource has changed (If-Match)');
  } else {
    const since = parseHttpDate(environ.HTTP_IF_UNMODIFIED_SINCE);
    if (since !== undefined && lastModified !== undefined && lastModified > since) {
      throw new PreconditionFailed('The resource has changed since then (If-Unmodified-Since)');
    }
  }
  const method = environ.REQUEST_METHOD;
  if (method === 'GET' || method === 'HEAD') return; // a match there is a 304: conditionalGet()'s job
  const ifNoneMatch =
    environ.HTTP_IF_NONE_MATCH === undefined ? null : parseEntityTags(environ.HTTP_IF_NONE_MATCH);
  if (ifNoneMatch === null) return;
  const matches =
    ifNoneMatch === '*'
      ? etag !== undefined
      : etag !== undefined && ifNoneMatch.some((tag) => weakMatch(tag, etag));
  if (matches) throw new PreconditionFailed('The resource already exists in this version (If-None-Match)');
}
