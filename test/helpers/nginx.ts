// A real nginx (Debian's) for a test: unprivileged, with its config, pid, logs and temp files in
// a temp folder of its own.   const nginx = await startNginx(conf); … await nginx.close();
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForPort } from './ports.js';

export const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  readonly dir: string;
  /** Its error log so far, for a failing test's message. */
  errors(): string;
  close(): Promise<void>;
}

/** Whether nginx is installed; with CI=true a missing one fails the suite instead of skipping. */
export function hasNginx(): boolean {
  try {
    execFileSync(NGINX, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true')
      throw new Error(`${NGINX} is not installed, and CI=true: a missing service fails`);
    return false;
  }
}

/**
 * Starts nginx in the foreground with `httpConf` (upstream and server blocks) inside an http
 * block of a main config written here, listening on `port`. As root it runs as `nobody`: its
 * workers could not read a private temp folder otherwise, and a test needs no privilege.
 */
export async function startNginx(httpConf: string, port: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-nginx-'));
  const main = `
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/site.conf;
}
`;
  writeFileSync(join(dir, 'nginx.conf'), main);
  writeFileSync(join(dir, 'site.conf'), httpConf);
  const root = process.getuid?.() === 0;
  if (root) {
    chownSync(dir, 65534, 65534);
    for (const file of ['nginx.conf', 'site.conf']) chownSync(join(dir, file), 65534, 65534);
  }
  chmodSync(dir, 0o700);
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(root ? { uid: 65534, gid: 65534 } : {}),
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const errors = () => {
    try {
      return stderr + readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return stderr;
    }
  };
  try {
    // nginx writes its pid file once it holds its listening sockets: a port that accepts
    // before then is another process's
    const pidFile = join(dir, 'nginx.pid');
    const deadline = Date.now() + 10_000;
    while (!existsSync(pidFile)) {
      if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('nginx wrote no pid file within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await waitForPort(port, child, 'nginx');
  } catch (error) {
    child.kill('SIGKILL');
    const message = `nginx did not start: ${(error as Error).message}\n${errors()}`;
    rmSync(dir, { recursive: true, force: true });
    throw new Error(message);
  }
  return {
    dir,
    errors,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGQUIT'); // graceful: workers finish, then the master exits
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
