/**
 * Sandbox determinism: no route from a script to the host's clock, time zone or entropy. One script walks every
 * object reachable from the global object (each built-in, its prototype, its constructor and their properties),
 * calls every function it finds both as a function and as a constructor, and records what each gives, with a table
 * of named routes (Date.prototype.constructor, Function, AsyncFunction, ...). It runs with the host's clock at two
 * different times and in three time zones: the records must be identical, and the clock routes must read the
 * virtual clock. A control shows that plain QuickJS does see the host's clock and zone changed the same way.
 */
import { newQuickJSWASMModule } from 'quickjs-emscripten';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunRequestSchema } from '../contract';
import { runInSandbox, VIRTUAL_EPOCH_MS } from './sandbox';

const WALK = String.raw`
const out = {};
const show = (v) => {
  if (v instanceof Date) return 'Date ' + v.getTime() + ' ' + v.toString();
  switch (typeof v) {
    case 'function': return 'function ' + v.name;
    case 'object': {
      if (v === null) return 'null';
      let s;
      try { s = JSON.stringify(v); } catch (e) { s = '(' + e.name + ')'; }
      return Object.prototype.toString.call(v) + ' ' + (s === undefined ? '' : s.slice(0, 200));
    }
    case 'symbol': return v.toString();
    case 'bigint': return v + 'n';
  }
  return typeof v + ' ' + String(v);
};
const rec = (name, f) => {
  try { out[name] = show(f()); } catch (e) { out[name] = 'throws ' + (e && e.name); }
};

// Named routes to a clock, a zone or entropy.
const RealDateRoute = Date.prototype.constructor;
rec('Date()', () => Date());
rec('new Date()', () => new Date());
rec('Date.now()', () => Date.now());
rec('Date.prototype.constructor()', () => Date.prototype.constructor());
rec('new Date.prototype.constructor()', () => new RealDateRoute());
rec('Date.prototype.constructor.now()', () => RealDateRoute.now());
rec('new (new Date(0).constructor)()', () => new (new Date(0).constructor)());
rec('Object.getPrototypeOf(new Date(0)).constructor.now()', () => Object.getPrototypeOf(new Date(0)).constructor.now());
rec('Reflect.construct(Date, [])', () => Reflect.construct(Date, []));
rec('class extends Date', () => { class D extends Date {} return new D(); });
rec('Function("return Date.now()")', () => Function('return Date.now()')());
rec('(function(){}).constructor', () => (function () {}).constructor('return new Date()')());
rec('GeneratorFunction', () => (function* () {}).constructor('yield Date.now()')().next().value);
rec('eval', () => eval('Date.now()'));
rec('indirect eval', () => (0, eval)('new Date().constructor.now()'));
rec('globalThis.Date.now()', () => globalThis.Date.now());
rec('performance.now()', () => performance.now());
rec('performance.constructor', () => performance.constructor);
rec('performance.timeOrigin', () => performance.timeOrigin);
rec('Math.random()', () => [Math.random(), Math.random()]);
rec('Math.random.constructor', () => Math.random.constructor('return Math.random()')());
rec('typeof crypto', () => typeof crypto);
rec('typeof Intl', () => typeof Intl);
rec('typeof setTimeout', () => typeof setTimeout);
rec('typeof Error.captureStackTrace', () => typeof Error.captureStackTrace);
rec('new Error().stack', () => new Error('x').stack);
rec('Symbol()', () => [String(Symbol('a')), Symbol.for('b').description]);
rec('SharedArrayBuffer + Atomics', () => { const a = new Int32Array(new SharedArrayBuffer(8)); Atomics.add(a, 0, 5); return [Atomics.load(a, 0), Atomics.isLockFree(4)]; });
rec('Atomics.wait', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 0));
rec('WeakRef + FinalizationRegistry', () => {
  let finalized = 0;
  const reg = new FinalizationRegistry(() => finalized++);
  const refs = [];
  for (let i = 0; i < 2000; i++) { const o = { i, pad: new Array(50).fill(i) }; reg.register(o, i); if (i % 100 === 0) refs.push(new WeakRef(o)); }
  return [finalized, refs.filter((r) => r.deref() !== undefined).length];
});
// The host's zone: local-time methods and strings without a zone.
rec('new Date(0) local', () => { const d = new Date(0); return [d.toString(), d.getTimezoneOffset(), d.getHours(), d.getDate(), d.toLocaleString(), d.toDateString(), d.toTimeString(), d.toLocaleTimeString()]; });
rec('new Date(2023, 5, 1, 12)', () => new Date(2023, 5, 1, 12).getTime());
rec('Date.parse local', () => [Date.parse('2023-06-01T12:00'), Date.parse('Jun 1 2023 12:00:00'), new Date('2023-06-01 12:00').getTime()]);
rec('Date.parse zoned', () => [Date.parse('2023-06-01T12:00Z'), Date.parse('2023-06-01'), Date.parse('Jun 1 2023 12:00:00 GMT+0200')]);
rec('setHours', () => { const d = new Date(0); d.setHours(5); return d.getTime(); });

// The walk: every object reachable from the global object, by own property, prototype and constructor.
const skip = new Set([lab, print, console, boot]);
const seen = new Set();
const fns = [];
const stack = [['globalThis', globalThis]];
while (stack.length) {
  const [path, x] = stack.pop();
  if ((typeof x !== 'object' && typeof x !== 'function') || x === null || seen.has(x) || skip.has(x)) continue;
  seen.add(x);
  if (typeof x === 'function') fns.push([path, x]);
  stack.push([path + '.[[Prototype]]', Object.getPrototypeOf(x)]);
  for (const k of Reflect.ownKeys(x)) {
    const d = Object.getOwnPropertyDescriptor(x, k);
    const name = path + '.' + String(k);
    if ('value' in d) stack.push([name, d.value]);
    else { stack.push([name + '.get', d.get]); stack.push([name + '.set', d.set]); }
  }
}
for (const [path, f] of fns) {
  if (typeof Atomics !== 'undefined' && (f === Atomics.wait || f === Atomics.waitAsync)) continue;
  rec(path + '()', () => f());
  rec('new ' + path + '()', () => new f());
}
rec('functions walked', () => fns.length);
(async () => {
  rec('AsyncFunction', () => 0);
  out['AsyncFunction'] = show(await (async function () {}).constructor('return Date.now()')());
  const g = (async function* () {}).constructor('yield new Date()')();
  out['AsyncGeneratorFunction'] = show((await g.next()).value);
  lab.result(out);
})();
`;

async function walk(seed: number): Promise<Record<string, string>> {
  const outcome = await runInSandbox(
    RunRequestSchema.parse({ code: WALK, filename: 'walk.js', seed, limits: { timeoutMs: 120_000 } }),
    { output: () => {}, progress: () => {} },
  );
  expect(outcome.error).toBeUndefined();
  return outcome.result as Record<string, string>;
}

const savedTz = process.env.TZ;
afterEach(() => {
  vi.useRealTimers();
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

/** The host at a given real time and time zone (QuickJS reads both from this process's Date). */
function host(time: number, tz: string): void {
  vi.useRealTimers();
  vi.useFakeTimers({ toFake: ['Date'], now: time });
  process.env.TZ = tz;
}

const HOSTS: [number, string][] = [
  [Date.UTC(2031, 6, 15, 3, 4, 5), 'UTC'],
  [Date.UTC(2024, 1, 29, 23, 59, 59), 'America/New_York'],
  [Date.UTC(2026, 11, 7, 13, 0, 0), 'Asia/Kolkata'],
];

describe('sandbox: every route to the clock, the zone and entropy is closed', () => {
  it('plain QuickJS sees the host clock and zone change (the control)', async () => {
    const module = await newQuickJSWASMModule();
    const probe = (): string => {
      const vm = module.newContext();
      try {
        return vm.dump(vm.unwrapResult(vm.evalCode('String(Date.now()) + " " + new Date(0).getHours()'))) as string;
      } finally {
        vm.dispose();
      }
    };
    const seen = HOSTS.map(([t, tz]) => {
      host(t, tz);
      return probe();
    });
    expect(new Set(seen).size).toBe(HOSTS.length);
    expect(seen[0]).toBe(`${HOSTS[0]![0]} 0`);
  });

  it('gives the same record at any real time and in any zone, for the same seed', async () => {
    const records: Record<string, string>[] = [];
    for (const [t, tz] of HOSTS) {
      host(t, tz);
      records.push(await walk(42));
    }
    expect(Number(records[0]!['functions walked']!.split(' ')[1])).toBeGreaterThan(300);
    expect(records[1]).toEqual(records[0]);
    expect(records[2]).toEqual(records[0]);
  });

  it('reads the virtual clock on every Date route and the seed on Math.random', async () => {
    host(HOSTS[1]![0], HOSTS[1]![1]);
    const r = await walk(42);
    const epoch = `number ${VIRTUAL_EPOCH_MS}`;
    const epochDate = `Date ${VIRTUAL_EPOCH_MS} Sun Jan 01 2023 00:00:00 GMT+0000`;
    for (const k of [
      'Date.now()',
      'Date.prototype.constructor.now()',
      'Object.getPrototypeOf(new Date(0)).constructor.now()',
      'Function("return Date.now()")',
      'GeneratorFunction',
      'eval',
      'globalThis.Date.now()',
      'AsyncFunction',
    ]) {
      expect([k, r[k]]).toEqual([k, epoch]);
    }
    for (const k of [
      'new Date()',
      'new Date.prototype.constructor()',
      'new (new Date(0).constructor)()',
      'Reflect.construct(Date, [])',
      'class extends Date',
      '(function(){}).constructor',
      'AsyncGeneratorFunction',
    ]) {
      expect([k, r[k]]).toEqual([k, epochDate]);
    }
    expect(r['indirect eval']).toBe(epoch);
    expect(r['Date()']).toBe('string Sun Jan 01 2023 00:00:00 GMT+0000');
    expect(r['Date.prototype.constructor()']).toBe('string Sun Jan 01 2023 00:00:00 GMT+0000');
    expect(r['performance.now()']).toBe('number 0');
    expect(r['new Date(0) local']).toBe(
      '[object Array] ["Thu Jan 01 1970 00:00:00 GMT+0000",0,0,1,"01/01/1970, 12:00:00 AM","Thu Jan 01 1970","00:00:00 GMT+0000","12:00:00 AM"]',
    );
    expect(r['new Date(2023, 5, 1, 12)']).toBe(`number ${Date.UTC(2023, 5, 1, 12)}`);
    const noon = Date.UTC(2023, 5, 1, 12);
    expect(r['Date.parse local']).toBe(`[object Array] [${noon},${noon},${noon}]`);
    expect(r['Date.parse zoned']).toBe(`[object Array] [${noon},${Date.UTC(2023, 5, 1)},${noon - 2 * 3600_000}]`);
    for (const k of ['typeof crypto', 'typeof Intl', 'typeof setTimeout', 'typeof Error.captureStackTrace'])
      expect(r[k]).toBe('string undefined');
    const other = await walk(43);
    expect(other['Math.random()']).not.toBe(r['Math.random()']);
    expect(other['Date.now()']).toBe(r['Date.now()']);
  });
});
