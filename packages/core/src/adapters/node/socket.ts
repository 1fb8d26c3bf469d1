import { EventEmitter } from 'node:events';
import type { Environ } from '../../types.js';

/**
 * The connection a listener sees: enough of a `net.Socket` for Express, on-finished and
 * proxy-addr (addresses, `encrypted`, `destroy()`, `'close'`). Destroying it drops the response.
 */
export class EmulatedSocket extends EventEmitter {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
  readonly localAddress: string;
  readonly localPort: number;
  readonly encrypted: true | undefined;
  readable = true;
  writable = true;
  destroyed = false;
  readonly writableLength = 0;
  /** What `res.writableHighWaterMark` reports (it asks the socket): node:http's default. */
  readonly writableHighWaterMark = 16 * 1024;

  constructor(
    environ: Environ,
    private readonly onDestroy: (error: Error | undefined) => void,
  ) {
    super();
    this.remoteAddress = environ.REMOTE_ADDR || undefined;
    this.remotePort = Number(environ.REMOTE_PORT) || undefined;
    this.remoteFamily = this.remoteAddress && (this.remoteAddress.includes(':') ? 'IPv6' : 'IPv4');
    this.localAddress = environ.SERVER_NAME;
    this.localPort = Number(environ.SERVER_PORT);
    this.encrypted = environ['tsgi.url_scheme'] === 'https' ? true : undefined;
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.readable = false;
    this.writable = false;
    this.onDestroy(error);
    process.nextTick(() => this.emit('close', error !== undefined));
    return this;
  }

  end(): this {
    return this.destroy();
  }

  address(): { address: string; port: number } {
    return { address: this.localAddress, port: this.localPort };
  }

  // socket tuning a listener may ask for: meaningless here
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}
