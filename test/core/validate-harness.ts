import {
  type App,
  type Body,
  type Chunk,
  type Environ,
  type StartResponse,
  ValidationError,
} from '@tsgi/core';
import { mockEnviron } from '@tsgi/core/testing';

/** Marks an environ key to delete in {@link makeEnviron}. */
export const REMOVE = Symbol('remove');

/**
 * `mockEnviron({ environ: changes })`, REMOVE deleting a key: kept for tests written against
 * it; new tests call mockEnviron from @tsgi/core/testing.
 */
export function makeEnviron(changes: Record<string, unknown> = {}): Environ {
  const overrides: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) overrides[key] = value === REMOVE ? undefined : value;
  return mockEnviron({ environ: overrides });
}

/** A server's startResponse that accepts anything and returns a write() that does nothing. */
export const acceptAll: StartResponse = () => () => {};

/** A valid app answering `hello` as text. */
export const hello: App = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

/** An app that starts a text response and returns `body`. */
export function textApp(body: (environ: Environ) => Body): App {
  return (environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return body(environ);
  };
}

/** The iterator of a body, sync or async, as an async iterator. */
export function iterate(body: Body): AsyncIterator<Chunk> | Iterator<Chunk> {
  if (Symbol.asyncIterator in body) return body[Symbol.asyncIterator]();
  return body[Symbol.iterator]();
}

/** The ValidationError that `run` throws or rejects with; fails if it throws something else or nothing. */
export async function violationOf(run: () => unknown): Promise<ValidationError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}
