import { type BodyOutcome, type Chunk, onBodyDone } from '@tsgi/core';
import { expect, it } from 'vitest';

it('onBodyDone does not count a chunk that lands after close() began (the client left while the source was busy)', async () => {
  let release!: () => void;
  const source = (async function* () {
    yield 'sent';
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    yield 'discarded';
  })();
  const outcomes: BodyOutcome[] = [];
  const watched = onBodyDone(source, (outcome) => outcomes.push(outcome));
  const iterator = (watched as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
  expect((await iterator.next()).value).toBe('sent');
  const pending = iterator.next(); // the source is now waiting
  const closing = watched.close?.(); // the consumer gives up
  release();
  await pending;
  await closing;
  expect(outcomes).toEqual([{ state: 'closed', bytes: 4 }]);
});
