/** The slice of Express's `compression` 1.8 the post-processing bench uses (no @types installed). */
declare module 'compression' {
  import type { RequestHandler } from 'express';

  interface CompressionOptions {
    level?: number;
    threshold?: number | string;
    brotli?: { params?: Record<number, number> };
    enforceEncoding?: string;
  }
  function compression(options?: CompressionOptions): RequestHandler;
  export default compression;
}
