/** Shared by the tests: run one program through both engines and check they agree exactly. */
import { KernelError } from '../common/errors';
import { conformanceHelpers } from './conformance';
import type { BpfInsn } from './isa';
import { interpExec } from './interpreter';
import { jitCompile } from './jit';
import { wasmJitCompile } from './jit-wasm';
import { AddressSpace, BpfRegion } from './memory';
import { prepareInsns } from './prog';
import { runProgram } from './vm';
import type { BpfExecFn } from './vm';

/** Outcome of one engine: r0 and the instruction count, or the error message. */
export type EngineOutcome = { retval: bigint; insns: number; mem: string } | { error: string; errno: string };

export function runOn(
  engine: 'interp' | 'jit' | 'wasm',
  insns: readonly BpfInsn[],
  mem?: Uint8Array,
  budget = 100_000,
): EngineOutcome {
  try {
    const prog = prepareInsns(insns);
    const space = new AddressSpace();
    const buf = mem ? Uint8Array.from(mem) : undefined;
    const args: bigint[] = [];
    if (buf) {
      const r = new BpfRegion(buf, { name: 'mem' });
      space.map(r);
      args.push(AddressSpace.addr(r), BigInt(buf.length));
    }
    const run = (e: BpfExecFn): { retval: bigint; insns: number } =>
      runProgram(prog, e, { space, helpers: conformanceHelpers(), kfuncs: new Map(), budget }, args);
    // The WebAssembly JIT leaves some programs to the JS JIT (jit-wasm.ts): those run there, as in prog_load.
    const fn =
      engine === 'interp'
        ? interpExec
        : engine === 'wasm'
          ? (wasmJitCompile(prog) ?? jitCompile(prog))
          : jitCompile(prog);
    if (!fn) throw new Error('the JIT did not compile the program');
    const res = run(fn);
    return { ...res, mem: buf ? Array.from(buf).join(',') : '' };
  } catch (e) {
    if (e instanceof KernelError) return { error: e.message, errno: e.errno };
    throw e; // anything else is a crash of the engine
  }
}

/** Runs through the interpreter, the JS JIT and the WebAssembly JIT and returns the three outcomes. */
export function runBoth(
  insns: readonly BpfInsn[],
  mem?: Uint8Array,
  budget = 100_000,
): [EngineOutcome, EngineOutcome, EngineOutcome] {
  return [runOn('interp', insns, mem, budget), runOn('jit', insns, mem, budget), runOn('wasm', insns, mem, budget)];
}
