export { handle, type MountParams, type NoMountParams, type RouteApp, type RouteRequest } from './handle.js';
export { PARAMS_KEY, type RouteParams, routeParams } from './params.js';
export type { UrlParams } from './pattern.js';
export type { ParamsOf, UrlParamsOf } from './pattern-types.js';
export {
  type MountOptions,
  type RouteMap,
  type RouteOptions,
  Router,
  type RouterOptions,
  router,
  type UrlArgs,
} from './router.js';
export type { TrailingSlash } from './trailing-slash.js';
export type { QueryValue, UrlBase, UrlOptions } from './url.js';
