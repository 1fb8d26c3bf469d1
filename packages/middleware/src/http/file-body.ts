import { Buffer } from 'node:buffer';
import type { FileHandle } from 'node:fs/promises';
import type { Body } from '@tsgi/core';
import type { ByteRange } from './range.js';

/** What a file body sends, in order: bytes of its own (a multipart boundary) or a range of the file. */
export type FilePart = Uint8Array | ByteRange;

/** Bytes read from disk per pull: one read per chunk the server asks for. */
export const FILE_CHUNK = 64 * 1024;

/**
 * A body that reads `parts` of an open file one chunk per pull, with one chunk read ahead (so
 * the disk read overlaps the socket write) and never more: a slow client holds two chunks of
 * memory, not the file (the server pulls the next chunk only once the socket drained).
 * Closing it waits for a read in flight, then closes the file handle, once.
 */
export function fileBody(handle: FileHandle, parts: readonly FilePart[], chunkSize = FILE_CHUNK): Body {
  let index = 0;
  let position = -1;
  let closed = false;
  let ahead: Promise<IteratorResult<Uint8Array>> | undefined;
  const pull = async (): Promise<IteratorResult<Uint8Array>> => {
    while (!closed && index < parts.length) {
      const part = parts[index] as FilePart;
      if (part instanceof Uint8Array) {
        index++;
        return { done: false, value: part };
      }
      if (position < 0) position = part.start;
      const wanted = Math.min(chunkSize, part.end + 1 - position);
      if (wanted <= 0) {
        index++;
        position = -1;
        continue;
      }
      const buffer = Buffer.allocUnsafe(wanted);
      const { bytesRead } = await handle.read(buffer, 0, wanted, position);
      // the file shrank under us: end short, and the server's Content-Length check aborts the response
      if (bytesRead === 0) break;
      position += bytesRead;
      return { done: false, value: bytesRead === wanted ? buffer : buffer.subarray(0, bytesRead) };
    }
    return { done: true, value: undefined };
  };
  const close = async () => {
    if (closed) return;
    closed = true;
    await ahead?.catch(() => {});
    await handle.close();
  };
  const iterator: AsyncIterator<Uint8Array> = {
    async next() {
      const step = await (ahead ?? pull());
      ahead = step.done || closed ? undefined : pull();
      ahead?.catch(() => {}); // a failed read-ahead is reported by the next pull
      return step;
    },
    async return(value?: unknown) {
      await close();
      return { done: true, value };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator, close };
}

/** Reads a small range of a file whole, for a body sent as one chunk. */
export async function readWhole(handle: FileHandle, range: ByteRange): Promise<Uint8Array> {
  const length = range.end + 1 - range.start;
  const buffer = Buffer.allocUnsafe(length);
  let offset = 0;
  while (offset < length) {
    const { bytesRead } = await handle.read(buffer, offset, length - offset, range.start + offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return offset === length ? buffer : buffer.subarray(0, offset);
}

/**
 * The parts of a `multipart/byteranges` body (RFC 9110 §14.6) and its exact length: each range
 * under its own `Content-Type` and `Content-Range`, between boundaries.
 */
export function multipartParts(
  ranges: readonly ByteRange[],
  size: number,
  contentType: string,
  boundary: string,
): { parts: FilePart[]; length: number } {
  const parts: FilePart[] = [];
  let length = 0;
  ranges.forEach((range, i) => {
    const head = Buffer.from(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`,
    );
    parts.push(head, range);
    length += head.byteLength + range.end - range.start + 1;
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  parts.push(tail);
  return { parts, length: length + tail.byteLength };
}
