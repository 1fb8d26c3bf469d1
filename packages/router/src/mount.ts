import type { App, Body, Environ, StartResponse } from '@tsgi/core';
import { decodeSegment } from './encode.js';
import { withParams } from './params.js';
import type { Pattern } from './pattern.js';
import { SEGMENT_PATH_KEY, type SegmentPathState, segmentScriptName } from './segment-path.js';

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
   * Runs the mounted app for a request whose segment path `path` the prefix matched:
   * the matched part moves from `PATH_INFO` to `SCRIPT_NAME`, in a copy of the environ.
   */
  call(
    environ: Environ,
    path: string,
    match: RegExpExecArray,
    startResponse: StartResponse,
  ): Body | Promise<Body> {
    const matched = match[0];
    const script = segmentScriptName(environ) + matched;
    const scriptName = environ.SCRIPT_NAME + decodeSegment(matched);
    const rest = path.slice(matched.length);
    const pathInfo = decodeSegment(rest);
    const inner: Environ =
      this.pattern.keys.length === 0 ? { ...environ } : withParams(environ, this.pattern.params(match));
    inner.SCRIPT_NAME = scriptName;
    inner.PATH_INFO = pathInfo;
    // Hand the segment forms down when they differ (a %2F or % was sent): the mounted app's
    // routers match with them, and its links keep the %2F.
    if (rest !== pathInfo || script !== scriptName) {
      inner[SEGMENT_PATH_KEY] = { scriptName, script, pathInfo, path: rest } satisfies SegmentPathState;
    }
    return this.app(inner, startResponse);
  }
}
