import { type App, type Environ, type Middleware, Request } from '@tsgi/core';

/** Options of {@link methodOverride}. */
export interface MethodOverrideOptions {
  /** The methods a POST may become. Default `['PUT', 'PATCH', 'DELETE']`; never CONNECT, TRACE or a safe method. */
  methods?: readonly string[];
  /** The request header that names the method. Default `X-HTTP-Method-Override`. */
  header?: string | false;
  /** The form field that names the method, in an urlencoded form body. Default `_method`. */
  field?: string | false;
}

const ORIGINAL_KEY = 'methodOverride.original';

/**
 * The method the client sent when {@link methodOverride} changed it (`'POST'`), else undefined.
 * @example originalMethod(environ) // 'POST' for a form posted with _method=DELETE
 */
export function originalMethod(environ: Environ): string | undefined {
  const method = environ[ORIGINAL_KEY];
  return typeof method === 'string' ? method : undefined;
}

const NEVER = new Set(['CONNECT', 'TRACE', 'TRACK', 'GET', 'HEAD', 'OPTIONS', 'POST']);
const FORM = 'application/x-www-form-urlencoded';

/**
 * Lets a POST stand for PUT, PATCH or DELETE, for HTML forms (which can only GET and POST):
 * from the `X-HTTP-Method-Override` header, or else the `_method` field of an urlencoded form
 * body, as `Rack::MethodOverride` does. Only POST is ever changed, only to one of `methods`
 * (case-insensitive); anything else — CONNECT, TRACE, GET, an unknown name — leaves the
 * request a POST. {@link originalMethod} then says `'POST'`. The form is read with core's body reader (1 MiB limit), which
 * keeps the bytes, so the app's own `request.form()` reads them again; an app that iterates
 * `tsgi.input` itself finds it read. Multipart bodies are not read (the header works there).
 * Defaults: `methods: ['PUT', 'PATCH', 'DELETE']`, `header: 'X-HTTP-Method-Override'`, `field: '_method'`.
 *
 * When not to use it: for an API whose clients can send any method, it only adds a way to
 * disguise requests (a proxy's method rules see a POST).
 * @example
 * serve(methodOverride()(app)); // <form method="post"><input type="hidden" name="_method" value="DELETE">
 */
export function methodOverride(options: MethodOverrideOptions = {}): Middleware {
  if (options === null || typeof options !== 'object')
    throw new TypeError('methodOverride: options must be an object');
  const methods = options.methods ?? ['PUT', 'PATCH', 'DELETE'];
  if (!Array.isArray(methods))
    throw new TypeError('methodOverride: methods must be an array of method names');
  const allowed = new Set<string>();
  for (const method of methods) {
    const upper = typeof method === 'string' ? method.toUpperCase() : '';
    if (!/^[A-Z]+$/.test(upper) || NEVER.has(upper)) {
      throw new TypeError(`methodOverride: methods may not hold ${JSON.stringify(method)}`);
    }
    allowed.add(upper);
  }
  const header = options.header ?? 'X-HTTP-Method-Override';
  if (header !== false && (typeof header !== 'string' || !/^[A-Za-z0-9-]+$/.test(header))) {
    throw new TypeError(`methodOverride: header must be a header name or false, got ${String(header)}`);
  }
  const field = options.field ?? '_method';
  if (field !== false && (typeof field !== 'string' || field === '')) {
    throw new TypeError('methodOverride: field must be a non-empty string or false');
  }
  const key = header === false ? undefined : (`HTTP_${header.toUpperCase().replaceAll('-', '_')}` as const);
  const pick = (value: unknown) => {
    const upper = typeof value === 'string' ? value.trim().toUpperCase() : '';
    return allowed.has(upper) ? upper : undefined;
  };

  return (app: App): App =>
    (environ, startResponse) => {
      if (environ.REQUEST_METHOD !== 'POST') return app(environ, startResponse);
      const overridden = (method: string | undefined) => {
        if (method !== undefined) {
          environ[ORIGINAL_KEY] = 'POST';
          environ.REQUEST_METHOD = method;
        }
        return app(environ, startResponse);
      };
      const fromHeader = key === undefined ? undefined : environ[key];
      if (fromHeader !== undefined) return overridden(pick(fromHeader));
      const request = Request.of(environ);
      if (field === false || request.mediaType !== FORM) return app(environ, startResponse);
      return request.form().then(
        (form) => overridden(pick(form.get(field))),
        () => app(environ, startResponse), // unreadable form: the app meets the same error itself
      );
    };
}
