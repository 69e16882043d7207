import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROGRESS_MESSAGE_MAX, RunRequestSchema, type MachineState, type RunRequest } from '../contract';
import { Prng } from '../engines/common/prng';
import { runInSandbox, type SandboxOutcome } from './sandbox';

interface Captured {
  outcome: SandboxOutcome;
  out: string;
  err: string;
  chunks: { stream: string; text: string }[];
  progress: { fraction: number | undefined; message: string }[];
}

async function run(code: string, opts: Partial<RunRequest> = {}, stopFlag?: Int32Array): Promise<Captured> {
  const chunks: Captured['chunks'] = [];
  const progress: Captured['progress'] = [];
  const outcome = await runInSandbox(
    RunRequestSchema.parse({ code, filename: 'test.js', ...opts }),
    {
      output: (stream, text) => chunks.push({ stream, text }),
      progress: (fraction, message) => progress.push({ fraction, message }),
    },
    stopFlag,
  );
  const join = (s: string): string =>
    chunks
      .filter((c) => c.stream === s)
      .map((c) => c.text)
      .join('');
  return { outcome, out: join('stdout'), err: join('stderr'), chunks, progress };
}

describe('sandbox: output', () => {
  it('prints values formatted like util.inspect', async () => {
    const { outcome, out } =
      await run(`print(6*7, 'str', 2n, null, undefined, [1, 'a'], { a: { b: { c: { d: { e: { f: 1 } } } } } });
console.log(new Map([[1, 'x']]), new Set([2]), new Uint8Array([1, 2]), -0, function named() {});`);
    expect(outcome.ok).toBe(true);
    expect(out).toBe(
      "42 str 2n null undefined [ 1, 'a' ] { a: { b: { c: { d: { e: [Object] } } } } }\n" +
        "Map(1) { 1 => 'x' } Set(1) { 2 } Uint8Array(2) [ 1, 2 ] -0 [Function: named]\n",
    );
  });

  it('keeps stdout and stderr in the order they were written', async () => {
    const { chunks } = await run(`print('a'); console.error('b'); print('c'); console.warn('d');`);
    expect(chunks).toEqual([
      { stream: 'stdout', text: 'a\n' },
      { stream: 'stderr', text: 'b\n' },
      { stream: 'stdout', text: 'c\n' },
      { stream: 'stderr', text: 'd\n' },
    ]);
  });

  it('marks circular structures and breaks long ones over lines', async () => {
    const { out } = await run(`const o = { name: 'loop' }; o.self = o; print(o);
print({ alpha: 'aaaaaaaaaaaaaaaaaaaa', beta: 'bbbbbbbbbbbbbbbbbbbbbb', gamma: 'cccccccccccccccccccc' });`);
    expect(out).toBe(
      "{ name: 'loop', self: [Circular] }\n{\n  alpha: 'aaaaaaaaaaaaaaaaaaaa',\n  beta: 'bbbbbbbbbbbbbbbbbbbbbb',\n  gamma: 'cccccccccccccccccccc'\n}\n",
    );
  });

  it('returns lab.result as JSON with bigints as strings', async () => {
    const { outcome } = await run(`lab.result({ n: 1n << 64n, list: [1, 2] })`);
    expect(outcome.result).toEqual({ n: '18446744073709551616', list: [1, 2] });
  });

  it('reports progress', async () => {
    const { progress } = await run(`lab.progress(0.5, 'half'); lab.progress(2, 'odd')`);
    expect(progress).toEqual([
      { fraction: 0.5, message: 'half' },
      { fraction: undefined, message: 'odd' },
    ]);
  });
});

describe('sandbox: lab.progress() is bounded', () => {
  it('counts its messages against the output cap: 1 MiB messages in a loop end the run', async () => {
    const { outcome, progress } = await run(
      `const m = 'p'.repeat(1 << 20); for (let i = 0; ; i++) lab.progress(0.5, m + i);`,
      {
        limits: { outputBytes: 4 << 20, timeoutMs: 60_000 },
      },
    );
    expect(outcome.error).toMatchObject({ kind: 'limit', limit: 'output' });
    expect(outcome.stats.outputBytes).toBe(4 << 20);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThanOrEqual(4);
    for (const p of progress) expect(p.message.length).toBeLessThanOrEqual(PROGRESS_MESSAGE_MAX);
    expect(progress[0]!.message).toBe('p'.repeat(PROGRESS_MESSAGE_MAX - 1) + '…');
  });

  it('shares the cap with print', async () => {
    const { outcome, out } = await run(`lab.progress(0, 'x'.repeat(3000)); print('y'.repeat(2000));`, {
      limits: { outputBytes: 4096 },
    });
    expect(outcome.error).toMatchObject({ kind: 'limit', limit: 'output' });
    expect(out).toBe('y'.repeat(4096 - 3000));
  });

  it('coalesces a flood of reports, the latest winning, and delivers the last one', async () => {
    const { outcome, progress } = await run(
      `for (let i = 0; i < 200000; i++) lab.progress(i / 200000, 'step ' + i); lab.progress(1, 'done');`,
      {
        limits: { timeoutMs: 60_000 },
      },
    );
    expect(outcome.ok).toBe(true);
    // One report per 50 ms at most (plus the first and the last), however fast the loop runs.
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(outcome.stats.durationMs / 50) + 2);
    expect(progress.at(-1)).toEqual({ fraction: 1, message: 'done' });
    expect(progress[0]).toEqual({ fraction: 0, message: 'step 0' });
  });
});

describe('sandbox: determinism', () => {
  const script = `const xs = []; for (let i = 0; i < 5; i++) xs.push(Math.random()); print(lab.seed, xs, Date.now(), new Date().toISOString(), performance.now());`;

  it('gives the same output for the same seed, and another for another seed', async () => {
    const a = await run(script, { seed: 7 });
    const b = await run(script, { seed: 7 });
    const c = await run(script, { seed: 8 });
    expect(a.out).toBe(b.out);
    expect(a.out).not.toBe(c.out);
    expect(a.out).toContain('2023-01-01T00:00:00.000Z');
  });

  it("draws Math.random from the engines' Prng", async () => {
    const { outcome } = await run(`lab.result(Array.from({ length: 3 }, () => Math.random()))`, { seed: 99 });
    const host = new Prng(99);
    const state = [host.nextU32(), host.nextU32(), host.nextU32(), host.nextU32()];
    expect(state.every((s) => s >= 0)).toBe(true);
    // The sandbox seeds its generator with the host Prng's first four words; replay that here.
    const replay = new Prng(0);
    (replay as unknown as { s0: number; s1: number; s2: number; s3: number }).s0 = state[0]!;
    (replay as unknown as { s1: number }).s1 = state[1]!;
    (replay as unknown as { s2: number }).s2 = state[2]!;
    (replay as unknown as { s3: number }).s3 = state[3]!;
    expect(outcome.result).toEqual([replay.nextFloat(), replay.nextFloat(), replay.nextFloat()]);
  });
});

describe('sandbox: errors with locations', () => {
  it('reports a thrown error with line:column and the script-side stack', async () => {
    const { outcome } = await run(`let x = 1;\nfunction f() {\n  null.x;\n}\nf();`);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatchObject({
      kind: 'script',
      name: 'TypeError',
      location: { file: 'test.js', line: 3, column: 7 },
    });
    expect(outcome.error?.stack).toContain('at f (test.js:3:7)');
    expect(outcome.error?.stack).not.toContain('<lab>');
  });

  it('reports a syntax error with its line', async () => {
    const { outcome } = await run(`print(1);\nlet x = ;`);
    expect(outcome.error).toMatchObject({ kind: 'syntax', name: 'SyntaxError', location: { line: 2, column: 9 } });
  });

  it('keeps KernelError errno', async () => {
    const { outcome } = await run(`throw new KernelError('ENOMEM', 'out of pages')`);
    expect(outcome.error).toMatchObject({ name: 'KernelError', errno: 'ENOMEM', message: 'out of pages' });
  });

  it('refuses an unknown boot() option with EINVAL naming it', async () => {
    const { outcome } = await run(`boot({ memroy: '4G' })`);
    expect(outcome.error).toMatchObject({
      name: 'KernelError',
      errno: 'EINVAL',
      message: expect.stringContaining("'memroy'"),
    });
  });

  it('a program the verifier rejects throws KernelError with the verifier log, instruction and line', async () => {
    const { outcome } = await run(`const k = boot({ memory: '1G' });
      try { k.bpf.prog_load({ asm: 'r0 = 1\\nr0 = r2\\nexit', prog_type: 'socket' }) }
      catch (e) { lab.result({ name: e.name, errno: e.errno, message: e.message, insn: e.insn, line: e.line, log: e.log }) }`);
    expect(outcome.result).toEqual({
      name: 'KernelError',
      errno: 'EACCES',
      message: 'R2 !read_ok',
      insn: 1,
      line: 2,
      log: expect.stringContaining('1: (bf) r0 = r2\nR2 !read_ok\n'),
    });
  });

  it('throws engine errors as KernelError with errno, catchable by the script', async () => {
    const { outcome } = await run(`const k = boot({ memory: '1G' });
      try { k.mm.alloc_pages('GFP_KERNEL|__GFP_BOGUS', 0) } catch (e) { lab.result([e instanceof KernelError, e.errno]) }`);
    expect(outcome.result).toEqual([true, 'EINVAL']);
  });

  it('runs TypeScript with errors on the original lines', async () => {
    const { outcome, out } = await run(
      `interface P { pfn: number }\nconst p: P = { pfn: 3 };\nprint(p.pfn as number);\nthrow new Error('here');`,
      {
        language: 'typescript',
        filename: 'test.ts',
      },
    );
    expect(out).toBe('3\n');
    // Same line:column as the JavaScript it becomes (QuickJS points at the call's parenthesis).
    expect(outcome.error?.location).toEqual({ file: 'test.ts', line: 4, column: 16 });
  });

  it('reports a TypeScript syntax error with its line:column', async () => {
    const { outcome } = await run(`const a: number = 1;\nconst b: = 2;`, { language: 'typescript', filename: 't.ts' });
    expect(outcome.error).toMatchObject({ kind: 'syntax', location: { file: 't.ts', line: 2 } });
  });
});

describe('sandbox: promises', () => {
  it('runs async functions to completion', async () => {
    const { outcome, out } = await run(
      `async function f() { await null; print('in'); return 5; }\nf().then((v) => print('got', v));`,
    );
    expect(outcome.ok).toBe(true);
    expect(out).toBe('in\ngot 5\n');
  });

  it('reports an unhandled rejection of the script', async () => {
    const { outcome } = await run(`(async () => { await null; throw new RangeError('late'); })()`);
    expect(outcome.error).toMatchObject({ name: 'RangeError', message: 'late' });
  });

  it('says when the script ends on a promise that can never settle', async () => {
    const { outcome } = await run(`new Promise(() => {})`);
    expect(outcome.error?.message).toMatch(/never settles/);
  });
});

describe('sandbox: BPF assembly errors point into the script', () => {
  it('an assembler error and a verifier rejection are located inside the asm literal', async () => {
    const asm = await run(
      "const k = boot();\nk.bpf.prog_load({ prog_type: 'socket_filter', asm: `\n  r0 = 0\n  r0 += r11\n  exit\n` });\n",
    );
    expect(asm.outcome.error).toMatchObject({ errno: 'EINVAL', location: { file: 'test.js', line: 4, column: 9 } });
    const verifier = await run(
      "const k = boot();\nk.bpf.prog_load({ prog_type: 'socket_filter', asm: 'r0 = 0\\nr0 += r3\\nexit' });\n",
    );
    expect(verifier.outcome.error).toMatchObject({ errno: 'EACCES', location: { line: 2, column: 61 } });
    // A program built at run time is no literal: the prog_load() call is the place.
    const built = await run(
      "const k = boot();\nk.bpf.prog_load({ prog_type: 'socket_filter', asm: ['r0 = 0', 'r0 += r3', 'exit'].join('\\n') });\n",
    );
    expect(built.outcome.error).toMatchObject({ errno: 'EACCES', location: { line: 2, column: 16 } });
  });
});

describe('sandbox: a verifier log that overflows', () => {
  it("fails with ENOSPC and still says the verifier's own reason; the panel gets the load's log_size", async () => {
    const states: MachineState[] = [];
    const outcome = await runInSandbox(
      RunRequestSchema.parse({
        code: "const k = boot();\nk.bpf.prog_load({ asm: 'r1 = 0\\nl: r1 += 1\\nif r1 < 600000 goto l\\nr0 = 0\\nexit', prog_type: 'socket_filter', log_level: 1, log_size: 4096 });",
        filename: 'test.js',
        limits: { timeoutMs: 600_000 },
      }),
      { output: () => {}, progress: () => {}, machine: (s) => states.push(s) },
    );
    expect(outcome.error).toMatchObject({ errno: 'ENOSPC' });
    expect(outcome.error?.message).toMatch(
      /^the verifier log \(\d+ bytes\) does not fit log_size 4096; the verifier's own reason: BPF program is too large\. Processed 1000001 insn$/,
    );
    const load = states.at(-1)!.bpf.loads[0]!;
    expect(load).toMatchObject({ errno: 'ENOSPC', insn: 2 });
    expect(load.error).toContain('BPF program is too large. Processed 1000001 insn');
    expect(load.detail).toMatchObject({ log_level: 1, log_size: 4096 });
  }, 120_000);
});

describe('sandbox: limits (the host survives every one)', () => {
  it('ends an infinite loop at the deadline', async () => {
    const { outcome } = await run(`while (true) {}`, { limits: { timeoutMs: 300 } });
    expect(outcome.error).toMatchObject({ kind: 'limit', limit: 'timeout' });
    expect(outcome.error?.message).toMatch(/300 ms deadline/);
  });

  it('a timeout reports the loop that was running, not the last call before it', async () => {
    const { outcome } = await run(`print('a');\nlet i = 0;\n  while (true) { i++; }\n`, { limits: { timeoutMs: 300 } });
    expect(outcome.error).toMatchObject({
      kind: 'limit',
      limit: 'timeout',
      location: { file: 'test.js', line: 3, column: 3 },
    });
    const ts = await run(`const n: number = 1;\nprint(n);\nfor (;;) {}\n`, {
      language: 'typescript',
      filename: 'test.ts',
      limits: { timeoutMs: 300 },
    });
    expect(ts.outcome.error).toMatchObject({
      kind: 'limit',
      limit: 'timeout',
      location: { file: 'test.ts', line: 3, column: 1 },
    });
  });

  it('errors on a line with a loop keep their own columns', async () => {
    const { outcome } = await run(`let o = {};\nlet i = 0; while (o.a.b) { i++; }\n`);
    // QuickJS points at the `.b` that read undefined: column 22, as without the mark.
    expect(outcome.error).toMatchObject({ name: 'TypeError', location: { line: 2, column: 22 } });
  });

  it('ends a memory bomb of many small allocations at the memory cap', async () => {
    const { outcome } = await run(`const a = []; for (;;) a.push({ i: a.length, s: 'x' + a.length });`, {
      limits: { memoryBytes: 24 << 20, timeoutMs: 60_000 },
    });
    expect(outcome.error).toMatchObject({ kind: 'limit', limit: 'memory' });
    expect(outcome.stats.memoryBytes).toBeGreaterThan(0);
  });

  it('ends one huge allocation at the memory cap', async () => {
    const { outcome } = await run(`const big = new Uint8Array(64 << 20);`, {
      limits: { memoryBytes: 16 << 20, timeoutMs: 60_000 },
    });
    expect(outcome.error).toMatchObject({ kind: 'limit', limit: 'memory' });
  });

  it('ends deep recursion at the stack cap, with the frames folded', async () => {
    const { outcome } = await run(`function r(n) { return r(n + 1) + 1; }\nr(0);`);
    expect(outcome.error).toMatchObject({ kind: 'limit', limit: 'stack' });
    expect(outcome.error?.stack).toMatch(/at r \(test\.js:1:\d+\) \(×\d+\)/);
  });

  it('ends a promise flood at the deadline', async () => {
    const { outcome } = await run(`function f() { Promise.resolve().then(f); } f();`, { limits: { timeoutMs: 300 } });
    expect(outcome.error).toMatchObject({ kind: 'limit', limit: 'timeout' });
  });

  it('ends output spam at the output cap, keeping what fits', async () => {
    const { outcome, out } = await run(`for (;;) print('0123456789');`, {
      limits: { outputBytes: 4096, timeoutMs: 60_000 },
    });
    expect(outcome.error).toMatchObject({ kind: 'limit', limit: 'output' });
    expect(out.length).toBe(4096);
  });

  it('cannot catch its way past a limit', async () => {
    const { outcome } = await run(`for (;;) { try { while (true) {} } catch (e) {} }`, { limits: { timeoutMs: 200 } });
    expect(outcome.error).toMatchObject({ kind: 'limit', limit: 'timeout' });
  });

  it('stops when the stop flag is raised', async () => {
    // The sandbox runs synchronously in this thread, so the flag is raised before it starts; the session test
    // raises it from another thread while the run is going.
    const flag = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(flag, 0, 1);
    const { outcome } = await run(`while (true) {}`, { limits: { timeoutMs: 5000 } }, flag);
    expect(outcome.error).toMatchObject({ kind: 'stopped' });
  });

  it('reaches no host globals', async () => {
    const { out } = await run(
      `print(typeof require, typeof process, typeof globalThis.__host, typeof fetch, typeof setTimeout, typeof std, typeof os)`,
    );
    expect(out).toBe('undefined undefined undefined undefined undefined undefined undefined\n');
  });
});

describe('lab-api.d.ts', () => {
  it('declares exactly the globals the sandbox defines', async () => {
    const { outcome } = await run(`
      const builtins = new Set(${JSON.stringify(STANDARD_GLOBALS)});
      lab.result(Object.getOwnPropertyNames(globalThis).filter((n) => !builtins.has(n)).sort());`);
    const dts = readFileSync(new URL('./lab-api.d.ts', import.meta.url), 'utf8');
    const declared = [...dts.matchAll(/^declare (?:function|const|class) (\w+)/gm)].map((m) => m[1]).sort();
    expect(outcome.result).toEqual(declared);
  });
});

// The globals of plain QuickJS (ES2023 and its extras), which the lab API does not declare.
const STANDARD_GLOBALS = [
  'Object',
  'Function',
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
  'InternalError',
  'AggregateError',
  'Array',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'escape',
  'unescape',
  'Infinity',
  'NaN',
  'undefined',
  'Number',
  'Boolean',
  'String',
  'Math',
  'Reflect',
  'Symbol',
  'eval',
  'globalThis',
  'Date',
  'RegExp',
  'JSON',
  'Proxy',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'FinalizationRegistry',
  'ArrayBuffer',
  'SharedArrayBuffer',
  'Uint8ClampedArray',
  'Int8Array',
  'Uint8Array',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'DataView',
  'Atomics',
  'Promise',
  'BigInt',
  'Iterator',
  'performance',
  'queueMicrotask',
  'Symbol',
  'navigator',
  'DOMException',
  'structuredClone',
];
