/**
 * A plain client for the instruction count: one keep-alive connection, one request at a time.
 * Sequential on purpose: with several requests in flight, how many a server reads per wake-up
 * depends on timing, and so would its count; one at a time, every request costs the same work.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { LoadRequest } from './load.js';

/** A keep-alive connection to one server that sends the same request over and over. */
export interface SequentialClient {
  /** Sends the request `count` times, one after the other; rejects on the first wrong answer. */
  send(count: number): Promise<void>;
  close(): void;
}

/**
 * Opens a client for `request` on 127.0.0.1:`port`; every answer must be 200 with body `expected`.
 * @example const client = sequentialClient(port, { method: 'GET', path: '/' }, 'Hello World!');
 */
export function sequentialClient(port: number, request: LoadRequest, expected: string): SequentialClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const body = request.bodyBytes ? Buffer.alloc(request.bodyBytes, 'x') : undefined;
  const headers = {
    ...(body ? { 'content-type': 'application/octet-stream', 'content-length': String(body.length) } : {}),
    ...request.headers,
  };
  const once = () =>
    new Promise<void>((resolve, reject) => {
      const outgoing = httpRequest(
        { host: '127.0.0.1', port, method: request.method, path: request.path, headers, agent },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => {
            if (response.statusCode === 200 && text === expected) resolve();
            else
              reject(
                new Error(
                  `${request.method} ${request.path} answered ${response.statusCode} '${text.slice(0, 80)}'`,
                ),
              );
          });
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  return {
    async send(count) {
      for (let i = 0; i < count; i++) {
        // The server may close the idle keep-alive connection while the runner reads its total
        // (slow under load): the request then never reached it, so send it again, once.
        await once().catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return once();
          throw error;
        });
      }
    },
    close() {
      agent.destroy();
    },
  };
}
