/**
 * An input that can hand over the whole body with one promise, where `for await` costs a promise
 * and a microtask per chunk. node:http's `tsgi.input` is one; `readBody` uses it when present and
 * iterates any other input. Shared across copies of @tsgi/core through the symbol registry.
 */
export const READ_WHOLE: unique symbol = Symbol.for('tsgi.input.readWhole');

export interface WholeBodyInput {
  /**
   * Reads the rest of the body. Past `limit` bytes it stops reading and rejects with
   * `tooLarge(limit)`; a body cut short rejects as iteration would.
   */
  [READ_WHOLE](limit: number, tooLarge: (limit: number) => Error): Promise<Uint8Array>;
}

/** Whether `input` offers the one-promise read. */
export function canReadWhole(
  input: AsyncIterable<Uint8Array>,
): input is AsyncIterable<Uint8Array> & WholeBodyInput {
  return typeof (input as Partial<WholeBodyInput>)[READ_WHOLE] === 'function';
}
