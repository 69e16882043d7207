/**
 * The bpf_conformance suite through the running kernel and through our engine: which programs the kernel's
 * verifier accepts as BPF_PROG_TYPE_SYSCALL programs, and whether BPF_PROG_TEST_RUN's r0 agrees with our
 * interpreter's and JIT's.
 *
 * How the suite's run convention maps onto the kernel (departures are the oracle's, not the engine's):
 * - the suite passes r1 = mem and r2 = its length. A SYSCALL program gets r1 = its context, so mem becomes
 *   ctx_in, and `r2 = len` is prepended. Without mem `r1 = 0; r2 = 0` is prepended (relative jumps are unchanged).
 * - the kernel reports r0 as a u32. The high half is read by a second run in which every exit of the main
 *   program jumps to an appended `r0 >>= 32; exit` (programs with bpf-to-bpf calls skip that second run).
 * - programs calling the suite's helpers (uBPF ids 0-5, not the kernel's) are not sent.
 */
import { caseInsns, parseConformanceFile, runConformanceProgram } from '../engines/bpf';
import type { BpfInsn } from '../engines/bpf';
import { interpExec } from '../engines/bpf';
import { encodeInsns, insn } from '../engines/bpf';
import { jitExec } from '../engines/bpf';
import type { KernelJob, KernelOracle } from './types';

/** One case's outcome on both sides. */
export interface ConformanceDiffCase {
  name: string;
  /** skipped: not sent to the kernel (why says so); rejected: the kernel's verifier refused it; ran: both ran. */
  status: 'skipped' | 'rejected' | 'ran' | 'run-failed';
  why?: string;
  /** The kernel's r0 (64 bits when the high-half run succeeded, else the low 32 bits). */
  kernel?: bigint;
  interp?: bigint;
  jit?: bigint;
  /** Whether the comparison covered all 64 bits. */
  full64?: boolean;
  agree?: boolean;
}

/** Totals for the report. */
export interface ConformanceDiffSummary {
  total: number;
  sent: number;
  accepted: number;
  ran: number;
  agree: number;
  full64: number;
  cases: ConformanceDiffCase[];
}

const MOV64_IMM = 0xb7;
const RSH64_IMM = 0x77;

function isCall(i: BpfInsn, src: number): boolean {
  return i.code === 0x85 && i.src_reg === src;
}

/** The program as the kernel gets it: r1/r2 set up the suite's way. */
function withPrologue(insns: readonly BpfInsn[], memLen: number | undefined): BpfInsn[] {
  const pro =
    memLen === undefined
      ? [insn(MOV64_IMM, 1, 0, 0, 0), insn(MOV64_IMM, 2, 0, 0, 0)]
      : [insn(MOV64_IMM, 2, 0, 0, memLen)];
  return [...pro, ...insns];
}

/** Every main-program exit becomes a jump to an appended `r0 >>= 32; exit`. */
function highHalf(insns: readonly BpfInsn[]): BpfInsn[] {
  const tail = insns.length;
  const out = insns.map((i, pc) => (i.code === 0x95 ? insn(0x05, 0, 0, tail - (pc + 1), 0) : { ...i }));
  out.push(insn(RSH64_IMM, 0, 0, 0, 32), insn(0x95));
  return out;
}

/** Runs the suite's runtime tests (name, file text) through the kernel and our engine. */
export function conformanceDiff(
  oracle: KernelOracle,
  files: readonly { name: string; text: string }[],
): ConformanceDiffSummary {
  const cases: ConformanceDiffCase[] = [];
  const jobs: KernelJob[] = [];
  const pending: { c: ConformanceDiffCase; lo: number; hi?: number }[] = [];
  for (const f of files) {
    const c: ConformanceDiffCase = { name: f.name, status: 'skipped' };
    cases.push(c);
    const parsed = parseConformanceFile(f.text);
    if (parsed.error !== undefined || parsed.result === undefined) {
      c.why = 'expects an error, not a result';
      continue;
    }
    let insns: BpfInsn[];
    try {
      insns = caseInsns(parsed);
    } catch (e) {
      c.why = `does not assemble: ${(e as Error).message}`;
      continue;
    }
    if (insns.some((i) => isCall(i, 0))) {
      c.why = 'calls the suite helpers';
      continue;
    }
    try {
      c.interp = runConformanceProgram(insns, parsed.mem, interpExec);
      c.jit = runConformanceProgram(insns, parsed.mem, jitExec);
    } catch (e) {
      c.why = `our engine fails: ${(e as Error).message}`;
      continue;
    }
    const memLen = parsed.mem && parsed.mem.length > 0 ? parsed.mem.length : undefined;
    const prog = withPrologue(insns, memLen);
    const opts = { prog_type: 'syscall', log_level: 1, ...(memLen !== undefined ? { ctx_in: parsed.mem! } : {}) };
    const p: { c: ConformanceDiffCase; lo: number; hi?: number } = { c, lo: jobs.length };
    jobs.push({ prog: encodeInsns(prog), opts, run: true });
    if (!insns.some((i) => isCall(i, 1))) {
      p.hi = jobs.length;
      jobs.push({ prog: encodeInsns(highHalf(prog)), opts, run: true });
    }
    pending.push(p);
  }
  const results = jobs.length > 0 ? oracle.batch(jobs) : [];
  for (const p of pending) {
    const lo = results[p.lo]!;
    const c = p.c;
    if (!lo.ok) {
      c.status = lo.verdict.ok ? 'run-failed' : 'rejected';
      c.why = lo.verdict.ok ? lo.why : (lo.verdict.first_error ?? lo.verdict.errno_name);
      continue;
    }
    c.status = 'ran';
    const hi = p.hi !== undefined ? results[p.hi] : undefined;
    if (hi?.ok) {
      c.kernel = (hi.retval << 32n) | lo.retval;
      c.full64 = true;
      c.agree = c.kernel === c.interp && c.kernel === c.jit;
    } else {
      c.kernel = lo.retval;
      c.full64 = false;
      c.agree = lo.retval === (c.interp! & 0xffffffffn) && lo.retval === (c.jit! & 0xffffffffn);
    }
  }
  const ran = cases.filter((c) => c.status === 'ran');
  return {
    total: cases.length,
    sent: pending.length,
    accepted: cases.filter((c) => c.status === 'ran' || c.status === 'run-failed').length,
    ran: ran.length,
    agree: ran.filter((c) => c.agree).length,
    full64: ran.filter((c) => c.full64).length,
    cases,
  };
}
