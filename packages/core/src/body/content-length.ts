/**
 * `Number(length)` for a `CONTENT_LENGTH`, read digit by digit when it is only ASCII digits (what
 * servers put there), since `Number()` of a string is a runtime call. Anything else (empty, signs,
 * spaces, exponents, over 15 digits) goes to `Number()`, so the result is always the same as
 * `Number(length)`. Measured (npm run bench:count, POST /echo 1 KB): the node:http listener's two
 * `Number()` calls cost 75,314 instructions a request against 74,746 with this (-0.8%).
 * @example contentLengthValue('1024') // 1024; contentLengthValue(' 1e3') // 1000, as Number()
 */
export function contentLengthValue(length: unknown): number {
  if (typeof length !== 'string' || length.length === 0 || length.length > 15) return Number(length);
  let value = 0;
  for (let i = 0; i < length.length; i++) {
    const digit = length.charCodeAt(i) - 48; /* 0 */
    if (digit < 0 || digit > 9) return Number(length);
    value = value * 10 + digit;
  }
  return value;
}
