import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PrimaryMessage, WorkerMessage, WorkerSettings } from './protocol.js';
import type { ServerHandle } from './serve.js';
import { Watchdog } from './watchdog.js';

function tell(message: WorkerMessage): void {
  // the primary may be gone (it was killed): the 'disconnect' handler stops this worker
  if (process.connected) process.send?.(message);
}

/**
 * Runs a listening server as one worker of a tsgi cluster: tells the primary it is ready,
 * beats, counts requests for `maxRequests`, feeds the watchdog, and stops gracefully when the
 * primary says so (or goes away, or a signal reaches the whole process group, as Ctrl-C does).
 */
export function runWorker(handle: ServerHandle, settings: WorkerSettings): void {
  const { server } = handle;
  const watchdog =
    settings.timeout > 0 ? new Watchdog(settings.timeout, settings.heartbeat, settings.reportFd) : undefined;
  let requests = 0;
  let asked = false;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    // the first tells the primary this worker serves: an exit from now on is no start-up failure
    if (requests++ === 0) tell({ tsgi: 'serving' });
    if (settings.maxRequests > 0 && requests >= settings.maxRequests && !asked) {
      asked = true;
      tell({ tsgi: 'recycle', requests });
    }
    if (watchdog !== undefined) {
      watchdog.started(req.method ?? '', (req.url ?? '').split('?', 1)[0] as string);
      res.once('close', () => watchdog.done());
    }
  };
  // before the app's listener: what the watchdog holds must be in place when the app blocks
  server.prependListener('request', onRequest);
  server.prependListener('checkContinue', onRequest);

  const beat = setInterval(() => tell({ tsgi: 'beat' }), settings.heartbeat);
  beat.unref();

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    handle.close().then(leave, () => process.exit(1));
  };
  process.on('message', (message: PrimaryMessage) => {
    if (message?.tsgi === 'stop') stop();
    else if (message?.tsgi === 'exit') process.exit(0);
  });
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // SIGHUP, SIGTTIN and SIGTTOU are the primary's: a terminal's hangup must not kill workers
  for (const signal of ['SIGHUP', 'SIGTTIN', 'SIGTTOU'] as const) process.on(signal, () => {});
  tell({ tsgi: 'ready', host: handle.host, port: handle.port });
}

/**
 * Exits once the primary has seen this worker's server close. With round-robin scheduling the
 * primary hands each connection over IPC and holds it until the worker answers: one handed over
 * just as the worker exits would be held, unanswered, forever. The server's close reached the
 * primary before `closed` (one ordered channel), so when its `exit` comes back every hand-over
 * sent before has arrived here, and was declined, which makes the primary pass it to another.
 */
function leave(): void {
  if (!process.connected) process.exit(0);
  tell({ tsgi: 'closed' });
  setTimeout(() => process.exit(0), 2000).unref();
}

/** Tells the primary why this worker cannot start (it then backs off, or gives up). */
export function reportFatal(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  tell({ tsgi: 'fatal', message: message.split('\n', 1)[0] as string });
}
