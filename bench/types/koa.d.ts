/**
 * The slice of Koa 3's API the benchmark uses. Koa ships no types and `@types/koa` is not
 * installed; @koa/router's declarations import these names from 'koa'.
 */
declare module 'koa' {
  import type { IncomingMessage, Server } from 'node:http';

  namespace Koa {
    type DefaultState = Record<string, unknown>;
    type DefaultContext = Record<string, unknown>;
    type Next = () => Promise<void>;
    interface BaseContext {
      req: IncomingMessage;
      body: unknown;
      type: string;
    }
    type ParameterizedContext<
      StateT = DefaultState,
      ContextT = DefaultContext,
      BodyT = unknown,
    > = BaseContext & ContextT & { state: StateT; body: BodyT };
    type Middleware<StateT = DefaultState, ContextT = DefaultContext, BodyT = unknown> = (
      context: ParameterizedContext<StateT, ContextT, BodyT>,
      next: Next,
    ) => unknown;
  }

  class Koa {
    use<StateT, ContextT>(middleware: Koa.Middleware<StateT, ContextT>): this;
    listen(port: number, host: string, listener: () => void): Server;
  }

  export = Koa;
}
