import { debugPage } from '../../debug-page.js';
import { andThen, capture, send } from '../../toolkit/capture.js';
import type { App, Body, Environ, StartResponse } from '../../types.js';

/**
 * The app, with the debug page for an error raised before its response started (`serve({ debug })`,
 * `tsgi serve --dev`). The response is captured (without buffering: it is pulled only until
 * `startResponse` was called), so a throw, a rejected promise and a body that fails before its
 * first chunk all show their stack. HTTP errors still answer with their own page.
 */
export function withDebugPage(app: App): App {
  return (environ, startResponse) => {
    let captured: ReturnType<typeof capture>;
    try {
      captured = capture(app, environ);
    } catch (error) {
      return answer(error, environ, startResponse);
    }
    const sent = andThen(captured, (response) => send(response, startResponse));
    return sent instanceof Promise ? sent.catch((error) => answer(error, environ, startResponse)) : sent;
  };
}

function answer(error: unknown, environ: Environ, startResponse: StartResponse): Body {
  environ['tsgi.errors'].write(
    `error before the response started: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  const page = debugPage(error, environ);
  startResponse(`${page.status} ${page.reason}`, page.headers);
  return [page.body];
}
