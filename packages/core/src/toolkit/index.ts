/** The middleware toolkit: what makes a middleware that touches the response short and correct. */
export {
  type BodyOutcome,
  BUFFERED_BY_DESIGN,
  bodyWithin,
  closeBody,
  mapChunks,
  markBuffered,
  onBodyDone,
} from './body.js';
export { type Buffered, bufferBody } from './buffer.js';
export { andThen, capture, send } from './capture.js';
export { Captured, type ReadonlyHeaderList } from './captured.js';
export { carryBodyRead } from './input.js';
export { mapResponse, type ResponseMapper } from './map-response.js';
export { transformBody } from './transform.js';
