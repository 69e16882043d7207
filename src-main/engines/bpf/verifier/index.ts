/**
 * The BPF verifier (kernel/bpf/verifier.c, bpf_check()): abstract interpretation of every path with the kernel's
 * register/stack model, pruning, loops, bpf_loop callbacks and open-coded iterators, messages and log format.
 * `verifyInsns()` is what `k.bpf.verify` and `k.bpf.prog_load` run; `verifierHook` is the engine's BPF_PROG_LOAD
 * hook. The verifier names only what it reads of the engine (VerifierHost, VerifierLoadAttr): the engine imports
 * the verifier, never the other way round.
 */
import { KernelError } from '../../common/errors';
import type { BpfInsn } from '../isa';
import type { BpfMap } from '../maps';
import type { BpfHelper } from '../vm';
import type { HelperProto } from './protos';
import { BPF_F, checkProgFlags } from '../prog_flags';
import { license_is_gpl_compatible } from '../license';
import { bpf_check } from './verifier';
import type { VerifierResult } from './verifier';

export { bpf_check, BpfVerifierEnv, BPF_COMPLEXITY_LIMIT_INSNS } from './verifier';
export type { VerifierEnv, VerifierResult, VerifierStep, VerifierPath } from './verifier';
export { HELPER_PROTOS, kfuncProto } from './protos';
export type { HelperProto, ArgType, RetType } from './protos';
export { progTypeOf } from './prog-types';
export type { ProgType } from './prog-types';

/** What the verifier reads of the BPF engine (BpfEngine has it): its maps, helpers and kfuncs, and its CPU count. */
export interface VerifierHost {
  readonly maps: ReadonlyMap<number, BpfMap>;
  readonly helpers: ReadonlyMap<number, BpfHelper>;
  readonly kfuncs: ReadonlyMap<number, BpfHelper>;
  readonly nr_cpus: number;
}

/** The BPF_PROG_LOAD attributes the verifier reads (BpfProgLoadAttr has them all). */
export interface VerifierLoadAttr {
  prog_type?: string;
  log_level?: number;
  log_size?: number;
  test_state_freq?: boolean;
  prog_flags?: number;
  fd_array?: readonly number[];
  func_info?: boolean;
  license?: string;
}

/**
 * The verifier's entry point (bpf_check()) as BPF_PROG_LOAD calls it: it receives the checked instructions and the
 * load attributes and throws a KernelError (with detail.log) to reject.
 */
export type BpfVerifierHook = (
  insns: readonly BpfInsn[],
  attr: VerifierLoadAttr,
  engine: VerifierHost,
) => { log: string; ctx_loads?: ReadonlyMap<number, number>; max_ctx_offset?: number } | void;

/** Options of a verification beyond BPF_PROG_LOAD's attributes. */
export interface VerifyOptions {
  /** log_level: 0 none, 1 (default) the failing path, 2 every instruction. */
  log_level?: number;
  /** BPF_F_TEST_STATE_FREQ. */
  test_state_freq?: boolean;
  /** Per-instruction states and the exploration tree (for the UI). */
  trace?: boolean;
  /** A processed-instruction budget below the kernel's 1,000,000. */
  insn_limit?: number;
  /** log_size: the log buffer's size in bytes (default 16 MiB, libbpf's); a longer log keeps its tail and fails the load with ENOSPC. */
  log_size?: number;
}

/** One rejection, for the UI: message, instruction and its source line. */
export interface VerifyError {
  message: string;
  errno: string;
  insn?: number;
  line?: number;
}

/** What `k.bpf.verify` returns. */
export interface VerifyReport {
  ok: boolean;
  log: string;
  errors: VerifyError[];
  result: VerifierResult;
}

/** bpf_check() on checked instructions with the engine's maps, helpers and kfuncs. */
export function verifyInsns(
  engine: VerifierHost,
  insns: readonly BpfInsn[],
  attr: VerifierLoadAttr & VerifyOptions,
  lines?: readonly number[],
): VerifyReport {
  const flags = checkProgFlags(attr.prog_flags ?? 0);
  const ls = attr.log_size;
  // bpf_vlog_init(): log_size is a u32 no larger than UINT_MAX >> 2.
  if (ls !== undefined && !(Number.isInteger(ls) && ls >= 0 && ls <= 0x3fffffff))
    throw new KernelError('EINVAL', `log_size ${String(ls)}: not an integer from 0 to ${0x3fffffff}`);
  const result = bpf_check(insns, {
    ...(attr.prog_type !== undefined ? { prog_type: attr.prog_type } : {}),
    log_level: attr.log_level ?? 1,
    mapById: (id) => engine.maps.get(id),
    ...(attr.fd_array ? { fd_array: attr.fd_array } : {}),
    ...(attr.func_info === false ? { func_info: false } : {}),
    kfuncName: (id) => engine.kfuncs.get(id)?.name,
    helperName: (id) => engine.helpers.get(id)?.name,
    helperProto: (id) => engine.helpers.get(id)?.proto as HelperProto | undefined,
    kfuncProto: (id) => engine.kfuncs.get(id)?.proto,
    kfuncArgs: (id) => {
      const p = engine.kfuncs.get(id)?.proto;
      if (!p || !Array.isArray(p['args'])) return undefined;
      return {
        args: p['args'] as string[],
        ...(Array.isArray(p['prog_types']) ? { prog_types: p['prog_types'] as string[] } : {}),
      };
    },
    nr_cpus: engine.nr_cpus,
    ...(attr.test_state_freq || flags & BPF_F.TEST_STATE_FREQ ? { test_state_freq: true } : {}),
    ...(flags & BPF_F.SLEEPABLE ? { sleepable: true } : {}),
    ...(attr.license !== undefined && !license_is_gpl_compatible(attr.license) ? { gpl_compatible: false } : {}),
    ...(attr.trace ? { trace: true } : {}),
    ...(attr.insn_limit ? { insn_limit: attr.insn_limit } : {}),
    ...(attr.log_size !== undefined ? { log_size: attr.log_size } : {}),
  });
  const errors: VerifyError[] = [];
  if (!result.ok) {
    const e: VerifyError = { message: result.error!, errno: result.errno! };
    if (result.insn !== undefined) {
      e.insn = result.insn;
      const line = lines?.[result.insn];
      if (line) e.line = line;
    }
    errors.push(e);
  }
  return { ok: result.ok, log: result.log, errors, result };
}

/** The BPF_PROG_LOAD hook: throws KernelError(EACCES/EINVAL/E2BIG/ENOSPC) with detail.log when the program is rejected. */
export const verifierHook: BpfVerifierHook = (insns, attr, engine) => {
  const a = attr as VerifierLoadAttr & VerifyOptions & { lines?: readonly number[] };
  const rep = verifyInsns(engine, insns, a, a.lines);
  if (!rep.ok) {
    const e = rep.errors[0]!;
    const errno = e.errno === 'ENOTSUPP' ? 'EINVAL' : (e.errno as 'EACCES' | 'EINVAL' | 'E2BIG' | 'EFAULT' | 'ENOSPC');
    throw new KernelError(errno, e.message, {
      log: rep.log,
      insn: e.insn,
      ...(e.line ? { line: e.line } : {}),
      verifier: rep.result,
    });
  }
  return { log: rep.log, ctx_loads: rep.result.ctx_loads, max_ctx_offset: rep.result.max_ctx_offset };
};
