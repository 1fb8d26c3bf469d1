import { Buffer } from 'node:buffer';
import type { Chunk } from '../types.js';

/** True for a promise or any thenable. */
export function isPromise<T = unknown>(value: unknown): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

/** The number of bytes a chunk stands for (a string as UTF-8); -1 for a value that is not a chunk. */
export function byteLength(chunk: Chunk): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return -1;
}
