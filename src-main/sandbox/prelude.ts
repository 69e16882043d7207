/**
 * Code evaluated inside the QuickJS sandbox before the user's script, under the file name `<lab>` (so that its
 * frames can be told apart from the script's). It defines the script-facing globals on top of a few host
 * functions (`__host.*`), which it removes from the global object before the script runs.
 *
 * It is JavaScript source, not TypeScript: it runs inside QuickJS, not in Node.
 */
export const PRELUDE_FILENAME = '<lab>';

export const PRELUDE = String.raw`
'use strict';
(function (host) {
  const g = globalThis;
  // Captured now: a script that replaces JSON.stringify or JSON.parse must not change how the lab marshals.
  const stringify = JSON.stringify, parse = JSON.parse;
  const define = (obj, name, value) =>
    Object.defineProperty(obj, name, { value, writable: false, enumerable: false, configurable: false });

  // ---- formatting, after Node's util.inspect (depth-limited, circular-safe) ----
  const MAX_DEPTH = 4, MAX_ITEMS = 100, MAX_STRING = 10000, BREAK = 72;
  function quote(s) {
    if (s.length > MAX_STRING) s = s.slice(0, MAX_STRING) + '... ' + (s.length - MAX_STRING) + ' more characters';
    return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
  }
  function keyText(k) {
    return typeof k === 'symbol' ? '[' + String(k) + ']' : /^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k);
  }
  function wrap(open, items, close, indent) {
    if (items.length === 0) return open + close;
    const flat = open + ' ' + items.join(', ') + ' ' + close;
    if (flat.length <= BREAK && !flat.includes('\n')) return flat;
    const pad = '  '.repeat(indent + 1);
    // Many short items (numbers, bytes) are grouped several to a line, as Node does.
    if (items.length > 6 && items.every((x) => x.length <= 16 && !x.includes('\n'))) {
      const width = Math.max(...items.map((x) => x.length)) + 2;
      const perLine = Math.max(1, Math.min(16, Math.floor((BREAK - pad.length) / width)));
      const lines = [];
      for (let i = 0; i < items.length; i += perLine) {
        lines.push(items.slice(i, i + perLine).map((x, j, row) => (i + j < items.length - 1 ? x + ',' : x).padStart(j === row.length - 1 && i + j === items.length - 1 ? 0 : width - 1)).join(' '));
      }
      return open + '\n' + pad + lines.join('\n' + pad) + '\n' + '  '.repeat(indent) + close;
    }
    return open + '\n' + pad + items.join(',\n' + pad) + '\n' + '  '.repeat(indent) + close;
  }
  function inspect(v, depth, seen, indent) {
    switch (typeof v) {
      case 'string': return depth === 0 ? v : quote(v);
      case 'bigint': return String(v) + 'n';
      case 'symbol': return String(v);
      case 'undefined': return 'undefined';
      case 'function': return '[Function: ' + (v.name || '(anonymous)') + ']';
      case 'number': return Object.is(v, -0) ? '-0' : String(v);
      case 'boolean': return String(v);
    }
    if (v === null) return 'null';
    if (seen.includes(v)) return '[Circular]';
    if (v instanceof Error) {
      const head = v.name + ': ' + v.message + (v.errno ? ' [' + v.errno + ']' : '');
      return depth === 0 && v.stack ? head + '\n' + cleanStack(v.stack) : '[' + head + ']';
    }
    if (v instanceof Date) return isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (depth > MAX_DEPTH) return Array.isArray(v) ? '[Array]' : '[Object]';
    seen.push(v);
    try {
      if (Array.isArray(v) || ArrayBuffer.isView(v)) {
        const items = [];
        const n = Math.min(v.length, MAX_ITEMS);
        for (let i = 0; i < n; i++) items.push(inspect(v[i], depth + 1, seen, indent + 1));
        if (v.length > MAX_ITEMS) items.push('... ' + (v.length - MAX_ITEMS) + ' more items');
        const prefix = Array.isArray(v) ? '' : v.constructor.name + '(' + v.length + ') ';
        return prefix + wrap('[', items, ']', indent);
      }
      if (v instanceof Map) {
        const items = [];
        for (const [k, val] of v) {
          if (items.length >= MAX_ITEMS) { items.push('...'); break; }
          items.push(inspect(k, depth + 1, seen, indent + 1) + ' => ' + inspect(val, depth + 1, seen, indent + 1));
        }
        return 'Map(' + v.size + ') ' + wrap('{', items, '}', indent);
      }
      if (v instanceof Set) {
        const items = [];
        for (const val of v) {
          if (items.length >= MAX_ITEMS) { items.push('...'); break; }
          items.push(inspect(val, depth + 1, seen, indent + 1));
        }
        return 'Set(' + v.size + ') ' + wrap('{', items, '}', indent);
      }
      if (v instanceof Promise) return 'Promise {}';
      const items = [];
      for (const k of Object.keys(v)) {
        if (items.length >= MAX_ITEMS) { items.push('...'); break; }
        items.push(keyText(k) + ': ' + inspect(v[k], depth + 1, seen, indent + 1));
      }
      const ctor = Object.getPrototypeOf(v);
      const name = ctor === null ? '[Object: null prototype] ' : ctor.constructor && ctor.constructor !== Object ? ctor.constructor.name + ' ' : '';
      return name + wrap('{', items, '}', indent);
    } finally {
      seen.pop();
    }
  }
  function format(args) {
    let out = '';
    for (let i = 0; i < args.length; i++) out += (i ? ' ' : '') + inspect(args[i], 0, [], 0);
    return out;
  }
  // Drops the prelude's own frames from a stack.
  function cleanStack(stack) {
    return String(stack).split('\n').filter((l) => l && !l.includes('(${PRELUDE_FILENAME}') && !l.includes('at ${PRELUDE_FILENAME}')).join('\n');
  }

  const write = host.write;
  const print = (...args) => { write(1, format(args) + '\n'); };
  define(g, 'print', print);
  const console = {};
  for (const m of ['log', 'info', 'debug']) console[m] = print;
  for (const m of ['warn', 'error']) console[m] = (...args) => { write(2, format(args) + '\n'); };
  console.table = (rows) => lab.table(rows);
  define(g, 'console', Object.freeze(console));

  // ---- KernelError: what the simulated kernel throws ----
  class KernelError extends Error {
    constructor(errno, message) {
      super(message);
      this.name = 'KernelError';
      this.errno = errno;
    }
  }
  define(g, 'KernelError', KernelError);

  // ---- BigInt built-ins that QuickJS gets wrong (checked against Node on a table of edge values, sandbox.test.ts) ----
  // Defined as the native ones are (writable, configurable, not enumerable, not constructors).
  const builtin = (obj, name, fn) =>
    Object.defineProperty(obj, name, { value: fn, writable: true, enumerable: false, configurable: true });
  const nativeAsIntN = BigInt.asIntN, mathTrunc = Math.trunc, mathFloor = Math.floor, bigintToString = BigInt.prototype.toString;
  const reflectCall = Reflect.apply;
  // ToIndex (ECMA-262 7.1.22): what both asIntN and asUintN apply to their first argument.
  function toIndex(bits) {
    const n = bits === undefined ? 0 : mathTrunc(+bits) || 0;
    if (n < 0 || n > 9007199254740991) throw new RangeError('invalid array index');
    return n;
  }
  // QuickJS's asUintN returns a negative value for a negative argument, or one whose bit bits-1 is set
  // (asUintN(64, -1n) is -1n): its own asIntN is right, and asIntN(bits + 1, x) is x modulo 2^(bits+1), so a
  // negative one plus 2^bits is x modulo 2^bits.
  builtin(BigInt, 'asUintN', { asUintN(bits, bigint) {
    const n = toIndex(bits);
    if (n === 9007199254740991) {
      const x = nativeAsIntN(n, bigint);
      if (x < 0n) throw new RangeError('Maximum BigInt size exceeded');
      return x;
    }
    const x = nativeAsIntN(n + 1, bigint);
    return x < 0n ? x + (1n << BigInt(n)) : x;
  } }.asUintN);
  // QuickJS has no BigInt.prototype.toLocaleString (Object's gives plain digits) and no Intl: this formats as
  // Node's default en-US locale does, digits grouped by three; locales and options are not read.
  builtin(BigInt.prototype, 'toLocaleString', { toLocaleString() {
    const s = reflectCall(bigintToString, this, []);
    const neg = s.charCodeAt(0) === 45, digits = neg ? s.slice(1) : s;
    let out = '';
    for (let i = 0; i < digits.length; i++) out += (i > 0 && (digits.length - i) % 3 === 0 ? ',' : '') + digits[i];
    return (neg ? '-' : '') + out;
  } }.toLocaleString);

  // ---- determinism: seeded Math.random (xoshiro128**, the engines' Prng), virtual time ----
  let s0 = host.seedState[0] >>> 0, s1 = host.seedState[1] >>> 0, s2 = host.seedState[2] >>> 0, s3 = host.seedState[3] >>> 0;
  const rotl = (x, k) => ((x << k) | (x >>> (32 - k))) >>> 0;
  function nextU32() {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
    s0 >>>= 0; s1 >>>= 0; s2 >>>= 0;
    return result;
  }
  define(Math, 'random', function random() {
    const hi = nextU32() >>> 5, lo = nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  });
  const EPOCH_MS = host.epochMs;
  const vnow = host.virtualNowMs;
  // The real Date constructor is reachable from every date (Date.prototype.constructor) and reads the host's
  // clock and time zone: each route is closed here. Dates are in UTC whatever the host's zone (the simulated
  // machine's clock is UTC): local-time methods give the UTC fields, strings without a zone are read as UTC.
  const RealDate = Date, DateProto = RealDate.prototype, realParse = RealDate.parse, realUTC = RealDate.UTC;
  const reflectConstruct = Reflect.construct, isNaNf = Number.isNaN;
  const dateCall = (name) => { const f = DateProto[name]; return (d, args) => reflectCall(f, d, args); };
  const getTime = dateCall('getTime'), realOffset = dateCall('getTimezoneOffset');
  // A zone in a date string (Z, +hh:mm, GMT, UTC, a US zone name) or an ISO date without a time: read as written.
  const ZONED = /(?:\dZ|[+-]\d\d:?\d\d|\b(?:GMT|UTC?|[ECMP][SD]T)\b)[^:]*$|^\s*[+-]?\d{4,6}(?:-\d\d){0,2}\s*$/i;
  function parseDate(str) {
    const s = String(str);
    const t = realParse(s);
    // Read in the host's zone: t is the fields as UTC plus the host's offset at t.
    return isNaNf(t) || ZONED.test(s) ? t : t - realOffset(new RealDate(t), []) * 60000;
  }
  // ToPrimitive(v, default) (ECMA-262 7.1.1), for new Date(value).
  function toPrimitive(v) {
    const isObj = (x) => (typeof x === 'object' && x !== null) || typeof x === 'function';
    if (!isObj(v)) return v;
    const exotic = v[Symbol.toPrimitive];
    if (exotic !== undefined && exotic !== null) {
      const r = reflectCall(exotic, v, ['default']);
      if (isObj(r)) throw new TypeError('cannot convert object to primitive value');
      return r;
    }
    for (const m of ['valueOf', 'toString']) {
      const f = v[m];
      if (typeof f === 'function') {
        const r = reflectCall(f, v, []);
        if (!isObj(r)) return r;
      }
    }
    throw new TypeError('cannot convert object to primitive value');
  }
  function LabDate(...args) {
    if (!new.target) return reflectCall(labToString, new RealDate(EPOCH_MS + vnow()), []);
    let t;
    if (args.length === 0) t = EPOCH_MS + vnow();
    else if (args.length === 1) {
      const v = args[0];
      try {
        t = getTime(v, []);
      } catch {
        const p = toPrimitive(v);
        t = typeof p === 'string' ? parseDate(p) : p;
      }
    } else t = reflectCall(realUTC, undefined, args);
    return reflectConstruct(RealDate, [t], new.target);
  }
  define(LabDate, 'prototype', DateProto);
  Object.defineProperty(LabDate, 'name', { value: 'Date', configurable: true });
  Object.defineProperty(LabDate, 'length', { value: 7, configurable: true });
  builtin(LabDate, 'now', { now() { return EPOCH_MS + mathFloor(vnow()); } }.now);
  builtin(LabDate, 'UTC', realUTC);
  builtin(LabDate, 'parse', { parse(s) { return parseDate(s); } }.parse);
  builtin(DateProto, 'constructor', LabDate);
  // UTC in place of the host's zone.
  const utc = (local, name) => builtin(DateProto, local, { [local](...a) { return reflectCall(DateProto[name], this, a); } }[local]);
  for (const f of ['FullYear', 'Month', 'Date', 'Day', 'Hours', 'Minutes', 'Seconds', 'Milliseconds']) {
    utc('get' + f, 'getUTC' + f);
    if (f !== 'Day') utc('set' + f, 'setUTC' + f);
  }
  const getUTC = (d) => {
    const t = getTime(d, []);
    if (isNaNf(t)) return undefined;
    const u = new RealDate(t);
    return { y: u.getUTCFullYear(), mo: u.getUTCMonth(), d: u.getUTCDate(), wd: u.getUTCDay(), h: u.getUTCHours(), mi: u.getUTCMinutes(), s: u.getUTCSeconds() };
  };
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n) => (n < 10 ? '0' : '') + n;
  const year = (y) => (y < 0 ? '-' : '') + String(y < 0 ? -y : y).padStart(4, '0');
  const dateText = (u) => DAYS[u.wd] + ' ' + MONTHS[u.mo] + ' ' + p2(u.d) + ' ' + year(u.y);
  const timeText = (u) => p2(u.h) + ':' + p2(u.mi) + ':' + p2(u.s) + ' GMT+0000';
  const localeDate = (u) => p2(u.mo + 1) + '/' + p2(u.d) + '/' + year(u.y);
  const localeTime = (u) => ((u.h + 11) % 12) + 1 + ':' + p2(u.mi) + ':' + p2(u.s) + (u.h < 12 ? ' AM' : ' PM');
  const text = (name, f) => {
    const fn = { [name]() { const u = getUTC(this); return u ? f(u) : 'Invalid Date'; } }[name];
    builtin(DateProto, name, fn);
    return fn;
  };
  const labToString = text('toString', (u) => dateText(u) + ' ' + timeText(u));
  text('toDateString', dateText);
  text('toTimeString', timeText);
  text('toLocaleString', (u) => localeDate(u) + ', ' + localeTime(u));
  text('toLocaleDateString', localeDate);
  text('toLocaleTimeString', localeTime);
  builtin(DateProto, 'getTimezoneOffset', { getTimezoneOffset() { return isNaNf(getTime(this, [])) ? NaN : 0; } }.getTimezoneOffset);
  if (DateProto.getYear) builtin(DateProto, 'getYear', { getYear() { const y = this.getUTCFullYear(); return y - 1900; } }.getYear);
  if (DateProto.setYear) {
    builtin(DateProto, 'setYear', { setYear(y) {
      const n = +y;
      return reflectCall(DateProto.setUTCFullYear, this, [n >= 0 && n <= 99 && mathTrunc(n) === n ? 1900 + n : n]);
    } }.setYear);
  }
  define(g, 'Date', LabDate);
  define(g, 'performance', Object.freeze({ now: () => vnow() }));

  // ---- lab: helpers of the laboratory ----
  const lab = {};
  define(lab, 'seed', host.seed);
  define(lab, 'params', Object.freeze(JSON.parse(host.params)));
  define(lab, 'result', (value) => {
    host.result(stringify(value, (k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null');
  });
  define(lab, 'progress', (fraction, message) => {
    host.progress(typeof fraction === 'number' ? fraction : -1, message === undefined ? '' : String(message));
  });
  define(lab, 'chart', (name, series, options) => {
    host.view('chart', stringify({ name, series, options }, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
  });
  define(lab, 'table', (rows, name) => {
    host.view('table', stringify({ name, rows }, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  });
  define(lab, 'assert', (cond, message) => {
    if (!cond) {
      const e = new Error(message === undefined ? 'assertion failed' : String(message));
      e.name = 'AssertionError';
      throw e;
    }
  });
  define(g, 'lab', Object.freeze(lab));

  // ---- the bridge to the engines: handles whose methods call whitelisted engine methods ----
  const HANDLE_IDS = new WeakMap();
  const byId = new Map();
  const protos = new Map();
  const callbacks = [];
  const TYPED = { Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Float32Array, Float64Array,
    Uint8ClampedArray, BigInt64Array, BigUint64Array };
  function replacer(k, v) {
    switch (typeof v) {
      case 'undefined': return { __kl_u: 1 };
      case 'bigint': return { __kl_bigint: v.toString() };
      case 'number': return Number.isFinite(v) ? v : { __kl_num: String(v) };
      case 'function': {
        let id = callbacks.indexOf(v);
        if (id < 0) id = callbacks.push(v) - 1;
        return { __kl_fn: id };
      }
      case 'object': {
        if (v === null) return v;
        const id = HANDLE_IDS.get(v);
        if (id !== undefined) return { __kl_handle: id };
        if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
          return { __kl_typed: v.constructor.name, data: Array.from(v, (x) => (typeof x === 'bigint' ? x.toString() : x)) };
        }
        return v;
      }
    }
    return v;
  }
  function revive(k, v) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      if ('__kl_u' in v) return undefined;
      if ('__kl_handle' in v) return wrapHandle(v);
      if ('__kl_bigint' in v) return BigInt(v.__kl_bigint);
      if ('__kl_num' in v) return Number(v.__kl_num);
      if ('__kl_typed' in v) {
        const C = TYPED[v.__kl_typed];
        return C === BigInt64Array || C === BigUint64Array ? C.from(v.data, (x) => BigInt(x)) : C.from(v.data);
      }
      if ('__kl_map' in v) return new Map(v.__kl_map);
    }
    return v;
  }
  const hostInvokeP = host.invokeP;
  // Host results: numbers, booleans, null and undefined as they are; anything else JSON, 'R'-prefixed when it
  // holds markers to revive (handles, bigints, typed arrays), 'J'-prefixed when plain.
  function unwrap(r) {
    if (typeof r !== 'string') return r !== null && typeof r === 'object' ? new TYPED[r[0]](r[1]) : r;
    return r.charCodeAt(0) === 82 ? parse(r.slice(1), revive) : parse(r.slice(1));
  }
  // Argument type codes for invokeP's mask (base 8; fastcall.ts reads them): 0 number, 1 string, 2 undefined,
  // 3 null, 4 true, 5 false, 6 typed array, 7 the JSON text of all the arguments (any other value).
  // Captured before any script runs: a script that replaces them later changes nothing here.
  const reflectApply = Reflect.apply, arraySlice = Array.prototype.slice;
  function argCode(a) {
    const t = typeof a;
    if (t === 'number') return 0;
    if (t === 'string') return 1;
    if (t === 'undefined') return 2;
    if (a === null) return 3;
    if (t === 'boolean') return a ? 4 : 5;
    if (t === 'object' && ArrayBuffer.isView(a) && !(a instanceof DataView) && TYPED[a.constructor.name] === a.constructor) return 6;
    return -1;
  }
  // Arguments as JSON text: a circular structure is bad input (EINVAL), not QuickJS's TypeError; an exception of
  // the script's own getters or toJSON goes through as the script threw it.
  function marshal(v) {
    try {
      return stringify(v, replacer);
    } catch (e) {
      if (e instanceof TypeError && e.message === 'circular reference')
        throw new KernelError('EINVAL', 'an argument holds a circular reference: it cannot be copied to the kernel');
      throw e;
    }
  }
  // Arguments that are not all primitives go as one JSON text, argument code 7 (the same host entry point).
  function invokeJson(id, m, args) {
    return unwrap(hostInvokeP(fast(m, 7), id, m, marshal(args)));
  }
  function invoke(id, name, args) {
    let mask = 0, scale = 1;
    for (let i = 0; i < args.length; i++, scale *= 8) {
      const c = argCode(args[i]);
      if (c < 0) return invokeJson(id, name, args);
      mask += c * scale;
    }
    return unwrap(hostInvokeP(fast(name, mask), id, name, ...args));
  }
  // Calls with up to three arguments skip the rest array and the spread (most engine calls: a QuickJS function
  // call costs about as much as the host call itself). \`m\` is the method's index in its class's method list
  // (the host's order), flagged by a negative mask (-1 - mask), so that the host reads a number per call, not a
  // string; names ('@get:prop', '@call') go with a plain mask.
  function fast(m, mask) {
    return typeof m === 'number' ? -1 - mask : mask;
  }
  function invoke0(id, m) {
    const r = hostInvokeP(fast(m, 0), id, m);
    return typeof r === 'number' ? r : unwrap(r);
  }
  function invoke1(id, m, a) {
    const c = argCode(a);
    if (c < 0) return invokeJson(id, m, [a]);
    const r = hostInvokeP(fast(m, c), id, m, a);
    return typeof r === 'number' ? r : unwrap(r);
  }
  function invoke2(id, m, a, b) {
    const c = argCode(a), d = argCode(b);
    if (c < 0 || d < 0) return invokeJson(id, m, [a, b]);
    const r = hostInvokeP(fast(m, c + 8 * d), id, m, a, b);
    return typeof r === 'number' ? r : unwrap(r);
  }
  function invoke3(id, m, a, b, x) {
    const c = argCode(a), d = argCode(b), e = argCode(x);
    if (c < 0 || d < 0 || e < 0) return invokeJson(id, m, [a, b, x]);
    const r = hostInvokeP(fast(m, c + 8 * d + 64 * e), id, m, a, b, x);
    return typeof r === 'number' ? r : unwrap(r);
  }
  function makeProto(cls, methods, props) {
    const proto = {};
    for (let mi = 0; mi < methods.length; mi++) {
      const m = methods[mi];
      const fn = { [m](a, b, c) {
        const id = HANDLE_IDS.get(this);
        if (id === undefined) throw new TypeError(cls + '.' + m + ' called on something that is not a ' + cls);
        switch (arguments.length) {
          case 0: return invoke0(id, mi);
          case 1: return invoke1(id, mi, a);
          case 2: return invoke2(id, mi, a, b);
          case 3: return invoke3(id, mi, a, b, c);
        }
        return invoke(id, mi, reflectApply(arraySlice, arguments, []));
      } }[m];
      define(proto, m, fn);
    }
    for (const p of props) {
      Object.defineProperty(proto, p, {
        get() {
          const id = HANDLE_IDS.get(this);
          if (id === undefined) throw new TypeError(cls + '.' + p + ' read on something that is not a ' + cls);
          return invoke(id, '@get:' + p, []);
        },
        enumerable: false,
      });
    }
    Object.defineProperty(proto, Symbol.toStringTag, { value: cls });
    define(proto, 'constructor', { name: cls });
    return Object.freeze(proto);
  }
  function wrapHandle(v) {
    const known = byId.get(v.__kl_handle);
    if (known) return known;
    if (v.fn) {
      const id = v.__kl_handle;
      const f = function (...args) { return invoke(id, '@call', args); };
      byId.set(id, f);
      return f;
    }
    if (v.methods) protos.set(v.cls, makeProto(v.cls, v.methods, v.props || []));
    const w = Object.create(protos.get(v.cls));
    HANDLE_IDS.set(w, v.__kl_handle);
    if (v.consts) for (const k of Object.keys(v.consts)) Object.defineProperty(w, k, { value: v.consts[k], enumerable: true });
    byId.set(v.__kl_handle, w);
    return Object.freeze(w);
  }
  // For the host: build a KernelError (or another error) to throw into the script, and call script callbacks.
  host.register(
    (name, errno, message, extra) => {
      const e = name === 'KernelError' ? new KernelError(errno, message) : new (g[name] && g[name].prototype instanceof Error ? g[name] : Error)(message);
      if (name !== 'KernelError' && e.name !== name) e.name = name;
      // A KernelError's detail: the verifier log of a rejected program (.log), the instruction and source line.
      if (extra) Object.assign(e, parse(extra));
      return e;
    },
    (fnId, argsJson) => {
      // The typed arrays the callback is given are sent back after it returns: what it wrote into them (a
      // read's data) reaches the engine.
      const typed = [];
      const args = parse(argsJson, (k, v) => {
        const x = revive(k, v);
        if (ArrayBuffer.isView(x)) typed.push(x);
        return x;
      });
      const r = callbacks[fnId](...args);
      return stringify({ r, back: typed }, replacer);
    },
  );
  const hostBoot = host.boot;
  define(g, 'boot', function boot(options) {
    return unwrap(hostBoot(marshal(options === undefined ? {} : options)));
  });
})(globalThis.__host);
delete globalThis.__host;
`;
