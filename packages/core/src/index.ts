export * from './errors.js';
export { escapeHtml } from './escape.js';
export type * from './types.js';
