/**
 * The bpf_conformance suite's test-file format and run conventions (lib/src/bpf_test_parser.cc and the uBPF
 * plugin): parsing a `.data` file, the helpers 0-5 the tests assume, running a case through the uBPF assembler,
 * the loader and an engine, and judging the outcome. File access is left to the callers (scripts, tests).
 */
import { KernelError } from '../common/errors';
import { u64 } from './alu64';
import { BpfAsmError } from './asm-error';
import { assembleUbpf } from './asm-ubpf';
import { decodeInsns, insnsFromWords } from './isa';
import type { BpfInsn } from './isa';
import { AddressSpace, BpfRegion } from './memory';
import { prepareInsns } from './prog';
import { BpfStop, runProgram } from './vm';
import type { BpfExecFn, BpfHelper } from './vm';

/** A parsed `.data` file. */
export interface ConformanceCase {
  asm?: string;
  raw?: BpfInsn[];
  mem?: Uint8Array;
  result?: bigint;
  error?: string;
}

/** What running a case produced. */
export type ConformanceOutcome = { kind: 'result'; value: bigint } | { kind: 'error'; message: string };

/** Parses the suite's line-based format. */
export function parseConformanceFile(text: string): ConformanceCase {
  const c: ConformanceCase = {};
  let section = '';
  const bodies: Record<string, string[]> = {};
  for (const raw of text.split(/\r?\n/)) {
    if (raw.includes('--')) {
      section = raw.slice(raw.indexOf('--') + 2).trim();
      bodies[section] ??= [];
      continue;
    }
    if (section === '') continue;
    bodies[section]!.push(raw);
  }
  const strip = (l: string): string => {
    const h = l.indexOf('#');
    return (h >= 0 ? l.slice(0, h) : l).trim();
  };
  if (bodies['asm']) c.asm = bodies['asm'].join('\n');
  if (bodies['raw']) {
    const toks = bodies['raw'].map(strip).join(' ').split(/\s+/).filter(Boolean);
    if (toks.length > 0 && toks.every((t) => /^[0-9a-f]{2}$/i.test(t))) {
      // The negative/unused-* files write one byte per token.
      const bytes = Uint8Array.from(toks.map((t) => parseInt(t, 16)));
      c.raw = decodeInsns(bytes.subarray(0, bytes.length - (bytes.length % 8)));
    } else {
      c.raw = insnsFromWords(toks.map((t) => BigInt(t)));
    }
  }
  if (bodies['mem']) {
    const toks = bodies['mem'].map(strip).join(' ').split(/\s+/).filter(Boolean);
    c.mem = Uint8Array.from(toks.map((t) => parseInt(t, 16)));
  }
  const lastLine = (lines: string[]): string | undefined =>
    lines
      .map(strip)
      .filter((l) => l !== '')
      .pop();
  if (bodies['result']) {
    const l = lastLine(bodies['result']);
    if (l !== undefined) c.result = BigInt.asUintN(64, l.includes('0x') ? BigInt(l) : BigInt(l));
  }
  if (bodies['error'])
    c.error =
      bodies['error']
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .pop() ?? '';
  return c;
}

function argU64(r: Int32Array, n: number): bigint {
  return u64(r[2 * n + 1]!, r[2 * n]!);
}

function setR0(r: Int32Array, v: bigint): void {
  const x = BigInt.asUintN(64, v);
  r[0] = Number(BigInt.asIntN(32, x));
  r[1] = Number(BigInt.asIntN(32, x >> 32n));
}

/** The helpers the suite's programs call (uBPF's test helpers). */
export function conformanceHelpers(): Map<number, BpfHelper> {
  const list: BpfHelper[] = [
    {
      id: 0,
      name: 'gather_bytes',
      fn: (_vm, r) => {
        let v = 0n;
        for (let i = 1; i <= 5; i++) v = (v << 8n) | (argU64(r, i) & 0xffn);
        setR0(r, v);
      },
    },
    {
      id: 1,
      name: 'memfrob',
      fn: (vm, r) => {
        const n = r[4]! >>> 0;
        const b = vm.bytes(r[3]!, r[2]!, n, true);
        if (!b) throw new KernelError('EFAULT', `memfrob: invalid memory 0x${argU64(r, 1).toString(16)} size ${n}`);
        for (let i = 0; i < n; i++) b[i]! ^= 42;
        setR0(r, 0n);
      },
    },
    { id: 2, name: 'no_op', fn: (_vm, r) => setR0(r, 0n) },
    {
      id: 3,
      name: 'sqrti',
      fn: (_vm, r) => {
        const x = argU64(r, 1);
        let lo = 0n;
        let hi = 1n << 32n;
        while (lo < hi) {
          const mid = (lo + hi + 1n) >> 1n;
          if (mid * mid <= x) lo = mid;
          else hi = mid - 1n;
        }
        setR0(r, lo);
      },
    },
    {
      id: 4,
      name: 'strcmp',
      fn: (vm, r) => {
        const at = (n: number, i: number): number => {
          const b = vm.bytes(r[2 * n + 1]!, (r[2 * n]! + i) | 0, 1);
          if (!b) throw new KernelError('EFAULT', 'strcmp: invalid memory');
          return b[0]!;
        };
        for (let i = 0; ; i++) {
          const a = at(1, i);
          const b = at(2, i);
          if (a !== b || a === 0) {
            setR0(r, BigInt(a - b));
            return;
          }
        }
      },
    },
    {
      id: 5,
      name: 'unwind',
      fn: (_vm, r) => {
        r[0] = r[2]!;
        r[1] = r[3]!;
        if ((r[0] | r[1]) === 0) throw new BpfStop(0);
      },
    },
  ];
  return new Map(list.map((h) => [h.id, h]));
}

export const NO_INSTRUCTIONS = 'Test file has no BPF instructions';

/** Default budget for suite programs: far above what any of them executes. */
const SUITE_BUDGET = 10_000_000;

/** Assembles (or decodes) a case's program. Throws BpfAsmError / Error(NO_INSTRUCTIONS). */
export function caseInsns(c: ConformanceCase): BpfInsn[] {
  let insns: BpfInsn[] = [];
  if (c.asm !== undefined) insns = assembleUbpf(c.asm).insns;
  else if (c.raw !== undefined) insns = c.raw;
  if (insns.length === 0) throw new Error(NO_INSTRUCTIONS);
  return insns;
}

/** Runs a program the way the suite's plugins do: r1 = mem (or 0), r2 = its length, helpers 0-5. */
export function runConformanceProgram(insns: readonly BpfInsn[], mem: Uint8Array | undefined, exec: BpfExecFn): bigint {
  const prog = prepareInsns(insns);
  const space = new AddressSpace();
  let r1 = 0n;
  if (mem && mem.length > 0) {
    const region = new BpfRegion(new Uint8Array(mem), { name: 'mem' });
    space.map(region);
    r1 = AddressSpace.addr(region);
  }
  const helpers = conformanceHelpers();
  const res = runProgram(prog, exec, { space, helpers, kfuncs: new Map(), budget: SUITE_BUDGET }, [
    r1,
    BigInt(mem?.length ?? 0),
  ]);
  return res.retval;
}

/** Runs one case end to end; every failure becomes an error outcome with its message. */
export function runConformanceCase(c: ConformanceCase, exec: BpfExecFn): ConformanceOutcome {
  try {
    return { kind: 'result', value: runConformanceProgram(caseInsns(c), c.mem, exec) };
  } catch (e) {
    if (e instanceof BpfAsmError || e instanceof KernelError || e instanceof Error)
      return { kind: 'error', message: e.message };
    return { kind: 'error', message: String(e) };
  }
}

/** What the negative cases must produce (from the suite's tools/tests.cmake), beyond "not what the file says". */
const NEGATIVE_EXPECT: Record<string, RegExp | 'load-error' | 'result'> = {
  empty: /Test file has no BPF instructions/,
  empty_instructions: /Test file has no BPF instructions/,
  invalid_unknown_directive: /Test file has no BPF instructions/,
  invalid_register: /Invalid register: %r50/,
  invalid_offset: /Failed to decode register and offset: %r1/,
  invalid_offset_range: /Offset out of 16-bit range: .*0x10000/,
  invalid_imm32_hex_range: /Immediate out of 32-bit range: 0x100000000/,
  invalid_imm32_dec_range: /Immediate out of 32-bit range: 2147483648/,
  invalid_operand_count: /Invalid number of operands for mnemonic: lddw/,
  invalid_label: /Invalid label: NOT_A_LABEL/,
  invalid_mnemonic: /Invalid mnemonic: ldxq/,
  invalid_lock: /Invalid number of operands/,
  invalid_lock2: /Invalid number of operands for lock/,
  incorrect_return_value_high_bits: 'result',
};

/** Judges an outcome. `negative` cases pass when the outcome is NOT the file's expectation (and is the right refusal). */
export function judgeCase(
  name: string,
  c: ConformanceCase,
  out: ConformanceOutcome,
  negative: boolean,
): string | undefined {
  const show = (o: ConformanceOutcome): string =>
    o.kind === 'result' ? `result 0x${o.value.toString(16)}` : `error "${o.message}"`;
  const matchesFile =
    (c.error !== undefined && out.kind === 'error' && out.message === c.error) ||
    (c.error === undefined && c.result !== undefined && out.kind === 'result' && out.value === c.result);
  if (!negative) {
    if (c.error === undefined && c.result === undefined) return 'file has neither result nor error';
    if (matchesFile) return undefined;
    const want = c.error !== undefined ? `error "${c.error}"` : `result 0x${c.result!.toString(16)}`;
    return `expected ${want}, got ${show(out)}`;
  }
  const base = name.replace(/\.data$/, '');
  const want = base.startsWith('unused-') ? 'load-error' : NEGATIVE_EXPECT[base];
  // Without a specific expectation, a negative case passes when the run does not give what the file claims.
  if (want === undefined && matchesFile) return `negative case produced what the file expects: ${show(out)}`;
  if (want === 'load-error') {
    if (out.kind !== 'error' || !/reserved fields|unknown opcode|invalid|addr_space_cast/i.test(out.message))
      return `expected a load-time rejection, got ${show(out)}`;
  } else if (want === 'result') {
    if (out.kind !== 'result' || matchesFile) return `expected a (different) result, got ${show(out)}`;
  } else if (want instanceof RegExp) {
    if (out.kind !== 'error' || !want.test(out.message)) return `expected error matching ${want}, got ${show(out)}`;
  }
  return undefined;
}
