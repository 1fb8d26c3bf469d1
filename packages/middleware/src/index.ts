export { compose } from './compose.js';
export {
  type ForwardHeaderOptions,
  forwardedElement,
  type HealthCheckOptions,
  type PassiveHealthOptions,
  type ProxyApp,
  type ProxyOptions,
  proxy,
  type Strategy,
  type TimeoutOptions,
  type UpstreamInfo,
  type UpstreamOption,
} from './proxy/index.js';
