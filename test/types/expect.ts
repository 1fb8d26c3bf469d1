/**
 * Helpers for the type tests in this folder: files that `npm run typecheck` (tsc) checks
 * and nothing runs. A line that must not compile carries `// @ts-expect-error`, which tsc
 * itself reports when the line compiles after all.
 */

/** True when A and B are the same type (not merely assignable either way). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only when given `true`: `assert<Equal<A, B>>(true)`. */
export function assert<T extends true>(_ok: T): void {}
