import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { isClosing, linger } from './closing.js';

/** The status for each request node:http's parser refuses; 400 for the rest. */
const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  // a version the parser knows no framing for (HTTP/1.2, 3.0): 505, as for 2.0 (see serve.ts)
  HPE_INVALID_VERSION: 505,
};

/**
 * The server's `clientError` handler: a request node:http could not parse (malformed, too large
 * a head, too slow) gets a bare status and the connection closes, as node's own handler does,
 * with two changes: 505 for an unknown HTTP version, and a lingering close instead of a
 * destroy, so that a client still sending (a header of many kilobytes) sees its 431.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (isClosing(socket)) return; // the parser goes on failing on what it still reads
  const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent: boolean } })._httpMessage;
  // never a second head in the middle of a response that has begun
  if (socket.writable && !inFlight?.headersSent && error.code !== 'ECONNRESET') {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    // a client too slow for its timeout gets no more time
    if (status !== 408) {
      linger(socket);
      return;
    }
  }
  socket.destroy();
}
