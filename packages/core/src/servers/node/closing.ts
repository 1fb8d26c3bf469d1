import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The most request-body bytes the server reads after a response only to keep the connection:
 * node:http would read an unread body to its end, however large, before the next request.
 */
export const DRAIN_LIMIT = 64 * 1024;

/** Milliseconds a closing connection keeps reading (and discarding) what the client still sends. */
export const LINGER_TIME = 2000;
/**
 * The most bytes a closing connection reads in that time: enough for a client that sends a large
 * upload whole before it reads (it must still see its 413), not the gigabytes a fast link carries.
 */
export const LINGER_BYTES = 64 * 1024 * 1024;
/** Milliseconds between the checks of LINGER_BYTES. */
const LINGER_CHECK = 10;

// Sockets in their lingering close.
const closing = new WeakSet<Socket>();
// Sockets whose last response has begun: what node:http still parses from them is not a request.
const ending = new WeakSet<Socket>();
// Requests whose body went over a size limit: the rest of it is not read for the connection's sake.
const overLimit = new WeakSet<IncomingMessage>();

/** Marks a request whose body went over a limit (its 413 closes the connection). */
export function markOverLimit(req: IncomingMessage): void {
  overLimit.add(req);
}

/**
 * True once the connection is closing: what the client sends now is read only to be dropped.
 * node:http goes on parsing, and emits a request pipelined behind a response that said
 * `Connection: close`; its app must not run (it could still act, a POST, say).
 */
export function isClosing(socket: Socket): boolean {
  return ending.has(socket) || closing.has(socket);
}

/** Call after a head went out: one that said `Connection: close` ends its connection. */
export function noteLastResponse(res: ServerResponse): void {
  if (!res.shouldKeepAlive && res.socket !== null) ending.add(res.socket);
}

/**
 * Makes node:http close `socket` lingeringly when a response says `Connection: close`, as
 * Apache and nginx do. node would destroy the socket once the response is written; with bytes
 * of the client's still unread, the kernel answers them with a reset, and a client busy
 * sending its body (a 413 for a large upload) loses the response it had not read yet.
 */
export function closeLingeringly(socket: Socket): void {
  // destroySoon is what node:http calls after the last response of a connection
  (socket as Socket & { destroySoon(): void }).destroySoon = () => linger(socket);
}

/**
 * Half-closes (the response is all there is), reads and discards what still comes for at most
 * LINGER_TIME and LINGER_BYTES, then closes. The client, seeing the end, closes too, usually much sooner.
 */
export function linger(socket: Socket): void {
  if (socket.destroyed || closing.has(socket)) return;
  closing.add(socket);
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_TIME);
  timer.unref();
  watchBytes(socket);
  socket.once('close', () => {
    clearTimeout(timer);
    unwatchBytes(socket);
  });
  // node:http's parser goes on reading (and dropping) the body; with nobody parsing, read here
  if (socket.listenerCount('data') === 0) socket.on('data', () => {});
  socket.resume();
}

// Lingering sockets and the bytesRead at which each is cut. node:http's parser takes a plain
// socket's bytes in C++ (no 'data' event to count them by), so one timer checks them all.
const lingering = new Map<Socket, number>();
let checker: NodeJS.Timeout | undefined;

function watchBytes(socket: Socket): void {
  lingering.set(socket, socket.bytesRead + LINGER_BYTES);
  checker ??= setInterval(() => {
    for (const [each, limit] of lingering) if (each.bytesRead > limit) each.destroy();
  }, LINGER_CHECK).unref();
}

function unwatchBytes(socket: Socket): void {
  lingering.delete(socket);
  if (lingering.size === 0 && checker !== undefined) {
    clearInterval(checker);
    checker = undefined;
  }
}

/**
 * Before the head goes out: decides whether the connection outlives this response. A body that
 * is still arriving and larger than DRAIN_LIMIT is not read to its end for the sake of the
 * connection, and the last request `maxRequestsPerSocket` allows ends it: node:http says
 * `Connection: close` then, yet keeps the connection open and answers what follows with 503.
 * `bodyLength`: the request's Content-Length, -1 when chunked, 0 without a body.
 */
export function decideKeepAlive(req: IncomingMessage, res: ServerResponse, bodyLength: number): void {
  if ((res as ServerResponse & { maxRequestsOnConnectionReached?: boolean }).maxRequestsOnConnectionReached) {
    res.shouldKeepAlive = false;
  } else if (bodyLength !== 0 && (bodyLength > DRAIN_LIMIT || overLimit.has(req)) && !req.complete) {
    res.shouldKeepAlive = false;
  }
}

/**
 * As the response ends, with the request's body not all read: the rest is read and dropped to
 * keep the connection, up to DRAIN_LIMIT bytes (a chunked body, whose length the head could not
 * know, included); past that, or after a body over a limit, the connection closes lingeringly
 * once the response is out. Called before `res.end()`: node:http then leaves the body to us.
 */
export function drainOrClose(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  if (req.complete || socket.destroyed || closing.has(socket)) return;
  const close = () => {
    req.off('data', count);
    if (res.writableFinished) linger(socket);
    else res.once('finish', () => linger(socket));
  };
  let budget = DRAIN_LIMIT;
  const count = (chunk: Buffer) => {
    budget -= chunk.byteLength;
    if (budget < 0) close();
  };
  const stop = () => {
    req.off('data', count);
    req.off('end', stop);
  };
  // a reader that stopped may have paused the body, and a paused body is never read to its end
  req.on('data', discard);
  req.resume();
  // when the head said Connection: close, node:http ends the connection itself (destroySoon)
  if (!res.shouldKeepAlive) return;
  if (overLimit.has(req)) {
    close(); // it went over a limit after the head said keep-alive
    return;
  }
  req.on('data', count);
  req.once('end', stop);
}

function discard(): void {}
