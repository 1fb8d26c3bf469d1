import { type FSWatcher, watch } from 'node:fs';

const IGNORED = /(^|[\\/])(node_modules|\.git|dist|coverage)([\\/]|$)/;

/**
 * Calls `onChange` (debounced) when a file under `folder` changes, except in node_modules, .git
 * and build output: what `tsgi serve --reload` restarts the workers on.
 * @example const watcher = watchFolder(dirname(appFile), () => primary.reload());
 */
export function watchFolder(folder: string, onChange: (file: string) => void, debounce = 100): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  let changed = '';
  const watcher = watch(folder, { recursive: true }, (_event, file) => {
    if (file === null || IGNORED.test(file)) return;
    changed = file;
    clearTimeout(timer);
    timer = setTimeout(() => onChange(changed), debounce);
  });
  watcher.unref();
  return watcher;
}
