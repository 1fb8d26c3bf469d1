import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MAIN_HELP, parseServe, SERVE_HELP, type ServeCommand, UsageError } from './cli-options.js';
import { LoadError, loadApp, parseReference } from './load-app.js';
import { newCommand } from './new-project.js';
import { workerSettings } from './protocol.js';
import { watchFolder } from './reload.js';
import { type ServeOptions, serve } from './serve.js';
import { reportFatal } from './worker.js';
import { startCluster } from './workers.js';

/** The cluster gave up: the supervisor has logged why already. */
class GaveUp extends Error {}

/**
 * The `tsgi` command: `tsgi serve <file>[#export] [options]` (see `tsgi serve --help`), and
 * `tsgi new <folder>` (a starter project).
 * Prints a one-line error and exits non-zero on bad arguments or an app that fails to load.
 * @example await main(['serve', 'app.ts#api', '--workers', '4']);
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  try {
    await run(argv);
  } catch (error) {
    if (error instanceof GaveUp) process.exit(1);
    const message = error instanceof Error ? error.message : String(error);
    const first = message.split('\n', 1)[0];
    if (error instanceof UsageError) {
      process.stderr.write(`tsgi: ${first}\nSee tsgi --help.\n`);
      process.exit(2);
    }
    if (error instanceof LoadError) {
      process.stderr.write(`tsgi: cannot load the app: ${first}\n`);
      const cause = error.cause;
      if (cause instanceof Error && cause.stack) process.stderr.write(`${cause.stack}\n`);
    } else {
      // the server's own failure (listen EADDRINUSE, a bad key): its message says it all
      process.stderr.write(`tsgi: ${first}\n`);
    }
    process.exit(1);
  }
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(MAIN_HELP);
    process.exit(2);
  }
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(MAIN_HELP);
    return;
  }
  if (command === '-v' || command === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
    return;
  }
  if (command === 'new') {
    let said: string;
    try {
      said = newCommand(rest);
    } catch (error) {
      throw error instanceof TypeError ? new UsageError(error.message) : error;
    }
    process.stdout.write(said);
    return;
  }
  if (command !== 'serve') throw new UsageError(`unknown command "${command}"`);
  const parsed = parseServe(rest, process.env);
  if (parsed === 'help') {
    process.stdout.write(SERVE_HELP);
    return;
  }
  try {
    parseReference(parsed.app); // a bad #export is a usage error, found in the master before any fork
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await serveCommand(parsed);
}

async function serveCommand(command: ServeCommand): Promise<void> {
  const options: ServeOptions = {
    host: command.host,
    port: command.port,
    accessLog: command.accessLog,
    debug: command.dev,
    closeTimeout: command.gracefulTimeout,
    tls: command.tls,
  };
  const workers = command.workers ?? 1;
  if (workerSettings() !== undefined) {
    // a worker: only here is the app's code loaded
    let app: Awaited<ReturnType<typeof loadApp>>;
    try {
      app = await loadApp(command.app, process.cwd());
    } catch (error) {
      reportFatal(error);
      process.exit(1);
    }
    // a failure to listen was reported to the master, which logs it
    await serve(app, { ...options, workers }).catch(() => process.exit(1));
    return;
  }
  const supervised =
    command.workers !== undefined || command.reload || command.maxRequests > 0 || command.timeout > 0;
  if (!supervised) {
    // handled from the start: a signal while the app loads or binds also stops cleanly
    const stop = () => process.exit(0);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const app = await loadApp(command.app, process.cwd());
    const handle = await serve(app, options);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    const close = () => void handle.close().then(() => process.exit(0));
    process.once('SIGTERM', close);
    process.once('SIGINT', close);
    console.log(`Serving on ${handle.url}`);
    return;
  }
  let primary: Awaited<ReturnType<typeof startCluster>>;
  try {
    primary = await startCluster(
      {
        workers,
        maxRequests: command.maxRequests,
        maxRequestsJitter: command.maxRequestsJitter,
        timeout: command.timeout,
        shutdownTimeout: command.gracefulTimeout + 5000,
      },
      command.tls ? 'https' : 'http',
    );
  } catch {
    throw new GaveUp();
  }
  const mode = command.dev
    ? ' (dev: reloading on change, debug page on)'
    : command.reload
      ? ' (reloading on change)'
      : '';
  console.log(`Serving on ${primary.url} with ${workers} worker${workers === 1 ? '' : 's'}${mode}`);
  if (command.reload) {
    const folder = dirname(resolve(parseReference(command.app).file));
    watchFolder(folder, (file) => {
      console.error(`tsgi: ${file} changed; reloading`);
      void primary.reload();
    });
  }
  process.exit(await primary.done);
}
