/**
 * Hostile scripts: every one must end with a clean error or limit message, and leave the host, other runs and
 * the engines' invariants intact, with no access to Node, the file system or the network.
 */
import { describe, expect, it } from 'vitest';
import { RunRequestSchema, type RunError, type RunRequest } from '../contract';
import { runInSandbox, type SandboxOutcome } from './sandbox';
import { CLASS_BINDINGS } from './bindings';
import { Bridge } from './bridge';

async function run(code: string, opts: Partial<RunRequest> = {}): Promise<SandboxOutcome & { out: string }> {
  let out = '';
  const outcome = await runInSandbox(
    RunRequestSchema.parse({ code, filename: 'evil.js', limits: { timeoutMs: 2000 }, ...opts }),
    {
      output: (_s, t) => (out += t),
      progress: () => {},
    },
  );
  return { ...outcome, out };
}

/** The error of a run that must have failed cleanly: a script, limit or syntax error with a message. */
function cleanError(o: SandboxOutcome): RunError {
  expect(o.ok).toBe(false);
  const e = o.error!;
  expect(['script', 'limit', 'syntax']).toContain(e.kind);
  expect(e.message.length).toBeGreaterThan(0);
  return e;
}

const HOST_ONLY = [
  'require',
  'process',
  'Buffer',
  'module',
  'global',
  '__dirname',
  'fetch',
  'XMLHttpRequest',
  'WebSocket',
  'setTimeout',
  'std',
  'os',
  'WebAssembly',
  'Atomics',
  '__host',
];

describe('hostile: escapes', () => {
  it.each([
    ['Function constructor', `return Function('return typeof process')()`],
    ['constructor chain', `return (() => {}).constructor('return typeof require')()`],
    ['constructor chain of a handle method', `return boot().mm.alloc_pages.constructor('return typeof process')()`],
    ['indirect eval', `return (0, eval)('typeof Buffer')`],
    ['eval', `return eval('typeof module')`],
    [
      'globalThis lookups',
      `return ${JSON.stringify(HOST_ONLY)}.filter((n) => typeof globalThis[n] !== 'undefined').join(',') || 'undefined'`,
    ],
    ['async function constructor', `return typeof (async function () {}).constructor('return process')`],
    [
      'generator function constructor',
      `return typeof Object.getPrototypeOf(function* () {}).constructor('return require')().next().value`,
    ],
  ])('%s reaches nothing of the host', async (_name, body) => {
    const o = await run(`lab.result((function () { ${body} })())`);
    if (o.ok) expect(['undefined', 'function']).toContain(o.result);
    else cleanError(o);
    if (o.ok && o.result === 'function') {
      // A sandbox function, not a host one: calling it still finds no process.
      const again = await run(
        `lab.result((async function () {}).constructor('return typeof process')() instanceof Promise)`,
      );
      expect(again.result).toBe(true);
    }
  });

  it('dynamic import finds no module loader', async () => {
    const o = await run(`import('fs').then((m) => lab.result(Object.keys(m)), (e) => lab.result(String(e)))`);
    expect(o.result).toMatch(/could not load module 'fs'/);
  });

  it('dynamic import of a URL fails the same way', async () => {
    const o = await run(
      `import('http://127.0.0.1/evil.js').then(() => lab.result('loaded'), (e) => lab.result('refused'))`,
    );
    expect(o.result).toBe('refused');
  });

  it('the host functions are gone before the script runs', async () => {
    const o = await run(
      `lab.result([typeof __host, typeof globalThis.__host, Object.getOwnPropertyNames(globalThis).includes('__host')])`,
    );
    expect(o.result).toEqual(['undefined', 'undefined', false]);
  });

  it('print, lab and boot cannot be replaced', async () => {
    const o = await run(`'use strict'; try { print = 1 } catch (e) { lab.result(e.name) }`);
    expect(o.result).toBe('TypeError');
    const o2 = await run(`'use strict'; try { lab.seed = 5 } catch (e) { lab.result([e.name, lab.seed]) }`, {
      seed: 9,
    });
    expect(o2.result).toEqual(['TypeError', 9]);
  });
});

describe('hostile: handles and the bridge', () => {
  it('a handle method called on another object is refused', async () => {
    const o = await run(`const k = boot(); Object.getPrototypeOf(k.mm).alloc_pages.call({}, 'GFP_KERNEL', 0)`);
    expect(cleanError(o).message).toMatch(/not a Mm/);
  });

  it('a forged handle id is refused', async () => {
    const o = await run(`const k = boot(); k.mm.vfree({ __kl_handle: 123456 })`);
    expect(cleanError(o)).toMatchObject({ name: 'KernelError', errno: 'EBADF' });
  });

  it('a method outside the whitelist does not exist', async () => {
    const o = await run(
      `const k = boot(); lab.result([typeof k.mm.allocArea, typeof k.mm.zone, typeof k.mm.dm, typeof k.mm.__proto__.constructor.prototype])`,
    );
    expect(o.result).toEqual(['undefined', 'undefined', 'undefined', 'undefined']);
  });

  it('the bridge refuses to call non-whitelisted names even when asked directly', async () => {
    // Rebuild a method of the prototype under another name: the host still checks the whitelist.
    const o = await run(`const k = boot(); const p = Object.getPrototypeOf(k.mm);
      const f = p.alloc_pages; const fake = { ['constructor']: f }; lab.result(typeof fake.constructor)`);
    expect(o.ok).toBe(true);
  });

  it('a method index the class does not have is refused by the bridge', () => {
    class Dev {
      read(n: number): number {
        return n * 2;
      }
    }
    const bridge = new Bridge(undefined as never, [{ name: 'Dev', type: Dev, methods: ['read'] }]);
    const w = bridge.toWire(new Dev()) as { __kl_handle: number };
    expect(bridge.call(w.__kl_handle, 0, [21])).toBe(42);
    for (const bad of [1, -1, 0.5, NaN, 2 ** 40])
      expect(() => bridge.call(w.__kl_handle, bad, [1])).toThrow(/Dev has no method #/);
  });

  it('replacing Array.prototype, Reflect and Function.prototype does not change how handle methods marshal', async () => {
    const o = await run(`const k = boot(); const mm = k.mm;
      Array.prototype.slice = () => ['forged']; Reflect.apply = () => 'forged'; Function.prototype.call = () => 'forged';
      const p = mm.alloc_pages('GFP_KERNEL', 0);
      const four = mm.lookup_address(p, 0, 'x', null);
      lab.result([typeof p, four.level, mm.lookup_address(p).level === four.level]);`);
    expect(o.error?.message).toBeUndefined();
    expect(o.result).toEqual(['object', '1G', true]);
  });

  it('handles are frozen and their prototypes too', async () => {
    const o = await run(`'use strict'; const k = boot(); const r = [];
      try { k.mm.alloc_pages = () => 1 } catch (e) { r.push(e.name) }
      try { Object.getPrototypeOf(k.mm).alloc_pages = () => 1 } catch (e) { r.push(e.name) }
      try { Object.setPrototypeOf(k.mm, {}) } catch (e) { r.push(e.name) }
      lab.result(r)`);
    expect(o.result).toEqual(['TypeError', 'TypeError', 'TypeError']);
  });

  it('polluting Object.prototype in the sandbox does not reach the host or the engines', async () => {
    const o =
      await run(`Object.prototype.polluted = 'yes'; Object.prototype.order = 10; Array.prototype.flags = ['EVIL'];
      const k = boot(); const p = k.mm.alloc_pages('GFP_KERNEL', 0); p.__proto__.extra = 1;
      k.mm.__free_pages(p); const v = k.mm.vmalloc('8K'); k.mm.vfree(v); lab.result(k.mm.buddyinfo().length)`);
    expect(o.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).flags).toBeUndefined();
  });

  it('a toJSON trap on Object.prototype gives a clean error, not a crash', async () => {
    const o = await run(`const k = boot(); Object.prototype.toJSON = function () { return 'garbage' };
      k.mm.vmalloc('8K', { flags: ['VM_FLUSH_RESET_PERMS'] })`);
    cleanError(o);
  });

  it('replacing JSON does not change how the bridge marshals', async () => {
    const o = await run(`JSON.stringify = () => '[{"__kl_handle":0}]'; JSON.parse = () => ({ hacked: true });
      const k = boot(); const p = k.mm.alloc_pages('GFP_KERNEL', 0); lab.result(p)`);
    expect(o.result).toEqual({ pfn: expect.any(Number), order: 0 });
  });

  it('a getter that loops forever inside an argument ends at the deadline', async () => {
    const o = await run(`const k = boot(); k.mm.vmalloc('8K', { get flags() { for (;;) {} } })`, {
      limits: { timeoutMs: 300 },
    });
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'timeout' });
  });

  it("a Proxy whose traps throw gives the trap's error", async () => {
    const o = await run(
      `const k = boot(); k.mm.vmalloc('8K', new Proxy({}, { ownKeys() { throw new RangeError('trap') } }))`,
    );
    expect(cleanError(o)).toMatchObject({ name: 'RangeError', message: 'trap' });
  });

  it('toString and valueOf traps are not called by the host', async () => {
    const o = await run(
      `const k = boot(); let called = 0;
      const evil = { toString() { called++; for (;;) {} }, valueOf() { called++; for (;;) {} } };
      try { k.mm.alloc_pages(evil, 0) } catch (e) { lab.result([e.name, e.errno, called]) }`,
      { limits: { timeoutMs: 1000 } },
    );
    expect(o.result).toEqual(['KernelError', 'EINVAL', 0]);
  });

  it('bigints where numbers are expected are refused cleanly', async () => {
    const o = await run(`const k = boot(); k.mm.alloc_pages('GFP_KERNEL', 2n)`);
    cleanError(o);
  });

  it('a circular argument is bad input: KernelError EINVAL (issue 22: a KernelError every time)', async () => {
    const o = await run(`const k = boot(); const a = {}; a.self = a; k.mm.vmalloc('8K', a)`);
    expect(cleanError(o)).toMatchObject({
      name: 'KernelError',
      errno: 'EINVAL',
      message: 'an argument holds a circular reference: it cannot be copied to the kernel',
    });
  });

  it('a deeply nested argument is refused', async () => {
    const o = await run(`const k = boot(); let a = {}; for (let i = 0; i < 100; i++) a = { a }; k.mm.vmalloc('8K', a)`);
    cleanError(o);
  });

  it('a circular lab.result gives a clean TypeError', async () => {
    const o = await run(`const a = []; a.push(a); lab.result(a)`);
    expect(cleanError(o)).toMatchObject({ name: 'TypeError' });
  });
});

describe('hostile: resources', () => {
  it('a huge array ends at a limit', async () => {
    const o = await run(`const a = new Array(2 ** 31).fill(0)`, { limits: { memoryBytes: 32 << 20, timeoutMs: 5000 } });
    expect(cleanError(o).kind === 'limit' || /length|memory/.test(o.error!.message)).toBe(true);
  });

  it('a huge string ends at a limit or a clean RangeError', async () => {
    const o = await run(`const s = 'x'.repeat(2 ** 30)`, { limits: { memoryBytes: 32 << 20 } });
    cleanError(o);
  });

  it('doubling strings forever ends cleanly', async () => {
    const o = await run(`let s = 'ab'; for (;;) s = s + s + '!';`, { limits: { memoryBytes: 32 << 20 } });
    cleanError(o);
  });

  it('many typed arrays end at the memory cap', async () => {
    const o = await run(`const xs = []; for (;;) xs.push(new Float64Array(4096));`, {
      limits: { memoryBytes: 32 << 20, timeoutMs: 10_000 },
    });
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'memory' });
  });

  it('booting a machine far larger than the memory cap still fails cleanly', async () => {
    const o = await run(`boot({ memory: '100T' })`);
    cleanError(o);
  });

  it('mutual recursion ends at the stack cap', async () => {
    const o = await run(`function a(n) { return b(n + 1) } function b(n) { return a(n + 1) } a(0)`);
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'stack' });
  });

  it('recursion through a getter ends at the stack cap', async () => {
    const o = await run(`const o = { get x() { return this.x } }; o.x`);
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'stack' });
  });

  it('recursion through toString ends at the stack cap', async () => {
    const o = await run(`const o = { toString() { return '' + this } }; String(o)`);
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'stack' });
  });

  it('a promise chain that never ends stops at the deadline', async () => {
    const o = await run(`let p = Promise.resolve(); for (;;) p = p.then(() => {})`, {
      limits: { timeoutMs: 300, memoryBytes: 64 << 20 },
    });
    cleanError(o);
  });

  it('an async loop stops at the deadline', async () => {
    const o = await run(`(async () => { for (;;) await null })()`, { limits: { timeoutMs: 300 } });
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'timeout' });
  });

  it('a regular expression with catastrophic backtracking stops at the deadline', async () => {
    const o = await run(`/^(a+)+$/.test('a'.repeat(40) + 'b')`, { limits: { timeoutMs: 300 } });
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'timeout' });
  });

  it('sorting with a comparator that loops stops at the deadline', async () => {
    const o = await run(`[3, 2, 1].sort(() => { for (;;) {} })`, { limits: { timeoutMs: 300 } });
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'timeout' });
  });

  it('output spam through console.error stops at the output cap', async () => {
    const o = await run(`for (;;) console.error('x'.repeat(100))`, { limits: { outputBytes: 10_000 } });
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'output' });
  });

  it('catching the output-limit error does not let the script go on printing', async () => {
    const o = await run(`for (;;) { try { print('x'.repeat(1000)) } catch (e) {} }`, {
      limits: { outputBytes: 10_000 },
    });
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'output' });
  });

  it('an infinite loop in a callback an engine calls stops at the deadline', async () => {
    const o = await run(
      `const k = boot();
      const dev = k.ublk.add_dev({ target: { read() { for (;;) {} } }, nr_hw_queues: 1, queue_depth: 4, dev_size: '1M' });
      dev.start_dev(); k.ublk.fio({ dev, rw: 'read', bs: '4k', iodepth: 1, ios: 4 })`,
      { limits: { timeoutMs: 500 } },
    );
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'timeout' });
  });

  // Work a script asks of one engine call, which no interrupt handler sees: the engines ask signal_pending() where
  // the kernel does, so the deadline ends it inside the call, at the script's line.
  it.each([
    [
      'a test run of 2^32-1 repeats',
      `const p = k.bpf.prog_load({ asm: 'r0 = 1\\nexit', prog_type: 'socket' });\nk.bpf.prog_test_run(p, { repeat: 2 ** 32 - 1 })`,
    ],
    [
      'a fio of 10^5 s of virtual time',
      `const dev = k.ublk.add_dev({ target: 'null' }); dev.start_dev();\nk.ublk.fio({ dev, runtime: '100000s' })`,
    ],
    [
      'a fio of 2^53-1 I/Os',
      `const dev = k.ublk.add_dev({ target: 'null' }); dev.start_dev();\nk.ublk.fio({ dev, ios: 2 ** 53 - 1 })`,
    ],
  ])('%s ends at the deadline inside the call, at its line', async (_name, body) => {
    const o = await run(`const k = boot();\n${body}`, { limits: { timeoutMs: 300 } });
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'timeout', location: { line: 3 } });
  });

  it('catching the EINTR of an interrupted test run does not let the script go on', async () => {
    const o = await run(
      `const k = boot(); const p = k.bpf.prog_load({ asm: 'r0 = 1\\nexit', prog_type: 'socket' });
      for (;;) { try { k.bpf.prog_test_run(p, { repeat: 2 ** 32 - 1 }) } catch (e) { print(e.errno) } }`,
      { limits: { timeoutMs: 300 } },
    );
    expect(cleanError(o)).toMatchObject({ kind: 'limit', limit: 'timeout' });
  });
});

describe('hostile: after the storm', () => {
  it('a normal run still works in the same host', async () => {
    const o = await run(
      `const k = boot({ memory: '1G' }); const p = k.mm.alloc_pages('GFP_KERNEL', 3); print(p.order); k.mm.__free_pages(p)`,
    );
    expect(o.ok).toBe(true);
    expect(o.out).toBe('3\n');
  });
});

/** Values of every wrong type, passed to every whitelisted method of every binding. */
const GARBAGE = [
  'undefined',
  'null',
  '-1',
  'NaN',
  'Infinity',
  '1e300',
  "'x'",
  "'GFP_KERNEL'",
  '{}',
  '[]',
  'true',
  '2n ** 70n',
  '{ pfn: -5, order: 99 }',
  '{ pfn: 1e15 }',
  'new Uint8Array(3)',
  '() => 1',
  "Symbol('s')",
];

describe('hostile: wrong argument types for every binding', () => {
  const reachable: Record<string, string> = {
    Kernel: 'k',
    Mm: 'k.mm',
    Bpf: 'k.bpf',
    Ublk: 'k.ublk',
    SecretFile: 'k.mm.memfd_secret()',
    Tlb: 'k.mm.tlb()',
    VmRegion: "k.mm.vmalloc('8K')",
    BpfMap: "k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4 })",
    Program: "k.bpf.prog_load({ asm: 'r0 = 0\\nexit', verify: false })",
    UblkDev: "k.ublk.add_dev({ target: 'null', nr_hw_queues: 1, queue_depth: 4, dev_size: '1M' })",
  };
  for (const binding of CLASS_BINDINGS) {
    const expr = reachable[binding.name];
    if (!expr || binding.methods.length === 0) continue;
    // A method that takes no arguments drops them (checkArgs, as JavaScript does); bad-input.test.ts calls each once
    // with extra ones. Calling it 51 times here adds nothing but its own cost (calibrate_report runs every figure).
    const methods = binding.methods.filter((m) => (binding.args?.[m]?.length ?? 0) > 0);
    it(`${binding.name}: every method refuses garbage cleanly`, async () => {
      const o = await run(
        `const k = boot({ memory: '1G' }); const target = ${expr}; const outcomes = {};
        for (const m of ${JSON.stringify(methods)}) {
          for (const g of [${GARBAGE.join(', ')}]) {
            for (const args of [[g], [g, g], [g, g, g]]) {
              try { target[m](...args); outcomes.ok = (outcomes.ok || 0) + 1 }
              catch (e) {
                if (!(e instanceof Error)) throw new Error('a non-Error was thrown: ' + String(e));
                if (e.name === 'InternalError') throw new Error(m + ': internal error: ' + e.message);
                outcomes[e.name] = (outcomes[e.name] || 0) + 1;
              }
            }
          }
        }
        lab.result(outcomes);`,
        { limits: { timeoutMs: 60_000 } },
      );
      expect(o.error?.message).toBeUndefined();
      expect(o.ok).toBe(true);
    });
  }
});
