import { sep } from 'node:path';

/** A path split by {@link safeSegments}; `dotfile` when a segment starts with `.`. */
export interface SafePath {
  readonly segments: readonly string[];
  readonly dotfile: boolean;
}

// Windows device names, refused on Windows whatever the extension (werkzeug CVE-2025-66221),
// and with spaces before it (`aux .txt` is AUX too); COM¹–³ and LPT¹–³ are devices as well.
const DEVICE = /^(?:con|prn|aux|nul|com[\d¹²³]|lpt[\d¹²³]|conin\$|conout\$) *(?:\..*)?$/i;

/**
 * Splits a decoded `PATH_INFO` into the segments of a file path under a root, or says why
 * not. The path is taken as decoded once (by the server), and never decoded again: a `%2e%2e`
 * left in it names a file called `%2e%2e`. Refused: NUL, backslashes, `..` and `.` segments,
 * drive letters (`C:`) and anything else with a colon, and on Windows device names and
 * segments ending in a dot or a space (which Windows drops, making another name); a segment
 * starting with `.` marks it `dotfile`. Empty segments (`//`) are dropped, so no UNC form survives.
 * @example safeSegments('/css/site.css') // { segments: ['css', 'site.css'], dotfile: false }
 */
export function safeSegments(pathInfo: string): SafePath | 'malformed' {
  if (pathInfo.includes('\0') || pathInfo.includes('\\')) return 'malformed';
  const segments: string[] = [];
  let dotfile = false;
  for (const segment of pathInfo.split('/')) {
    if (segment === '') continue;
    if (segment === '.' || segment === '..' || segment.includes(':')) return 'malformed';
    // Windows drops a trailing dot or space (`NUL ` is the device, `a.txt.` is `a.txt`)
    if (process.platform === 'win32' && (DEVICE.test(segment) || /[<>"|?*]|[. ]$/.test(segment)))
      return 'malformed';
    if (segment.startsWith('.')) dotfile = true;
    segments.push(segment);
  }
  return { segments, dotfile };
}

/** True when `path` is `root` or lies inside it (a segment boundary, not a string prefix: CVE-2026-34785). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}
