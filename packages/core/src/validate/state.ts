import { AsyncLocalStorage } from 'node:async_hooks';
import type { Environ, HeaderList } from '../types.js';
import { type Rule, ValidationError } from './rules.js';

/** Options of `validate()`. */
export interface ValidateOptions {
  /**
   * Check that the middleware this validator wraps streams (the `middleware-buffers` rule),
   * when another validator sits inside it: `validate(middleware(validate(app)))`.
   * Default true; turn it off for a middleware that must see the whole body (an ETag, say).
   */
  streaming?: boolean;
}

/** What went wrong in one request, shared by every validator the request passes through. */
interface Report {
  readonly violations: ValidationError[];
  /** Errors that escaped the app (other than violations), in the order they were seen. */
  readonly errors: unknown[];
}

/**
 * What one validator knows about one request: the response the app started and the body
 * it returned. A validator inside a middleware finds the one outside it as its `parent`.
 */
export class AppCall {
  readonly children: AppCall[] = [];
  readonly report: Report;

  // the response, as startResponse set it
  started = false;
  status = 0;
  contentLength = -1;
  hasContentType = false;
  headers: HeaderList | undefined;
  headersSnapshot = '';
  headersOut = false;
  bytes = 0;
  pendingWrite = false;

  // the body
  hasBody = false;
  iterating = false;
  finished = false;
  returned = false;
  closed = false;
  /** An async close() is still running: its children are checked when it settles. */
  closing = false;
  closeChecked = false;
  /** Chunks this body handed to its consumer: the parent side of the streaming rule. */
  yielded = 0;
  /** Non-empty chunks handed out, and the parent's count at the first: the child side. */
  delivered = 0;
  parentBase = 0;
  /** True once the middleware reading this body marked it as read whole by design. */
  bufferedByDesign: () => boolean = () => false;

  constructor(
    readonly environ: Environ,
    readonly parent: AppCall | undefined,
    readonly streaming: boolean,
  ) {
    this.report = parent?.report ?? { violations: [], errors: [] };
    parent?.children.push(this);
  }

  /** Records a violation and returns it, for the caller to throw. */
  violation(rule: Rule, detail?: string): ValidationError {
    const error = new ValidationError(rule, detail);
    this.report.violations.push(error);
    return error;
  }

  /** Records a violation and throws it. */
  fail(rule: Rule, detail?: string): never {
    throw this.violation(rule, detail);
  }

  /**
   * Remembers an error that escaped the app (violations are already recorded). Only the
   * outermost validator's count: inside, a middleware may catch it and answer.
   */
  sawError(error: unknown): void {
    if (this.parent !== undefined || error instanceof ValidationError || this.report.errors.includes(error))
      return;
    this.report.errors.push(error);
  }

  /** Runs code of the wrapped app, so that a validator inside it finds this one as its parent. */
  run<T>(fn: () => T): T {
    return current.run(this, fn);
  }
}

const current = new AsyncLocalStorage<AppCall>();
const exchanges = new WeakMap<Environ, AppCall[]>();

/** Starts the record of one request through one validator. */
export function beginAppCall(environ: Environ, options: ValidateOptions): AppCall {
  const parent = current.getStore();
  const exchange = new AppCall(environ, parent, options.streaming ?? true);
  if (parent === undefined) {
    const list = exchanges.get(environ);
    if (list === undefined) exchanges.set(environ, [exchange]);
    else list.push(exchange);
  }
  return exchange;
}

/** Runs `fn` outside of any validated request (a request made from inside an app is its own). */
export function detached<T>(fn: () => T): T {
  return current.exit(fn);
}

/** Records a violation for every body in this tree that was returned but never closed or returned. */
export function checkClosed(exchange: AppCall): void {
  if (exchange.closeChecked) return;
  exchange.closeChecked = true;
  if (exchange.hasBody && !exchange.closed) exchange.violation('close-not-called');
  if (exchange.iterating && !exchange.finished && !exchange.returned)
    exchange.violation('iterator-not-returned');
  for (const child of exchange.children) checkClosed(child);
}

/** The violations and app errors of a request, across all the validators it went through. */
export function reportOf(environ: Environ): { violations: ValidationError[]; errors: unknown[] } {
  const violations: ValidationError[] = [];
  const errors: unknown[] = [];
  for (const exchange of exchanges.get(environ) ?? []) {
    checkClosed(exchange);
    violations.push(...exchange.report.violations);
    errors.push(...exchange.report.errors);
  }
  return { violations: [...new Set(violations)], errors };
}

/**
 * The last step of a server (or a test) that ran a `validate()`d app: throws the first
 * {@link ValidationError} of the request — also one the server only logged, such as a
 * `close()` called twice — and the `close-not-called` rule when a body (the app's, or one
 * a middleware wrapped) was never closed, which no validator can see by itself.
 * @example
 * await runApp(validate(app), environ, sink);
 * finishValidation(environ);
 */
export function finishValidation(environ: Environ): void {
  const [first] = reportOf(environ).violations;
  if (first !== undefined) throw first;
}
