import { readOf, remember } from '../body/read.js';

/**
 * Carries a finished read of the request body over to the stand-in a middleware puts in place
 * of `tsgi.input` (to count, cap or share the bytes). Core's readers keep the one whole read on
 * the input object (SPEC.md §9): once a middleware outside read it (`csrf()`,
 * `methodOverride()`), a new input object would make the app's `request.text()` iterate the
 * spent stream a second time and get nothing. With the read carried, the app's readers get the
 * same bytes, passed through `check` (throw from it to refuse them, e.g. a size cap). Returns
 * `replacement`; an input nobody read yet is left to be iterated as usual.
 * @example environ['tsgi.input'] = carryBodyRead(input, { [Symbol.asyncIterator]: () => counted(input) });
 */
export function carryBodyRead<T extends AsyncIterable<Uint8Array>>(
  input: AsyncIterable<Uint8Array>,
  replacement: T,
  check?: (bytes: Uint8Array) => Uint8Array,
): T {
  const read = readOf(input);
  if (read === undefined) return replacement;
  const carried = check === undefined ? read : read.then(check);
  carried.catch(() => {}); // the readers get the rejection; a stand-in nobody reads must not crash the process
  remember(replacement, carried);
  return replacement;
}
