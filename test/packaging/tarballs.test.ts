// The packages as a user gets them: packed (npm run pack), installed from the tarballs into fresh
// projects in a temporary folder outside this repository (no workspace links, none of the repo's
// node_modules), then type-checked, run and tested there. This is the test that catches a file
// missing from `files`, a wrong `exports` or `types` path, or a dependency only the workspace had.
// About 30-60 s: two `npm install`s (from npm's cache when it is warm) and a build.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(REPO, 'node_modules/.bin/tsc');
const run = promisify(execFile);

/** The environment of a user's shell: none of the npm_* settings `npm test` passes down. */
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^(npm_|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$)/i.test(key)),
);

/** Runs a command in `cwd`; resolves with its output, rejects with it (and the command) on failure. */
async function sh(cwd: string, command: string, args: string[], timeout = 120_000) {
  try {
    return await run(command, args, { cwd, env: userEnv, timeout, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`, { cause: error });
  }
}

/** npm install, tried once more after a failure: what the registry is asked (from the cache when warm) can hiccup. */
async function npmInstall(cwd: string, specs: string[]) {
  const install = () =>
    sh(cwd, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], 180_000);
  try {
    return await install();
  } catch {
    return await install();
  }
}

let work: string;
let tarballs: string[];
let app: string;
let site: string;
let made: { dependencies: Record<string, string> };
let newSaid: string;
const version: string = JSON.parse(readFileSync(join(REPO, 'packages/core/package.json'), 'utf8')).version;

const HELLO = `import { type App, serve } from '@tsgi/core';
import { request } from '@tsgi/core/testing';
import { compose, etag } from '@tsgi/middleware';
import { getSession, session } from '@tsgi/middleware/session';
import { router } from '@tsgi/router';

const hello: App = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
  return [\`Hello from \${environ.PATH_INFO}\\n\`];
};
const app = compose(etag())(router().get('/hello', hello));

// the declarations are real types, not any: each misuse below is an error
export function misuses(): void {
  // @ts-expect-error a route pattern is a string
  router().get(42, hello);
  // @ts-expect-error session() needs its keys
  session({});
  // @ts-expect-error getSession() takes an environ
  getSession('environ');
}

const server = await serve(app, { port: 0 });
const response = await fetch(new URL('/hello', server.url));
console.log(response.status, JSON.stringify(await response.text()), response.headers.has('etag'));
await server.close();
console.log((await request(app, { url: '/nowhere' })).status);
`;

const SITE = `import type { App } from '@tsgi/core';

const site: App = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
  return [\`site at \${environ.PATH_INFO}\\n\`];
};
export default site;
`;

// Every entry point, loaded by plain node (no TypeScript tooling): each subpath the exports list.
const IMPORTS = `import { readdirSync, readFileSync } from 'node:fs';
const names = ['@tsgi/core', '@tsgi/router', '@tsgi/middleware'];
const specifiers = [];
for (const name of names) {
  const folder = new URL('./node_modules/' + name + '/', import.meta.url);
  const { exports } = JSON.parse(readFileSync(new URL('package.json', folder), 'utf8'));
  for (const key of Object.keys(exports)) {
    if (key === './package.json') continue;
    if (!key.includes('*')) specifiers.push(key === '.' ? name : name + key.slice(1));
    else for (const file of readdirSync(new URL('dist/', folder))) {
      if (file.endsWith('.js') && !file.startsWith('chunk-') && file !== 'index.js') specifiers.push(name + '/' + file.slice(0, -3));
    }
  }
}
for (const specifier of specifiers) {
  const resolved = import.meta.resolve(specifier);
  if (!resolved.includes('/dist/')) throw new Error(specifier + ' resolved to ' + resolved + ', not to dist/');
  const module = await import(specifier);
  if (Object.keys(module).length === 0) throw new Error(specifier + ' exports nothing');
}
console.log(specifiers.length + ' entry points: ' + specifiers.join(' '));
`;

/** Packs, writes both projects and installs them, once; every test awaits it, so a failure fails each. */
let preparing: Promise<void> | undefined;
const prepared = () => {
  preparing ??= prepare();
  return preparing;
};

async function prepare(): Promise<void> {
  work = realpathSync(mkdtempSync(join(tmpdir(), 'tsgi-tarballs-')));
  const { stdout } = await sh(
    REPO,
    process.execPath,
    ['tools/packages/pack.mjs', join(work, 'tarballs')],
    180_000,
  );
  tarballs = stdout.trim().split('\n');

  app = join(work, 'app');
  await mkdir(join(app, 'src'), { recursive: true });
  writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true, "type": "module" }\n');
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        types: ['node'],
      },
      include: ['src'],
    }),
  );
  writeFileSync(join(app, 'src/hello.ts'), HELLO);
  writeFileSync(join(app, 'src/site.ts'), SITE);
  writeFileSync(join(app, 'imports.mjs'), IMPORTS);

  await npmInstall(app, [...tarballs, 'tsx@^4.8.1', '@types/node@^20.19.0']);

  // the starter, by the installed CLI, from the templates in the tarball
  site = join(work, 'my-site');
  newSaid = (await sh(work, join(app, 'node_modules/.bin/tsgi'), ['new', 'my-site'])).stdout;
  made = JSON.parse(readFileSync(join(site, 'package.json'), 'utf8'));
  // the starter's own dependencies as it lists them; ours from the tarballs, since npm has none yet
  await npmInstall(site, tarballs);
}

// the first test waits for the packing and installs
const SLOW = { timeout: 400_000 };

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed packages, installed in a project outside the repository', SLOW, () => {
  it('are three tarballs, installed as real folders with no link back here', async () => {
    await prepared();
    expect(work.startsWith(REPO)).toBe(false);
    expect(tarballs.map((file) => file.split(sep).pop())).toEqual([
      `tsgi-core-${version}.tgz`,
      `tsgi-router-${version}.tgz`,
      `tsgi-middleware-${version}.tgz`,
    ]);
    for (const name of ['core', 'router', 'middleware']) {
      const installed = join(app, 'node_modules/@tsgi', name);
      expect(lstatSync(installed).isSymbolicLink(), name).toBe(false);
      expect(readdirSync(installed).sort(), name).toEqual(
        [
          'LICENSE',
          'README.md',
          'dist',
          'package.json',
          'src',
          ...(name === 'core' ? ['bin', 'templates'] : []),
        ].sort(),
      );
    }
    await sh(app, 'npm', ['ls', '--all']); // fails on a missing or unmet (peer) dependency
  });

  it('type-check an app, and the examples of their READMEs, against their declarations (the project tsc)', async () => {
    await prepared();
    for (const name of ['core', 'router', 'middleware']) {
      // a README's blocks make one module: a later block may use what an earlier one defined
      const readme = readFileSync(join(app, 'node_modules/@tsgi', name, 'README.md'), 'utf8');
      const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
      expect(blocks.length, name).toBeGreaterThan(0);
      writeFileSync(join(app, `src/readme-${name}.ts`), blocks.join('\n'));
    }
    await sh(app, TSC, ['-p', 'tsconfig.json']);
  });

  it('load every entry point from dist/ with plain node', async () => {
    await prepared();
    const { stdout } = await sh(app, process.execPath, ['imports.mjs']);
    expect(stdout).toMatch(
      /^\d+ entry points: @tsgi\/core @tsgi\/core\/http @tsgi\/core\/testing @tsgi\/router /,
    );
    expect(stdout).toContain('@tsgi/middleware/session');
    expect(stdout).toContain('@tsgi/middleware/etag');
    expect(stdout).toContain('@tsgi/middleware/proxy');
    expect(stdout).toContain('@tsgi/middleware/static');
  });

  it('serve a hello app: serve() on port 0, fetched once; request() in process', async () => {
    await prepared();
    const { stdout } = await sh(app, process.execPath, ['--import', 'tsx', 'src/hello.ts']);
    expect(stdout).toBe('200 "Hello from /hello\\n" true\n404\n');
  });

  it('serve an app with the tsgi CLI (tsgi serve file.ts, through tsx)', async () => {
    await prepared();
    const cli = join(app, 'node_modules/.bin/tsgi');
    await serving(
      spawn(cli, ['serve', 'src/site.ts', '--port', '0'], { cwd: app, env: userEnv, detached: true }),
      async (url) => {
        const response = await fetch(new URL('/from/the/cli', url));
        expect(response.status).toBe(200);
        expect(await response.text()).toBe('site at /from/the/cli\n');
      },
    );
  });
});

describe('the starter (tsgi new, by the installed CLI), installed from the tarballs', SLOW, () => {
  it('was written from the tarball, depending on the three packages at its version', async () => {
    await prepared();
    expect(newSaid).toMatch(/^Wrote my-site in my-site: .*src\/app\.ts/);
    expect(made.dependencies).toMatchObject({
      '@tsgi/core': version,
      '@tsgi/router': version,
      '@tsgi/middleware': version,
    });
  });

  it('passes its own tests and type-check', async () => {
    await prepared();
    const { stdout } = await sh(site, 'npm', ['test']);
    expect(stdout).toMatch(/\bpass [1-9]/);
    expect(stdout).toMatch(/\bfail 0\b/);
    await sh(site, 'npm', ['run', 'typecheck']);
  });

  it('serves its page with npm start', async () => {
    await prepared();
    const child = spawn('npm', ['start'], { cwd: site, env: { ...userEnv, PORT: '0' }, detached: true });
    await serving(child, async (url) => {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('visit number 1.');
    });
  });
});

/** Waits for `child` (started detached) to serve, runs `check` on its URL, then stops it and its children. */
async function serving(child: ChildProcess, check: (url: string) => Promise<void>): Promise<void> {
  try {
    await check(await announced(child));
  } finally {
    process.kill(-(child.pid as number), 'SIGTERM'); // its process group: npm and the node it started
  }
}

/** The URL a starting server prints ("Serving on http://…"), within 30 s. */
function announced(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no "Serving on" within 30 s:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Serving on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before serving:\n${output}`));
    });
  });
}
