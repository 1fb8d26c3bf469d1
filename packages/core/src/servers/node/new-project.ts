// `tsgi new <folder>`: writes a starter project from packages/core/templates/starter (shipped in
// the package, so it works from an installed @tsgi/core as `npx -p @tsgi/core tsgi new my-site`).
// Its package.json is written here, not templated, to pin the versions this @tsgi/core came with.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What {@link newProject} writes, besides the template's files. */
export interface NewProjectOptions {
  /** The package name in package.json and the README. Default: the folder's name. */
  name?: string;
}

/** What {@link newProject} did: the folder and every file it wrote, relative to it, sorted. */
export interface NewProject {
  readonly folder: string;
  readonly name: string;
  readonly files: readonly string[];
}

// npm's rule for a new package name: lower case, URL-safe, at most 214 characters, optional @scope/
const PACKAGE_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** Files stored under another name in the template: npm never packs a `.gitignore`. */
const RENAMED: Readonly<Record<string, string>> = { gitignore: '.gitignore' };

/**
 * Writes a starter project into `folder` (created; it must be missing or empty): package.json
 * depending on @tsgi/core, @tsgi/router and @tsgi/middleware at this package's version,
 * tsconfig.json, `src/app.ts` (a router with a page and a JSON route, sessions; `npm start` serves
 * it with the `tsgi` CLI), a test with `request()`, a README. Throws a TypeError naming the problem for a bad name or a
 * folder in use.
 * @example const project = newProject('my-site'); // then: cd my-site && npm install && npm start
 */
export function newProject(folder: string, options: NewProjectOptions = {}): NewProject {
  const target = resolve(folder);
  const name = options.name ?? basename(target);
  if (name.length > 214 || !PACKAGE_NAME.test(name)) {
    throw new TypeError(
      `"${name}" is not a valid npm package name (lower case letters, digits, - . _ ~, at most 214 characters): ` +
        'pick another folder name',
    );
  }
  if (existsSync(target) && !statSync(target).isDirectory()) {
    throw new TypeError(`${folder} exists and is not a folder: tsgi new writes only into a new folder`);
  }
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new TypeError(`${folder} already exists and is not empty: tsgi new writes only into a new folder`);
  }
  const core = corePackage();
  const written: string[] = [];
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    writeFileSync(join(target, file), text, { flag: 'wx' });
    written.push(file);
  };
  write('package.json', `${JSON.stringify(starterPackageJson(name, core.version), null, 2)}\n`);
  const template = join(core.root, 'templates', 'starter');
  for (const file of filesUnder(template)) {
    const text = readFileSync(join(template, file), 'utf8').replaceAll('{{name}}', name);
    const base = basename(file);
    write(join(dirname(file), RENAMED[base] ?? base), text);
  }
  return { folder: target, name, files: written.sort() };
}

/**
 * The starter's package.json. The three packages release together at one version: this one's.
 * @example starterPackageJson('my-site', '0.1.0').dependencies['@tsgi/router']; // '0.1.0'
 */
export function starterPackageJson(name: string, version: string) {
  return {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20.19' },
    scripts: {
      start: 'tsgi serve src/app.ts',
      dev: 'tsgi serve src/app.ts --dev',
      test: 'node --import tsx --test --test-reporter=spec test/*.test.ts',
      typecheck: 'tsc',
    },
    dependencies: {
      '@tsgi/core': version,
      '@tsgi/middleware': version,
      '@tsgi/router': version,
      tsx: '^4.8.1',
    },
    devDependencies: {
      '@types/node': '^20.19.0',
      typescript: '^7.0.2',
    },
    // npm 11 lists every dependency's install script it skipped; esbuild's (under tsx) only
    // re-checks the binary npm installed already. Declined here, so `npm install` stays quiet.
    allowScripts: { esbuild: false },
  };
}

/** What `tsgi new --help` prints. */
export const NEW_HELP = `Usage: tsgi new <folder>

Writes a starter project into <folder> (a new or empty one): a router with a page and a JSON
route, sessions, a test with request(), a README. Then: cd <folder> && npm install && npm start
`;

/**
 * The `tsgi new` command: writes the project, returns what to print. A TypeError for bad arguments.
 * @example process.stdout.write(newCommand(['my-site']));
 */
export function newCommand(argv: readonly string[]): string {
  if (argv.includes('-h') || argv.includes('--help')) return NEW_HELP;
  const [folder, ...extra] = argv;
  if (folder === undefined || folder === '' || folder.startsWith('-') || extra.length > 0) {
    throw new TypeError('tsgi new takes one argument, the folder to create: tsgi new my-site');
  }
  const project = newProject(folder);
  const shown = relative(process.cwd(), project.folder) || '.';
  return (
    `Wrote ${project.name} in ${shown}: ${project.files.join(', ')}\n\n` +
    `Next:\n  cd ${shown}\n  npm install\n  npm start    # http://127.0.0.1:8000\n  npm test\n`
  );
}

/** @tsgi/core's folder and version: found from this file, in src/ or bundled into dist/. */
function corePackage(): { root: string; version: string } {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (name === '@tsgi/core' && version !== undefined) return { root: folder, version };
    }
    const up = dirname(folder);
    if (up === folder) throw new Error('tsgi new: cannot find the @tsgi/core package this file belongs to');
    folder = up;
  }
}

/** Every file under `folder`, as paths relative to it. */
function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)));
}
