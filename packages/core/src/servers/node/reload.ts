import { type FSWatcher, readdirSync, watch } from 'node:fs';
import { join } from 'node:path';

/** Folders never watched: dependencies, VCS data, build output. */
const IGNORED = new Set(['node_modules', '.git', 'dist', 'coverage', 'build']);
/** At most this many folders are watched (one inotify watch each). */
const MAX_FOLDERS = 2000;

/** `folder` and the folders under it, skipping {@link IGNORED} and hidden ones. */
function folders(root: string): string[] {
  const found = [root];
  for (let i = 0; i < found.length && found.length < MAX_FOLDERS; i++) {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(found[i] as string, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !IGNORED.has(entry.name) && !entry.name.startsWith('.')) {
        found.push(join(found[i] as string, entry.name));
      }
    }
  }
  return found.slice(0, MAX_FOLDERS);
}

/**
 * Calls `onChange` (debounced) when a file in `root` or a folder under it changes: what
 * `tsgi serve --reload` restarts the workers on. One plain watch per folder, taken at start,
 * rather than a recursive watch: node 20 implements that on Linux by walking and watching the
 * whole tree, node_modules included. A folder created later is not watched.
 * @example const stop = watchFolder(dirname(appFile), () => primary.reload());
 */
export function watchFolder(root: string, onChange: (file: string) => void, debounce = 100): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const folder of folders(root)) {
    try {
      const watcher = watch(folder, (_event, file) => {
        if (file === null) return;
        clearTimeout(timer);
        timer = setTimeout(() => onChange(join(folder, file)), debounce);
      });
      watcher.unref();
      watchers.push(watcher);
    } catch {
      // a folder gone meanwhile, or no permission: not watched
    }
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
