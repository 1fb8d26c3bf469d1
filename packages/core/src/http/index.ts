// @tsgi/core/http: the pieces of HTTP that servers, the router and middleware (also a third
// party's) share, so that none re-implements them or imports a private path of core.
export { debugPage } from '../debug-page.js';
export { type ErrorPage, errorPage } from '../error-page.js';
export {
  ACCESS_LOG_FORMATS,
  type AccessLogFormat,
  type AccessRecord,
  formatAccessLog,
} from '../log/access-log.js';
export { preferredType } from './accept.js';
export { endToEndHeaders, isHopByHop } from './hop-by-hop.js';
export { STATUS_REASONS, statusLine } from './status.js';
export { hasCrLfNul, isBodylessStatus, isToken } from './syntax.js';
