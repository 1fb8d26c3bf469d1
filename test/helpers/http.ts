// Node's own HTTP client, one request per connection (no agent: nothing pooled between tests).
import { type IncomingHttpHeaders, request } from 'node:http';

/** A response as node:http's client saw it. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  /** Informational responses (100, 103) that came before, as node emitted them. */
  informational: Array<{ status: number; headers: IncomingHttpHeaders }>;
}

export interface HttpRequestInit {
  method?: string;
  /** Plain headers, or a flat `[name, value, …]` list sent in that order (repeats allowed). */
  headers?: Record<string, string | number> | string[];
  /** The request body; an iterable is sent chunked, one write per item. */
  body?: string | Uint8Array | Iterable<string | Uint8Array>;
}

/**
 * Sends one request with node:http and reads the whole response. Rejects if the response is
 * cut short (node reports `aborted`), so a test can tell an incomplete response from a whole one.
 * @example
 * const { status, text } = await httpRequest(`${server.url}/x`, { method: 'POST', body: 'hi' });
 */
export function httpRequest(url: string, init: HttpRequestInit = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const informational: HttpResponse['informational'] = [];
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('the response was aborted')));
      res.on('end', () => {
        if (!res.complete) return reject(new Error('the response was incomplete'));
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: body.toString(),
          informational,
        });
      });
    });
    req.on('information', (info) => informational.push({ status: info.statusCode, headers: info.headers }));
    req.on('error', reject);
    const body = init.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
    else {
      for (const chunk of body) req.write(chunk);
      req.end();
    }
  });
}

/**
 * GETs `url` with node:http, reads the first chunk, then goes away. (Not fetch: after an abort,
 * undici opens a spare connection that holds server.close() up for seconds.)
 */
export function readFirstChunkThenLeave(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      res.on('error', () => {}); // the abort we cause
      res.once('data', (chunk: Buffer) => {
        req.destroy();
        resolve(chunk.toString());
      });
    });
    req.on('error', reject);
    req.end();
  });
}
