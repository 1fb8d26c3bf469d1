import { escapeHtml } from './escape.js';

// The one way to make a SafeHtml, for html() and raw() below; set inside the class.
let trust: (markup: string) => SafeHtml;

/**
 * Markup that is safe to send as it is: made by {@link html} (which escaped every value put
 * into it) or by {@link raw} (which you vouched for). Nothing else can make one, so a
 * plain string can never pass for markup by mistake.
 */
export class SafeHtml {
  readonly #markup: string;

  /** Use {@link html} or {@link raw}; this constructor does not escape. */
  private constructor(markup: string) {
    this.#markup = markup;
  }

  static {
    trust = (markup) => new SafeHtml(markup);
  }

  /** The markup. */
  toString(): string {
    return this.#markup;
  }
}

/** What may be put into an {@link html} template. */
export type HtmlValue =
  | SafeHtml
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Iterable<HtmlValue>;

/** True when `value` is {@link SafeHtml} (markup from html`` or raw()). */
export function isSafeHtml(value: unknown): value is SafeHtml {
  return value instanceof SafeHtml;
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (value instanceof SafeHtml) return value.toString();
  if (typeof value === 'object' && Symbol.iterator in value) {
    let out = '';
    for (const item of value) out += render(item);
    return out;
  }
  return escapeHtml(String(value));
}

/**
 * A template that escapes every interpolated value (`& < > " '`), so text from users is
 * shown, never run. Nested html`` results and {@link raw} markup go in unchanged; arrays
 * (any iterable) are joined; `null`, `undefined` and `false` render nothing.
 *
 * Escaping makes a value safe as text or inside a QUOTED attribute. It does not make a URL
 * safe (`href="${url}"` still accepts `javascript:`: check the scheme), nor a value inside
 * `<script>`/`<style>` or an unquoted attribute: don't interpolate there.
 * @example
 * const items = ['<b>', 'tea & cake'];
 * html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`
 * // <ul><li>&lt;b&gt;</li><li>tea &amp; cake</li></ul>
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] as string);
  return trust(out);
}

/**
 * Marks markup as trusted, so {@link html} inserts it unescaped. Only for markup you wrote
 * or sanitized yourself: never for anything a user sent.
 * @example html`<main>${raw(renderedMarkdown)}</main>`
 */
export function raw(trusted: string): SafeHtml {
  return trust(String(trusted));
}
