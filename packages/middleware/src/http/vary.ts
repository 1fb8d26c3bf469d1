// Vary: the request headers a response depends on, which a cache must key its copy by.
import type { Captured } from '@tsgi/core';
import vary from 'vary';

/**
 * Adds `name` to the response's `Vary` unless it, or `*`, is already there. Several `Vary`
 * headers are joined into one, none lost. The usual case (no `Vary` yet) is one pass over the
 * names that lower-cases only those of Vary's length: compress and session run this on every
 * response.
 * @example addVary(response, 'Accept-Encoding');
 */
export function addVary(response: Captured, name: string): void {
  const headers = response.headers;
  const values: string[] = [];
  for (let i = 0; i < headers.length; i++) {
    const [key, value] = headers[i] as [string, string];
    if (key.length === 4 && key.toLowerCase() === 'vary') values.push(value);
  }
  if (values.length === 0) return void response.appendHeader('Vary', name);
  const current = values.join(', ');
  const wanted = vary.append(current, name);
  if (wanted !== current || values.length > 1) response.setHeader('Vary', wanted);
}
