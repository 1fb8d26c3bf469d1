import { type App, type Body, type Environ, moveToScriptName, type StartResponse } from '@tsgi/core';
import { decodeSegment } from './encode.js';
import { withParams } from './params.js';
import type { Pattern, UrlParams } from './pattern.js';

/**
 * An app mounted under a prefix. The prefix matches whole segments only (`/blog` matches
 * `/blog` and `/blog/x`, never `/blogs`), and may hold parameters (`/users/:id`).
 */
export class Mount {
  readonly kind = 'mount';
  readonly pattern: Pattern;
  readonly app: App;

  constructor(pattern: Pattern, app: App) {
    this.pattern = pattern;
    this.app = app;
  }

  /**
   * The match of the prefix at the start of `path` (segment form), or null. A prefix whose
   * last parameter ends in an encoded slash (`/users/a%2F`) cannot be mounted: SCRIPT_NAME
   * would end with `/`, which the contract forbids (the slash belongs to PATH_INFO).
   */
  match(path: string): RegExpExecArray | null {
    const match = this.pattern.regexp.exec(path);
    return match === null || match[0].endsWith('%2F') ? null : match;
  }

  /** The URL path of the mount point for these parameters (see {@link Pattern.build}). */
  build(params: UrlParams, label: string): string {
    const prefix = this.pattern.build(params, label);
    if (prefix.endsWith('%2F')) {
      throw new TypeError(`Cannot build a URL for ${label}: a mount point cannot end with "/" (%2F)`);
    }
    return prefix;
  }

  /**
   * Runs the mounted app for a request whose segment path `path` the prefix {@link match}ed:
   * the matched part moves from `PATH_INFO` to `SCRIPT_NAME`, in a copy of the environ.
   */
  call(
    environ: Environ,
    path: string,
    match: RegExpExecArray,
    startResponse: StartResponse,
  ): Body | Promise<Body> {
    const matched = match[0];
    const inner: Environ =
      this.pattern.keys.length === 0 ? { ...environ } : withParams(environ, this.pattern.params(match));
    // core's split, shared with urlMap(); rawPathInfo() finds it in tsgi.raw_uri again, %2F included
    moveToScriptName(inner, decodeSegment(matched), decodeSegment(path.slice(matched.length)));
    return this.app(inner, startResponse);
  }
}
