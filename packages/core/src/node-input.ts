import type { IncomingMessage, ServerResponse } from 'node:http';
import { ContentTooLarge } from './errors.js';

/**
 * `tsgi.input` on node:http: exactly the request body (node:http frames it by its
 * Content-Length or chunked encoding), limited to `maxBodySize` bytes. A `100 Continue`
 * goes out only when the app starts reading, so an app can refuse a body unread.
 */
export class NodeInput implements AsyncIterable<Uint8Array> {
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private expectsContinue: boolean,
    private readonly maxBodySize: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.expectsContinue) {
      this.expectsContinue = false;
      if (!this.res.headersSent) this.res.writeContinue();
    }
    let total = 0;
    // destroyOnReturn: false — an app that stops reading early must not kill the connection
    for await (const chunk of this.req.iterator({ destroyOnReturn: false })) {
      total += (chunk as Buffer).byteLength;
      if (total > this.maxBodySize) {
        throw new ContentTooLarge(`The request body is larger than ${this.maxBodySize} bytes`);
      }
      yield chunk as Buffer;
    }
  }
}
