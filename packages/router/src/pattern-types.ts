/**
 * The path-to-regexp v8 syntax read by the type checker, so that a handler on
 * `'/users/:id/files/*path'` sees `{ id: string; path: string[] }` and `url()` asks for
 * exactly those parameters. Types only: nothing here exists at run time.
 *
 * The grammar, as path-to-regexp's `parse` reads it: `:name` (one segment) and `*name` (one
 * or more), a name being an identifier or a quoted string (`:"x-y"`, with `\` escaping);
 * `{…}` an optional group, so the parameters inside it are optional keys; `\` escapes the
 * next character. The runtime decides what an identifier is with Unicode's ID_Continue; the
 * types know ASCII, and take any other character as part of the name (quote the name when
 * a non-ASCII symbol follows it: `/:"price"€`).
 */

/** The characters of a string, as a union. */
type Chars<S extends string, All = never> = S extends `${infer C}${infer Rest}` ? Chars<Rest, All | C> : All;

/** The ASCII characters an identifier continues with. */
type IdChar = Chars<'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$'>;
/** Every other printable ASCII character (and space): each ends a name. */
type NameEnd = Chars<' !"#%&\'()*+,-./:;<=>?@[\\]^`{|}~'>;

/** One parameter found in a pattern. */
interface Found {
  name: string;
  wildcard: boolean;
  optional: boolean;
}

/** Reads an unquoted name: `[name, rest]`. */
type ReadIdentifier<S extends string, Name extends string = ''> = S extends `${infer C}${infer Rest}`
  ? C extends IdChar
    ? ReadIdentifier<Rest, `${Name}${C}`>
    : C extends NameEnd
      ? [Name, S]
      : ReadIdentifier<Rest, `${Name}${C}`>
  : [Name, ''];

/** Reads a quoted name after its opening `"`: `[name, rest]`. */
type ReadQuoted<S extends string, Name extends string = ''> = S extends `${infer C}${infer Rest}`
  ? C extends '"'
    ? [Name, Rest]
    : C extends '\\'
      ? Rest extends `${infer E}${infer After}`
        ? ReadQuoted<After, `${Name}${E}`>
        : [Name, '']
      : ReadQuoted<Rest, `${Name}${C}`>
  : [Name, ''];

type ReadName<S extends string> = S extends `"${infer Rest}` ? ReadQuoted<Rest> : ReadIdentifier<S>;

/** Walks the pattern one character at a time; `Depth` counts the open `{` groups. */
type Scan<
  S extends string,
  Depth extends 0[] = [],
  Out extends Found = never,
> = S extends `${infer C}${infer Rest}`
  ? C extends '\\'
    ? Rest extends `${string}${infer After}`
      ? Scan<After, Depth, Out>
      : Out
    : C extends ':' | '*'
      ? ReadName<Rest> extends [infer Name extends string, infer After extends string]
        ? Scan<
            After,
            Depth,
            | Out
            | {
                name: Name;
                wildcard: C extends '*' ? true : false;
                optional: Depth extends [] ? false : true;
              }
          >
        : Out
      : C extends '{'
        ? Scan<Rest, [...Depth, 0], Out>
        : C extends '}'
          ? Scan<Rest, Depth extends [0, ...infer Outer extends 0[]] ? Outer : [], Out>
          : Scan<Rest, Depth, Out>
  : Out;

/** Flattens an intersection for readable hovers: `{ id: string; path: string[] }`. */
type Flat<T> = { [K in keyof T]: T[K] };

type Shape<F extends Found, Param, Wildcard> = Flat<
  {
    readonly [E in F as E['optional'] extends false ? E['name'] : never]: E['wildcard'] extends true
      ? Wildcard
      : Param;
  } & {
    readonly [E in F as E['optional'] extends true ? E['name'] : never]?: E['wildcard'] extends true
      ? Wildcard
      : Param;
  }
>;

/**
 * The decoded parameters a route's pattern gives its handler: `:name` a string, `*name` an
 * array of segments, those inside `{…}` optional. A pattern known only as `string` gives the
 * loose `Record<string, string | string[]>`.
 * @example type P = ParamsOf<'/users/:id/files/*path'> // { readonly id: string; readonly path: string[] }
 */
export type ParamsOf<P extends string> = string extends P
  ? Readonly<Record<string, string | string[]>>
  : Shape<Scan<P>, string, string[]>;

/**
 * The values `url()` takes for a pattern's parameters: `:name` a string or number, `*name`
 * an array of them, optional ones for the parameters of `{…}` groups.
 * @example const p: UrlParamsOf<'/posts{/:year}'> = {} // year is optional
 */
export type UrlParamsOf<P extends string> = string extends P
  ? Readonly<Record<string, string | number | readonly (string | number)[] | undefined | null>>
  : Shape<Scan<P>, string | number, readonly (string | number)[]>;
