export { PARAMS_KEY, type RouteParams, routeParams } from './params.js';
export type { UrlParams } from './pattern.js';
export { type MountOptions, type RouteOptions, Router, type RouterOptions, router } from './router.js';
export type { TrailingSlash } from './trailing-slash.js';
export type { QueryValue, UrlOptions } from './url.js';
