/**
 * The same app as a CGI script (PEP 3333's CGI gateway): the server runs `hello.cgi` once per
 * request, with the request in environment variables and the body on stdin. Try it without a
 * server: `REQUEST_METHOD=GET PATH_INFO=/countdown QUERY_STRING=from=2 sh examples/hello/hello.cgi`.
 */
import { runCgi } from '@tsgi/core';
import { app } from './app.js';

await runCgi(app);
