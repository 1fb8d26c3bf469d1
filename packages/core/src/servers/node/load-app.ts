import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App } from '../../types.js';

/** Why an app could not be loaded: its message is the one line the CLI prints. */
export class LoadError extends Error {
  override name = 'LoadError';
}

/** `file.ts#name`: the file, and the export (`default` when there is no `#`). */
export interface AppReference {
  readonly file: string;
  readonly exportName: string;
}

/** Splits `file[#export]` at its last `#`. */
export function parseReference(reference: string): AppReference {
  const hash = reference.lastIndexOf('#');
  if (hash === -1) return { file: reference, exportName: 'default' };
  const exportName = reference.slice(hash + 1);
  if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new LoadError(`"${exportName}" after # is not an export name`);
  }
  return { file: reference.slice(0, hash), exportName };
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
/** Set by bin/tsgi.js when it runs the sources through tsx already. */
const TSX_LOADED = Symbol.for('tsgi.tsx-loaded');

/** Registers tsx, the optional peer dependency that loads `.ts` apps, once. */
async function loadTsx(file: string): Promise<void> {
  const flags = globalThis as { [TSX_LOADED]?: boolean };
  if (flags[TSX_LOADED]) return;
  let api: { register(): unknown };
  try {
    api = (await import('tsx/esm/api')) as { register(): unknown };
  } catch {
    throw new LoadError(`${file} is TypeScript, which needs tsx: npm install --save-dev tsx`);
  }
  api.register();
  // and for require(): a .ts file outside a "type": "module" package is CommonJS to node
  const cjs = (await import('tsx/cjs/api')) as { register(): unknown };
  cjs.register();
  flags[TSX_LOADED] = true;
}

/**
 * Imports a `.js`/`.mjs` file, or a `.ts` one through tsx, and returns its app export. A
 * missing file, a missing export or an export that is not an app is a {@link LoadError}.
 * @example const app = await loadApp('app.ts#api', process.cwd());
 */
export async function loadApp(reference: string, cwd: string): Promise<App> {
  const { file, exportName } = parseReference(reference);
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new LoadError(`no such file: ${file}`);
  if (TYPESCRIPT.has(extname(path))) await loadTsx(file);
  let imported: Record<string, unknown>;
  try {
    imported = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    // the app's own error (a syntax error, a throw at import): its first line, its stack as the cause
    const message = error instanceof Error ? error.message : String(error);
    throw new LoadError(message.split('\n', 1)[0] as string, { cause: error });
  }
  const module = namespace(imported);
  // own exports only: a CommonJS module's exports object inherits constructor, toString…
  if (!Object.hasOwn(module, exportName)) {
    const names = Object.keys(module).sort();
    const has = names.length > 0 ? `it exports ${names.join(', ')}` : 'it exports nothing';
    throw new LoadError(
      `${file} has no ${exportName === 'default' ? 'default export' : `export "${exportName}"`}; ${has}`,
    );
  }
  const value = module[exportName];
  const what = exportName === 'default' ? `the default export of ${file}` : `${file}#${exportName}`;
  const problem = notAnApp(value);
  if (problem !== undefined) throw new LoadError(`${what} is ${problem}`);
  return value as App;
}

/**
 * The exports of a module: for a `.ts` file that node ran as CommonJS (outside a
 * `"type": "module"` package), tsx's `exports` object, which import() hands over as `default`.
 */
function namespace(module: Record<string, unknown>): Record<string, unknown> {
  const inner = module.default as Record<string, unknown> | undefined;
  if (typeof inner === 'object' && inner !== null && inner.__esModule === true) {
    const { __esModule: _, ...exports } = inner;
    return exports;
  }
  return module;
}

/** What a value is instead of an app, or undefined when it is one (a function of two arguments). */
function notAnApp(value: unknown): string | undefined {
  if (typeof value === 'function') {
    if (/^class[\s{]/.test(Function.prototype.toString.call(value))) {
      return `a class (${value.name || 'anonymous'}), not an app: export fromClass(${value.name || 'TheClass'})`;
    }
    return undefined;
  }
  if (value === null || value === undefined)
    return `${value}, not an app (a function (environ, startResponse))`;
  if (typeof value !== 'object') return `a ${typeof value}, not an app (a function (environ, startResponse))`;
  if (value instanceof Promise) return 'a Promise, not an app: export the app itself';
  if (typeof (value as { fetch?: unknown }).fetch === 'function') {
    return 'an object with a fetch() method, not an app: export fromFetch(app.fetch)';
  }
  const name = (value as object).constructor?.name ?? 'Object';
  const keys = Object.keys(value).slice(0, 5);
  return `an object (${name}${keys.length > 0 ? ` with ${keys.join(', ')}` : ''}), not an app (a function (environ, startResponse))`;
}
