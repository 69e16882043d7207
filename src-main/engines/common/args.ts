/**
 * Argument validation for the bindings (and boot()): what each whitelisted method accepts, checked at the one crossing from
 * scripts to engines (Bridge.call) before the engine runs. A value of the wrong type, NaN, ±Infinity, a
 * fraction, a negative or a number past its field's width is refused here with EINVAL, as the kernel refuses
 * an attribute it cannot use; what the value means (a pfn past memory, an order past MAX_PAGE_ORDER, a
 * queue that does not exist) the engines check, with the kernel's errno.
 *
 * A validator returns the value the engine gets: -0 becomes 0 (the kernel sees an integer), everything else
 * is passed on as it came.
 */
import { KernelError } from './errors';

/** Checks one argument (`what` names it in the message) and returns what the engine gets. */
export type Arg = (value: unknown, what: string) => unknown;

/** A value for an error message, whatever it is (String() throws on an object without a prototype). */
export const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
};

const bad = (what: string, want: string, v: unknown): never => {
  throw new KernelError('EINVAL', `${what} must be ${want}, not ${show(v)}`);
};

/** A whole number from min to max (both included); -0 is 0. */
export function int(min: number, max: number): Arg {
  return (v, what) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      return bad(what, `a whole number from ${min} to ${max}`, v);
    return v === 0 ? 0 : v;
  };
}

export const U32_MAX = 0xffffffff;
/** __u32: attribute fields, counts, flags. */
export const u32 = int(0, U32_MAX);
/** __s32 */
export const s32 = int(-0x80000000, 0x7fffffff);
/** A non-negative count that fits a double exactly (offsets and lengths in bytes). */
export const count = int(0, Number.MAX_SAFE_INTEGER);
/** A page order (unsigned int in the kernel; the engines check it against MAX_PAGE_ORDER). */
export const order = u32;

/** A number, finite (costs, probabilities, probe figures: the engine checks their range). */
export const finite: Arg = (v, what) =>
  typeof v === 'number' && Number.isFinite(v) ? (v === 0 ? 0 : v) : bad(what, 'a finite number', v);

export const str: Arg = (v, what) => (typeof v === 'string' ? v : bad(what, 'a string', v));
export const bool: Arg = (v, what) => (typeof v === 'boolean' ? v : bad(what, 'true or false', v));

/** Bytes as a whole number or a string like '4K' (parseSize() reads the string). */
export const size: Arg = (v, what) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint')
    return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : bad(what, "bytes (a whole number) or a size like '4K'", v);
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
    ? v === 0
      ? 0
      : v
    : bad(what, "bytes (a whole number) or a size like '4K'", v);
};

/** Bytes of a buffer: a Uint8Array. */
export const bytes: Arg = (v, what) => (v instanceof Uint8Array ? v : bad(what, 'a Uint8Array', v));

/** A map key or value: bytes, a whole number, a bigint or an array of byte values (the map checks the size). */
export const bytesLike: Arg = (v, what) => {
  if (v instanceof Uint8Array || typeof v === 'bigint') return v;
  if (typeof v === 'number')
    return Number.isSafeInteger(v) && v >= 0
      ? v === 0
        ? 0
        : v
      : bad(what, 'bytes, a non-negative whole number or a bigint', v);
  if (Array.isArray(v) && v.every((b) => typeof b === 'number' && Number.isInteger(b) && b >= 0 && b <= 255)) return v;
  return bad(what, 'bytes (a Uint8Array, byte values 0..255, a non-negative whole number or a bigint)', v);
};

/**
 * Either of two forms (the first that accepts the value). When a form took the value's shape but refused one of
 * its fields or items, that refusal is the message (it names the field); otherwise "must be <want>".
 */
export function either(a: Arg, b: Arg, want: string): Arg {
  const inner = (e: KernelError, what: string): boolean =>
    e.message.startsWith(`${what}.`) || e.message.startsWith(`${what}[`);
  return (v, what) => {
    try {
      return a(v, what);
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      try {
        return b(v, what);
      } catch (e2) {
        if (!(e2 instanceof KernelError)) throw e2;
        if (inner(e2, what)) throw e2;
        if (inner(e, what)) throw e;
        return bad(what, want, v);
      }
    }
  };
}

/** May be left out (undefined). */
export function opt(a: Arg): Arg {
  return (v, what) => (v === undefined ? undefined : a(v, what));
}

/** A list (an array, or a typed array where `typed`) whose items each pass `item`. */
export function list(item: Arg, max = 1 << 24, typed = false): Arg {
  return (v, what) => {
    if (typed && ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as unknown as ArrayLike<number>;
      if (a.length > max) return bad(what, `at most ${max} items`, v);
      for (let i = 0; i < a.length; i++) item(Number(a[i]), `${what}[${i}]`);
      return v;
    }
    if (!Array.isArray(v)) return bad(what, typed ? 'an array or a typed array' : 'an array', v);
    if (v.length > max) throw new KernelError('E2BIG', `${what}: ${v.length} items, at most ${max}`);
    return v.map((x, i) => item(x, `${what}[${i}]`));
  };
}

/** A plain object (not an array, a function or a handle) whose listed fields pass their checks; others go through. */
export function obj(fields: Record<string, Arg>): Arg {
  return (v, what) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v))
      return bad(what, 'an object', v);
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== null && proto !== Object.prototype) return bad(what, 'a plain object', v);
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    for (const [k, check] of Object.entries(fields)) {
      const x = check(out[k], `${what}.${k}`);
      if (x === undefined) delete out[k];
      else out[k] = x;
    }
    return out;
  };
}

/** An engine object of this class (a handle the script holds). */
export function instance(cls: abstract new (...a: never[]) => object, name: string): Arg {
  return (v, what) => (v instanceof cls ? v : bad(what, `a ${name}`, v));
}

/** An engine object this predicate accepts. */
export function matching(test: (v: object) => boolean, name: string): Arg {
  return (v, what) => (typeof v === 'object' && v !== null && test(v) ? v : bad(what, `a ${name}`, v));
}

/** null (a field that may be null, such as a TLB level the CPU lacks). */
export const nul: Arg = (v, what) => (v === null ? null : bad(what, 'null', v));

/** Anything (the engine reads it: source text or an attribute object it checks itself). */
export const any: Arg = (v) => v;

/** Checks a call's arguments against its method's list; extra arguments are dropped, as JavaScript ignores them. */
export function checkArgs(where: string, spec: readonly Arg[], names: readonly string[], args: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < spec.length; i++) out.push(spec[i]!(args[i], `${where}: ${names[i] ?? `argument ${i + 1}`}`));
  while (out.length && out[out.length - 1] === undefined) out.pop();
  return out;
}
