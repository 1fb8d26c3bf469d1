import { Worker } from 'node:worker_threads';

// The watchdog runs on its own thread, so it still runs when the worker's event loop is blocked.
// It reads what the main thread left in shared memory (a heartbeat time and the request that
// started last) and, once the loop has been stuck for `timeout`, pauses the main thread through
// the inspector (a session on the main thread: no port is opened) to read its JavaScript stack,
// then writes one JSON line to the report fd, where the primary reads it, logs it and kills the
// worker. Plain JavaScript evaluated from a string: no file to locate in the build or under tsx.
const THREAD = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const inspector = require('node:inspector');
const { sab, timeout, interval, fd } = workerData;
const times = new Float64Array(sab, 0, 2);
const counts = new Int32Array(sab, 16, 2);
const bytes = new Uint8Array(sab, 24);
let reported = false;
function stack(deadline, done) {
  let finished = false;
  const finish = (frames) => { if (!finished) { finished = true; done(frames); } };
  setTimeout(() => finish(undefined), deadline);
  try {
    const session = new inspector.Session();
    session.connectToMainThread();
    const urls = new Map();
    session.on('Debugger.scriptParsed', ({ params }) => urls.set(params.scriptId, params.url));
    session.on('Debugger.paused', ({ params }) => finish(params.callFrames.slice(0, 20).map((f) =>
      (f.functionName || '<anonymous>') + ' (' + (urls.get(f.location.scriptId) || f.url || '?') + ':' +
      (f.location.lineNumber + 1) + ':' + (f.location.columnNumber + 1) + ')')));
    session.post('Debugger.enable', () => session.post('Debugger.pause'));
  } catch { finish(undefined); }
}
setInterval(() => {
  const now = Date.now();
  const blockedMs = now - times[0];
  if (reported || blockedMs < timeout) return;
  reported = true;
  const report = { blockedMs, inFlight: counts[1] };
  if (counts[1] > 0 && counts[0] > 0) {
    const [method, ...path] = Buffer.from(bytes.slice(0, counts[0])).toString('utf8').split(' ');
    report.request = { method, path: path.join(' '), ms: now - times[1] };
  }
  // the worker is stuck anyway: up to 2 s for the stack (Debugger.enable lists every script first)
  stack(2000, (frames) => {
    if (frames) report.stack = frames;
    try { writeSync(fd, JSON.stringify(report) + '\\n'); } catch {}
  });
}, interval);
`;

const PAYLOAD = 1024;

/** The main thread's side of the watchdog: a heartbeat, and the request that started last. */
export class Watchdog {
  private readonly times: Float64Array;
  private readonly counts: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly encoder = new TextEncoder();

  constructor(timeout: number, interval: number, fd: number) {
    const sab = new SharedArrayBuffer(24 + PAYLOAD);
    this.times = new Float64Array(sab, 0, 2);
    this.counts = new Int32Array(sab, 16, 2);
    this.bytes = new Uint8Array(sab, 24);
    this.beat();
    const thread = new Worker(THREAD, { eval: true, workerData: { sab, timeout, interval, fd } });
    thread.unref();
    setInterval(() => this.beat(), interval).unref();
  }

  private beat(): void {
    this.times[0] = Date.now();
  }

  /** Records a request as the one running now (the last started is the one a blocked loop is most likely in). */
  started(method: string, path: string): void {
    const { written } = this.encoder.encodeInto(`${method} ${path}`, this.bytes);
    this.counts[0] = written;
    this.counts[1] = (this.counts[1] as number) + 1;
    this.times[1] = Date.now();
  }

  /** A request ended. */
  done(): void {
    this.counts[1] = Math.max(0, (this.counts[1] as number) - 1);
  }
}
