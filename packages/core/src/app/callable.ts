/**
 * Makes `fn` the instance of the class being constructed, so that the instance can be called:
 * a class's constructor returns it (a class instance alone cannot be called). This is how
 * `Response`, `HTTPError` and the router's `Router` are apps and class instances at once;
 * declare the call signature in an interface of the class's name beside it.
 * @example
 * interface Hello { (environ: Environ, startResponse: StartResponse): Body }
 * class Hello {
 *   constructor() {
 *     const hello = (_environ: Environ, startResponse: StartResponse) => (startResponse('200 OK', []), ['hi']);
 *     return callable(hello, new.target); // new Hello() is an app
 *   }
 * }
 */
// biome-ignore lint/complexity/noBannedTypes: any class is a valid `newTarget`
export function callable<F extends (...args: never[]) => unknown>(fn: F, newTarget: Function): F {
  Object.setPrototypeOf(fn, newTarget.prototype);
  return fn;
}
