/**
 * The bridge between script globals and engine objects: the one layer through which scripts reach the engines.
 *
 * Engine objects never enter the sandbox. A script holds *handles*: sandbox objects whose methods are the
 * whitelisted methods of the engine class behind them (see ClassBinding), each call marshalled as JSON with a few
 * markers (handles, bigints, typed arrays, callbacks, undefined). Only whitelisted names are ever looked up on
 * engine objects, so no script can reach `constructor`, `__proto__` or a private field through a handle.
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import { KernelError } from '../engines/common/errors';
import { checkArgs, type Arg } from '../engines/common/args';

/** A class whose instances scripts may hold, with what they may do with them. */
export interface ClassBinding {
  /** The name scripts see (`Program`, `BpfMap`, ...). */
  name: string;
  /** Instances of this class are bound... */
  type?: abstract new (...args: never[]) => object;
  /** ...or objects this predicate accepts (engine records with identity, such as a vmalloc area). */
  match?: (value: object) => boolean;
  /** The TypeScript type the typings are generated from, where it is not `type`'s class name. */
  tsType?: string;
  /**
   * Lab-only methods built in the binding layer from the engine's own (batch forms of hot calls). Each is also
   * listed in `methods`; its typings come from `extrasType` (an interface in bindings.ts) rather than the engine.
   */
  extras?: Record<string, (target: never, ...args: never[]) => unknown>;
  extrasType?: string;
  /** Methods a script may call. */
  methods: readonly string[];
  /**
   * What each method accepts: its arguments' names and checks (args.ts), run before the engine is called, so
   * that a value of the wrong type or width is a KernelError (EINVAL) whatever the engine would have made of it.
   */
  args?: Readonly<Record<string, readonly (readonly [string, Arg])[]>>;
  /** Properties read live on each access. */
  props?: readonly string[];
  /** Properties read once, when the handle is made (sub-objects such as `k.mm`). */
  consts?: readonly string[];
}

/** JSON markers of the wire format (sandbox side: the prelude's `replacer` and `revive`). */
type Wire = null | boolean | number | string | Wire[] | { [k: string]: Wire };

const MAX_DEPTH = 16;
const MAX_ITEMS = 1 << 24;

/** An error thrown by a script callback that an engine called; carries the sandbox's error through the engine. */
export class ScriptCallbackError extends Error {
  constructor(
    message: string,
    readonly errorHandleName: string,
  ) {
    super(message);
    this.name = errorHandleName;
  }
}

export class Bridge {
  private readonly objects: object[] = [];
  private readonly bindings: (ClassBinding | undefined)[] = [];
  private readonly ids = new WeakMap<object, number>();
  private readonly announced = new Set<string>();
  private readonly callbacks = new Map<number, (...args: unknown[]) => unknown>();
  private callFn: QuickJSHandle | undefined;
  /** Set by toWire when it emits a marker (the sandbox must then revive the JSON). */
  private marked = false;

  constructor(
    private readonly vm: QuickJSContext,
    private readonly classes: readonly ClassBinding[],
  ) {}

  /** The sandbox function `(fnId, argsJson) => resultJson` that calls a script callback (set by the prelude). */
  setCallbackDispatcher(fn: QuickJSHandle): void {
    this.callFn = fn.dup();
  }

  dispose(): void {
    this.callFn?.dispose();
  }

  private bindingOf(value: object): ClassBinding | undefined {
    for (const c of this.classes) if (c.match ? c.match(value) : c.type && value instanceof c.type) return c;
    return undefined;
  }

  private idOf(value: object): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.objects.length;
      this.objects.push(value);
      this.bindings.push(typeof value === 'function' ? undefined : this.bindingOf(value));
      this.ids.set(value, id);
    }
    return id;
  }

  /**
   * Host value -> wire JSON value (handles for bound class instances and host functions, markers for bigint,
   * typed arrays, ...). `typed` collects the typed arrays met, in order, for callbacks that write into them.
   */
  toWire(value: unknown, depth = 0, typed?: ArrayBufferView[]): Wire {
    if (depth > MAX_DEPTH) throw new KernelError('EINVAL', 'binding: value nested too deeply to pass to a script');
    switch (typeof value) {
      case 'undefined':
        this.marked = true;
        return { __kl_u: 1 };
      case 'number':
        if (Number.isFinite(value)) return value;
        this.marked = true;
        return { __kl_num: String(value) };
      case 'string':
      case 'boolean':
        return value;
      case 'bigint':
        this.marked = true;
        return { __kl_bigint: value.toString() };
      case 'function':
        // A host function handed to the script (a request's done(), say): a handle the script can call.
        this.marked = true;
        return { __kl_handle: this.idOf(value), cls: 'Function', fn: 1 };
      case 'symbol':
        this.marked = true;
        return { __kl_u: 1 };
    }
    if (value === null) return null;
    const obj = value as object;
    if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
      typed?.push(obj);
      this.marked = true;
      const ta = obj as unknown as { length: number; constructor: { name: string } } & ArrayLike<number | bigint>;
      const data: Wire[] = [];
      for (let i = 0; i < ta.length; i++) {
        const x = ta[i]!;
        data.push(typeof x === 'bigint' ? x.toString() : x);
      }
      return { __kl_typed: ta.constructor.name, data };
    }
    if (Array.isArray(obj)) {
      if (obj.length > MAX_ITEMS) throw new KernelError('E2BIG', 'binding: array too large to pass to a script');
      return obj.map((x) => this.toWire(x, depth + 1, typed));
    }
    if (obj instanceof Map) this.marked = true;
    if (obj instanceof Map)
      return {
        __kl_map: [...obj].map(([k, v]) => [this.toWire(k, depth + 1, typed), this.toWire(v, depth + 1, typed)]),
      };
    if (obj instanceof Set) return [...obj].map((x) => this.toWire(x, depth + 1, typed));
    if (obj instanceof Error) {
      return { name: obj.name, message: obj.message, ...('errno' in obj ? { errno: String(obj.errno) } : {}) };
    }
    const binding = this.bindingOf(obj);
    if (binding) {
      this.marked = true;
      const id = this.idOf(obj);
      const out: { [k: string]: Wire } = { __kl_handle: id, cls: binding.name };
      if (!this.announced.has(binding.name)) {
        this.announced.add(binding.name);
        out.methods = [...binding.methods];
        out.props = [...(binding.props ?? [])];
      }
      if (binding.consts?.length) {
        const consts: { [k: string]: Wire } = {};
        for (const name of binding.consts)
          consts[name] = this.toWire((obj as Record<string, unknown>)[name], depth + 1, typed);
        out.consts = consts;
      }
      return out;
    }
    const proto = Object.getPrototypeOf(obj) as object | null;
    if (proto !== Object.prototype && proto !== null && !(obj instanceof Error)) {
      // An engine object that no ClassBinding exposes: refuse rather than leak its internals as data.
      throw new KernelError('EINVAL', `binding: a ${obj.constructor?.name ?? 'object'} cannot be passed to a script`);
    }
    const out: { [k: string]: Wire } = {};
    for (const [k, v] of Object.entries(obj)) {
      out[k] = this.toWire(v, depth + 1, typed);
    }
    return out;
  }

  /** Wire JSON value (from the sandbox) -> host value. */
  fromWire(value: unknown, depth = 0): unknown {
    if (depth > MAX_DEPTH) throw new KernelError('EINVAL', 'argument nested too deeply');
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((x) => this.fromWire(x, depth + 1));
    const o = value as Record<string, unknown>;
    if ('__kl_u' in o) return undefined;
    if (typeof o.__kl_handle === 'number') {
      const target = this.objects[o.__kl_handle];
      if (!target) throw new KernelError('EBADF', `stale or forged handle ${o.__kl_handle}`);
      return target;
    }
    if (typeof o.__kl_bigint === 'string') return BigInt(o.__kl_bigint);
    if (typeof o.__kl_num === 'string') return Number(o.__kl_num);
    if (typeof o.__kl_typed === 'string' && Array.isArray(o.data)) return makeTyped(o.__kl_typed, o.data);
    if (typeof o.__kl_fn === 'number') return this.callbackFor(o.__kl_fn);
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) out[k] = this.fromWire(v, depth + 1);
    return out;
  }

  /** A host function that calls the script's callback number `fnId` (ublk target handlers, ringbuf consumers). */
  private callbackFor(fnId: number): (...args: unknown[]) => unknown {
    let fn = this.callbacks.get(fnId);
    if (fn) return fn;
    fn = (...args: unknown[]): unknown => {
      if (!this.callFn) throw new Error('binding: callbacks are not wired');
      const vm = this.vm;
      const idH = vm.newNumber(fnId);
      const typed: ArrayBufferView[] = [];
      const argsH = vm.newString(JSON.stringify(this.toWire(args, 0, typed)));
      const r = vm.callFunction(this.callFn, vm.undefined, idH, argsH);
      idH.dispose();
      argsH.dispose();
      if (r.error) {
        const e = vm.dump(r.error) as { name?: string; message?: string; errno?: string } | undefined;
        r.error.dispose();
        const err = new ScriptCallbackError(e?.message ?? 'the script callback failed', e?.name ?? 'Error');
        if (e?.errno) (err as ScriptCallbackError & { errno?: string }).errno = e.errno;
        throw err;
      }
      const json = vm.getString(r.value);
      r.value.dispose();
      // The dispatcher answers { r, back }: the callback's result and the typed arrays it was given, as they are
      // now; what the script wrote into them (a read's data) is copied back into the host's arrays.
      const answer = JSON.parse(json) as { r?: unknown; back?: unknown[] };
      const back = Array.isArray(answer.back) ? answer.back : [];
      for (let i = 0; i < typed.length && i < back.length; i++) {
        const fresh = this.fromWire(back[i]);
        const dst = typed[i]!;
        if (ArrayBuffer.isView(fresh) && fresh.constructor === dst.constructor) {
          const n = Math.min((dst as Uint8Array).length, (fresh as Uint8Array).length);
          (dst as Uint8Array).set((fresh as Uint8Array).subarray(0, n));
        }
      }
      return this.fromWire(answer.r);
    };
    this.callbacks.set(fnId, fn);
    return fn;
  }

  /** Calls `method` of the object behind handle `id` with wire-encoded `argsJson`. */
  invoke(id: number, method: string | number, argsJson: string): unknown {
    let args: unknown;
    try {
      args = this.fromWire(JSON.parse(argsJson));
    } catch (e) {
      if (e instanceof KernelError) throw e;
      throw new KernelError('EINVAL', `${method}: malformed arguments`);
    }
    if (!Array.isArray(args)) throw new KernelError('EINVAL', `${method}: malformed arguments`);
    return this.call(id, method, args);
  }

  /**
   * Calls `method` of the object behind handle `id` with host arguments; returns the host result. `method` is a
   * name or, from the prelude's hot path, an index into the binding's method list (the order the sandbox got).
   */
  call(id: number, method: string | number, args: unknown[]): unknown {
    const target = this.objects[id];
    if (!target) throw new KernelError('EBADF', `stale or forged handle ${id}`);
    if (typeof target === 'function') {
      if (method !== '@call') throw new TypeError(`${method} of a host function`);
      return (target as (...a: unknown[]) => unknown)(...args);
    }
    const binding = this.bindings[id];
    if (!binding) throw new KernelError('EBADF', `handle ${id} is not bound`);
    if (typeof method === 'number') {
      const name = Number.isInteger(method) && method >= 0 ? binding.methods[method] : undefined;
      if (name === undefined) throw new TypeError(`${binding.name} has no method #${method}`);
      method = name;
    } else if (method.startsWith('@get:')) {
      const prop = method.slice(5);
      if (!binding.props?.includes(prop)) throw new TypeError(`${binding.name} has no property '${prop}'`);
      return (target as Record<string, unknown>)[prop];
    } else if (!binding.methods.includes(method)) throw new TypeError(`${binding.name}.${method} is not a function`);
    const spec = binding.args && Object.hasOwn(binding.args, method) ? binding.args[method] : undefined;
    if (spec)
      args = checkArgs(
        `${binding.name === 'Mm' || binding.name === 'Bpf' || binding.name === 'Ublk' ? binding.name.toLowerCase() : binding.name}.${method}`,
        spec.map(([, a]) => a),
        spec.map(([n]) => n),
        args,
      );
    const extra = binding.extras && Object.hasOwn(binding.extras, method) ? binding.extras[method] : undefined;
    if (extra) return (extra as (t: object, ...a: unknown[]) => unknown)(target, ...args);
    const fn = (target as Record<string, unknown>)[method];
    if (typeof fn !== 'function') throw new TypeError(`${binding.name}.${method} is not a function`);
    return (fn as (...a: unknown[]) => unknown).apply(target, args);
  }

  /**
   * A result for the sandbox: numbers, booleans, null and undefined go as they are (no JSON on the hot path);
   * anything else as wire JSON prefixed 'J' (plain JSON) or 'R' (has markers: the sandbox revives it).
   */
  result(value: unknown): unknown {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      // A typed array (a batch call's result) goes as bytes, not JSON.
      return new TypedResult(value.constructor.name, new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    switch (typeof value) {
      case 'number':
        if (Number.isFinite(value)) return value;
        break;
      case 'boolean':
      case 'undefined':
        return value;
      case 'object':
        if (value === null) return null;
    }
    this.marked = false;
    const json = JSON.stringify(this.toWire(value));
    return (this.marked ? 'R' : 'J') + json;
  }
}

/** A typed array result, sent to the sandbox as an ArrayBuffer and the name of its type. */
export class TypedResult {
  constructor(
    readonly type: string,
    readonly bytes: Uint8Array,
  ) {}
}

/** A typed array constructor: from raw bytes (arguments) or from a list of values (JSON). */
interface TypedCtor {
  new (buffer: ArrayBuffer): ArrayBufferView;
  from(data: ArrayLike<number> | ArrayLike<bigint>): ArrayBufferView;
}

/** The typed array constructors a script may pass or receive, by name. */
export const TYPED_CTORS: Record<string, TypedCtor> = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  Uint8ClampedArray,
  BigInt64Array,
  BigUint64Array,
} as Record<string, TypedCtor>;

/** A typed array from its wire form: the type's name and its values (64-bit elements as decimal strings). */
function makeTyped(name: string, data: unknown[]): ArrayBufferView {
  const Ctor = Object.hasOwn(TYPED_CTORS, name) ? TYPED_CTORS[name] : undefined;
  if (!Ctor || data.length > MAX_ITEMS)
    throw new KernelError('EINVAL', `cannot pass a ${name} of ${data.length} items`);
  const big = Ctor === (BigInt64Array as unknown) || Ctor === (BigUint64Array as unknown);
  return Ctor.from(big ? (data as string[]).map((x) => BigInt(x)) : (data as number[]));
}
