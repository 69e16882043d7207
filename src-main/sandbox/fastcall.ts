/**
 * A fast path for the bridge's hot host call. quickjs-emscripten runs every host function through a generic
 * maybe-async wrapper (a generator, a Scope, a Lifetime per argument): 5–20 µs a call. For the one function that
 * scripts call most (`invokeP`: engine methods with primitive arguments), this reads the arguments straight from
 * the QuickJS values through the module's FFI instead. It relies on quickjs-emscripten 0.32's internals; where
 * they are not as expected it installs nothing and the generic path serves every call.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';

interface Ffi {
  QTS_ArgvGetJSValueConstPointer(argv: number, i: number): number;
  QTS_GetFloat64(ctx: number, ptr: number): number;
  QTS_GetString(ctx: number, ptr: number): number;
  QTS_FreeCString(ctx: number, ptr: number): void;
  QTS_NewFloat64(ctx: number, n: number): number;
  QTS_DupValuePointer(ctx: number, ptr: number): number;
  QTS_Throw(ctx: number, ptr: number): number;
}
interface Internals {
  cToHostCallbacks?: {
    callFunction?: (ctx: number, thisPtr: number, argc: number, argv: number, fnId: number) => number;
  };
  ffi?: Ffi;
  ctx?: { value: number };
  module?: { UTF8ToString(ptr: number): string };
  runtime?: { hostRefs?: { get(id: number): unknown } };
}

/** Argument type codes the prelude packs, base 8, into the first argument of invokeP. */
export const ARG_NUMBER = 0;
export const ARG_STRING = 1;
export const ARG_UNDEFINED = 2;
export const ARG_NULL = 3;
export const ARG_TRUE = 4;
export const ARG_FALSE = 5;
/** The only argument: the JSON text of all the call's arguments (objects, handles, bigints, callbacks). */
export const ARG_JSON = 7;

/**
 * Routes calls of the host function made with vm.newFunction from `impl` through the fast path: it decodes
 * (mask, id, method, ...args) and calls `call(id, method, args)`, or `callJson(id, method, json)` for argument
 * code 7; numbers, booleans and undefined go back directly, anything else through `toHandle`; an exception
 * through `toError` (the handle to throw).
 */
export function installFastCall(
  vm: QuickJSContext,
  impl: unknown,
  call: (id: number, method: string | number, args: unknown[]) => unknown,
  callJson: (id: number, method: string | number, json: string) => unknown,
  toHandle: (value: unknown) => QuickJSHandle,
  toError: (e: unknown) => QuickJSHandle,
): boolean {
  const internals = vm as unknown as Internals;
  const cbs = internals.cToHostCallbacks;
  const ffi = internals.ffi;
  const ctxPtr = internals.ctx?.value;
  const mod = internals.module;
  const refs = internals.runtime?.hostRefs;
  const generic = cbs?.callFunction;
  if (!cbs || !ffi || ctxPtr === undefined || !mod || !refs || !generic) return false;
  for (const f of [
    'QTS_ArgvGetJSValueConstPointer',
    'QTS_GetFloat64',
    'QTS_GetString',
    'QTS_FreeCString',
    'QTS_NewFloat64',
    'QTS_DupValuePointer',
    'QTS_Throw',
  ] as const) {
    if (typeof ffi[f] !== 'function') return false;
  }
  let fastId: number | undefined;
  const getString = (ptr: number): string => {
    const c = ffi.QTS_GetString(ctxPtr, ptr);
    try {
      return mod.UTF8ToString(c);
    } finally {
      ffi.QTS_FreeCString(ctxPtr, c);
    }
  };
  const handleOut = (h: QuickJSHandle): number => {
    const p = ffi.QTS_DupValuePointer(ctxPtr, (h as unknown as { value: number }).value);
    if (h.alive && !isStatic(h)) h.dispose();
    return p;
  };
  cbs.callFunction = (ctx, thisPtr, argc, argv, fnId) => {
    if (fastId === undefined && ctx === ctxPtr && refs.get(fnId) === impl) fastId = fnId;
    if (fnId !== fastId || ctx !== ctxPtr || argc < 3) return generic(ctx, thisPtr, argc, argv, fnId);
    let out: QuickJSHandle;
    try {
      let mask = ffi.QTS_GetFloat64(ctxPtr, ffi.QTS_ArgvGetJSValueConstPointer(argv, 0));
      const id = ffi.QTS_GetFloat64(ctxPtr, ffi.QTS_ArgvGetJSValueConstPointer(argv, 1));
      // A negative mask (-1 - mask) says the method goes as its index in the class's method list, not its name.
      const byIndex = mask < 0;
      if (byIndex) mask = -1 - mask;
      const mptr = ffi.QTS_ArgvGetJSValueConstPointer(argv, 2);
      const method = byIndex ? ffi.QTS_GetFloat64(ctxPtr, mptr) : getString(mptr);
      let r: unknown;
      if (mask === ARG_JSON) {
        if (argc !== 4) return generic(ctx, thisPtr, argc, argv, fnId);
        r = callJson(id, method, getString(ffi.QTS_ArgvGetJSValueConstPointer(argv, 3)));
      } else {
        const args: unknown[] = [];
        for (let i = 3; i < argc; i++) {
          const code = mask % 8;
          mask = Math.floor(mask / 8);
          const ptr = ffi.QTS_ArgvGetJSValueConstPointer(argv, i);
          switch (code) {
            case ARG_NUMBER:
              args.push(ffi.QTS_GetFloat64(ctxPtr, ptr));
              break;
            case ARG_STRING:
              args.push(getString(ptr));
              break;
            case ARG_UNDEFINED:
              args.push(undefined);
              break;
            case ARG_NULL:
              args.push(null);
              break;
            case ARG_TRUE:
              args.push(true);
              break;
            case ARG_FALSE:
              args.push(false);
              break;
            default:
              return generic(ctx, thisPtr, argc, argv, fnId);
          }
        }
        r = call(id, method, args);
      }
      switch (typeof r) {
        case 'number':
          return ffi.QTS_NewFloat64(ctxPtr, r);
        case 'undefined':
          return 0;
        case 'boolean':
          return handleOut(r ? vm.true : vm.false);
      }
      out = toHandle(r);
    } catch (e) {
      let err: QuickJSHandle;
      try {
        err = toError(e);
      } catch (e2) {
        err = vm.newError({ name: 'LimitError', message: (e2 as Error).message });
      }
      const p = ffi.QTS_Throw(ctxPtr, (err as unknown as { value: number }).value);
      err.dispose();
      return p;
    }
    return handleOut(out);
  };
  return true;
}

function isStatic(h: QuickJSHandle): boolean {
  return h.constructor.name === 'StaticLifetime';
}
