// `tsgi new`: the starter's files, its pinned versions, and the folders and names it refuses.
// (That the starter installs from the tarballs, passes its own tests and serves: tarballs.test.ts.)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NEW_HELP, newCommand, newProject } from '../../packages/core/src/servers/node/new-project.js';

const manifest = (folder: string) =>
  JSON.parse(readFileSync(new URL(`../../packages/${folder}/package.json`, import.meta.url), 'utf8'));

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'tsgi-new-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

describe('newProject', () => {
  it('writes the package.json, tsconfig, app, server, test, README and .gitignore', () => {
    const project = newProject(join(scratch, 'my-site'));
    expect(project.name).toBe('my-site');
    expect(project.files).toEqual([
      '.gitignore',
      'README.md',
      'package.json',
      'src/app.ts',
      'test/app.test.ts',
      'tsconfig.json',
    ]);
    expect(readFileSync(join(scratch, 'my-site/README.md'), 'utf8')).toMatch(/^# my-site\n/);
    expect(readFileSync(join(scratch, 'my-site/.gitignore'), 'utf8')).toContain('node_modules/');
    const app = readFileSync(join(scratch, 'my-site/src/app.ts'), 'utf8');
    expect(app).toContain("from '@tsgi/router'");
    expect(app).toContain("from '@tsgi/middleware/session'");
  });

  it('depends on the three packages at the version it was made from', () => {
    newProject(join(scratch, 'site'));
    const pkg = JSON.parse(readFileSync(join(scratch, 'site/package.json'), 'utf8'));
    const { version } = manifest('core');
    expect(pkg).toMatchObject({ name: 'site', private: true, type: 'module' });
    expect(pkg.dependencies).toMatchObject({
      '@tsgi/core': version,
      '@tsgi/router': version,
      '@tsgi/middleware': version,
    });
    expect(pkg.scripts).toMatchObject({ start: expect.any(String), test: expect.any(String) });
  });

  it('writes into an empty folder, and refuses one with anything in it', () => {
    mkdirSync(join(scratch, 'empty'));
    expect(newProject(join(scratch, 'empty')).files).toContain('package.json');
    mkdirSync(join(scratch, 'used'));
    writeFileSync(join(scratch, 'used/notes.txt'), 'mine');
    expect(() => newProject(join(scratch, 'used'))).toThrow(TypeError);
    expect(() => newProject(join(scratch, 'used'))).toThrow(/already exists and is not empty/);
    expect(readFileSync(join(scratch, 'used/notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses a file where the folder would go, with a TypeError naming it', () => {
    writeFileSync(join(scratch, 'a-file'), 'mine');
    expect(() => newProject(join(scratch, 'a-file'))).toThrow(TypeError);
    expect(() => newProject(join(scratch, 'a-file'))).toThrow(/a-file exists and is not a folder/);
    expect(readFileSync(join(scratch, 'a-file'), 'utf8')).toBe('mine');
  });

  it('refuses a folder name npm would refuse as a package name, or takes a name given', () => {
    for (const bad of ['My Site', '.hidden', 'a/b', `x${'y'.repeat(214)}`]) {
      expect(() => newProject(join(scratch, 'ok'), { name: bad }), bad).toThrow(
        /not a valid npm package name/,
      );
    }
    expect(() => newProject(join(scratch, 'Caps'))).toThrow(/"Caps" is not a valid npm package name/);
    expect(newProject(join(scratch, 'Caps'), { name: '@me/caps' }).name).toBe('@me/caps');
  });
});

describe('newCommand (tsgi new)', () => {
  it('wants exactly one folder, and prints its help on --help', () => {
    expect(() => newCommand([])).toThrow(/one argument, the folder/);
    expect(() => newCommand([''])).toThrow(/one argument, the folder/);
    expect(() => newCommand(['a', 'b'])).toThrow(/one argument, the folder/);
    expect(() => newCommand(['--force'])).toThrow(/one argument, the folder/);
    expect(newCommand(['--help'])).toBe(NEW_HELP);
  });

  it('says what it wrote and what to run next', () => {
    const said = newCommand([join(scratch, 'blog')]);
    expect(said).toContain('Wrote blog in');
    expect(said).toMatch(/npm install\n {2}npm start/);
  });
});

describe('the three packages release together', () => {
  it('at one version, router and middleware wanting exactly that @tsgi/core', () => {
    const [core, router, middleware] = ['core', 'router', 'middleware'].map(manifest);
    expect(router.version).toBe(core.version);
    expect(middleware.version).toBe(core.version);
    expect(router.peerDependencies['@tsgi/core']).toBe(core.version);
    expect(middleware.peerDependencies['@tsgi/core']).toBe(core.version);
  });
});
