// @tsgi/core/testing: drive an app in-process, without a socket, as a test would.
export { request, type TestRequestInit, type TestResponse } from './client.js';
export { type MockEnvironInit, type MockRequest, mockEnviron } from './environ.js';
