/**
 * The BPF panel's view of a machine's program loads (contract's BpfLoad): each prog_load, accepted or rejected,
 * with its listing, log and the verifier's walk to step through. The walk is the verifier run again on the same
 * instructions with `trace` and a budget of MAX_TRACE_STEPS processed instructions, computed when the load is
 * first shown; the heavy part (`detail`) goes out in the first machine state after the load only, and the
 * renderer keeps it, so that the twice-a-second machine events stay light.
 */
import type { BpfLoad, BpfMapSpec, BpfTrace } from '../contract';
import { KERNEL_CHECK_MAX_INSNS, KERNEL_CHECK_MAX_LOG } from '../contract-limits';
import { KernelError } from '../engines/common/errors';
import type { BpfInsn } from '../engines/bpf/index';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, decodeInsns, encodeInsns, isLdImm64 } from '../engines/bpf';
import { BPF_F } from '../engines/bpf';
import { BPF_LOG_BUF_SIZE } from '../engines/bpf';
import { progTypeOf } from '../engines/bpf';
import type { VerifierResult } from '../engines/bpf';
import type { BpfLoadRecord, Kernel } from '../engines/kernel';

/** Processed instructions a trace holds at most (the UI says when a walk was longer). */
export const MAX_TRACE_STEPS = 2000;
const MAX_MAPS = 64;

/** Loads whose detail went out already (a record belongs to one machine of one run). */
const sent = new WeakSet<BpfLoadRecord>();
/** The instructions of each load (re-assembled once for a rejected one; null when they cannot be had). */
const insnsOf = new WeakMap<BpfLoadRecord, readonly BpfInsn[] | null>();

function instructions(kernel: Kernel, rec: BpfLoadRecord): readonly BpfInsn[] | null {
  if (rec.prog) return rec.prog.insns;
  let insns = insnsOf.get(rec);
  if (insns !== undefined) return insns;
  const a = rec.attr;
  try {
    if (a.asm !== undefined)
      insns = kernel.bpf.assemble(String(a.asm), {
        syntax: a.syntax ?? 'auto',
        ...(a.maps ? { maps: a.maps } : {}),
      }).insns;
    else if (a.insns instanceof Uint8Array) insns = a.insns.length % 8 === 0 ? decodeInsns(a.insns) : null;
    else insns = Array.isArray(a.insns) ? a.insns : null;
  } catch {
    insns = null; // the assembler refused it: the error says where
  }
  insnsOf.set(rec, insns);
  return insns;
}

/** The assembler's asm line of each instruction of a load given as `asm` (cached; undefined for other loads). */
const asmLinesOf = new WeakMap<BpfLoadRecord, readonly number[] | null>();

function asmLines(kernel: Kernel, rec: BpfLoadRecord): readonly number[] | undefined {
  const a = rec.attr;
  if (typeof a.asm !== 'string') return undefined;
  if (rec.prog?.lines) return rec.prog.lines;
  let lines = asmLinesOf.get(rec);
  if (lines === undefined) {
    try {
      lines = kernel.bpf.assemble(a.asm, { syntax: a.syntax ?? 'auto', ...(a.maps ? { maps: a.maps } : {}) }).lines;
    } catch {
      lines = null;
    }
    asmLinesOf.set(rec, lines);
  }
  return lines ?? undefined;
}

/** The maps the program's ld_imm64 instructions name, by fd (the map's id here). */
function mapsOf(kernel: Kernel, insns: readonly BpfInsn[]): BpfMapSpec[] {
  const out = new Map<number, BpfMapSpec>();
  for (let pc = 0; pc < insns.length && out.size < MAX_MAPS; pc++) {
    const i = insns[pc]!;
    if (!isLdImm64(i)) continue;
    pc++;
    if (i.src_reg !== BPF_PSEUDO_MAP_FD && i.src_reg !== BPF_PSEUDO_MAP_VALUE) continue;
    const m = kernel.bpf.maps.get(i.imm);
    if (m && !out.has(m.id))
      out.set(m.id, {
        fd: m.id,
        map_type: m.type_name,
        key_size: m.key_size,
        value_size: m.value_size,
        max_entries: m.max_entries,
      });
  }
  return [...out.values()];
}

/** The verifier's walk, compact: distinct states once, steps as tuples; a step added where a path was pruned or rejected. */
export function compactTrace(res: VerifierResult, cap: number, processed: number): BpfTrace {
  const capped = res.insn_processed > cap;
  const states: string[] = [];
  const index = new Map<string, number>();
  const paths = (res.paths ?? []).map((p) => {
    const q: BpfTrace['paths'][number] = { id: p.id, parent: p.parent, from: p.from, to: p.to };
    // The budget of a capped walk is ours, not the verifier's verdict: leave that path open.
    if (p.end !== undefined && !(capped && p.at !== undefined && p.end.startsWith('BPF program is too large'))) {
      q.end = p.end;
      if (p.at !== undefined) q.at = p.at;
    }
    return q;
  });
  const steps: BpfTrace['steps'] = [];
  const src = res.steps ?? [];
  const endOf = (): void => {
    // The pruned or rejected instruction was processed too, with the state the previous one left.
    const last = steps[steps.length - 1];
    const p = last ? paths[last[1]] : undefined;
    if (last && p && p.at !== undefined && p.end !== undefined && p.end !== 'exit')
      steps.push([p.at, last[1], last[2], last[3]]);
  };
  src.forEach((s, k) => {
    if (k > 0 && src[k - 1]!.path !== s.path) endOf();
    let si = index.get(s.state);
    if (si === undefined) {
      si = states.length;
      states.push(s.state);
      index.set(s.state, si);
    }
    steps.push([s.insn, s.path, s.frame, si]);
  });
  if (!capped) endOf();
  return { processed, capped, states, steps, paths };
}

function logOf(rec: BpfLoadRecord): string {
  if (rec.prog) return rec.prog.verifier_log ?? '';
  const d = rec.error instanceof KernelError ? rec.error.detail : undefined;
  return typeof d?.['log'] === 'string' ? d['log'] : `${rec.error?.message ?? ''}\n`;
}

function detailOf(
  kernel: Kernel,
  rec: BpfLoadRecord,
  insns: readonly BpfInsn[] | null,
): NonNullable<BpfLoad['detail']> {
  const a = rec.attr;
  let log = logOf(rec);
  if (log.length > KERNEL_CHECK_MAX_LOG) log = log.slice(0, KERNEL_CHECK_MAX_LOG);
  const detail: NonNullable<BpfLoad['detail']> = {
    disasm: insns ? kernel.bpf.disassemble(insns) : '',
    log,
    log_level: typeof a.log_level === 'number' ? a.log_level : 1,
    log_size: typeof a.log_size === 'number' ? a.log_size : BPF_LOG_BUF_SIZE,
    maps: insns ? mapsOf(kernel, insns) : [],
  };
  const flags = (typeof a.prog_flags === 'number' ? a.prog_flags : 0) | (a.test_state_freq ? BPF_F.TEST_STATE_FREQ : 0);
  if (flags) detail.prog_flags = flags;
  if (typeof a.license === 'string') detail.license = a.license;
  if (a.line_info?.length)
    detail.source = a.line_info.map((l) => ({ insn: l.insn, file: l.file, line: l.line, col: l.col, text: l.text }));
  if (insns && insns.length <= KERNEL_CHECK_MAX_INSNS)
    detail.insns = Array.from(encodeInsns(insns), (b) => b.toString(16).padStart(2, '0')).join('');
  if (insns && a.verify !== false && rec.error?.name !== 'BpfAsmError') {
    let rep: ReturnType<Kernel['bpf']['verify']> | undefined;
    try {
      rep = kernel.bpf.verify({
        insns,
        ...(a.prog_type !== undefined ? { prog_type: a.prog_type } : {}),
        ...(a.test_state_freq ? { test_state_freq: true } : {}),
        ...(typeof a.prog_flags === 'number' ? { prog_flags: a.prog_flags } : {}),
        log_level: 0,
        trace: true,
        insn_limit: MAX_TRACE_STEPS,
      });
    } catch {
      rep = undefined; // the walk cannot be replayed: the panel shows the log alone
    }
    const processed = /processed (\d+) insns/.exec(log);
    if (rep?.result)
      detail.trace = compactTrace(
        rep.result,
        MAX_TRACE_STEPS,
        processed ? Number(processed[1]) : rep.result.insn_processed,
      );
  }
  return detail;
}

/**
 * Every load of the machine the panel lists, newest last; `detail` only the first time a load is shown. Walks are
 * replayed for `budgetMs` at most (a running script's time): the loads left over get theirs in a later state.
 */
export function bpfLoads(
  kernel: Kernel,
  budgetMs = Infinity,
  locate?: (rec: BpfLoadRecord) => { line: number; column: number } | undefined,
  /** The script line of each asm line of a load whose program is a literal of the script. */
  scriptLines?: (rec: BpfLoadRecord, asmLines: readonly number[]) => number[] | undefined,
): BpfLoad[] {
  const start = performance.now();
  let replayed = 0;
  return kernel.bpf_loads.map((rec) => {
    const a = rec.attr;
    const insns = instructions(kernel, rec);
    const load: BpfLoad = {
      seq: rec.seq,
      name: rec.prog?.name ?? (typeof a.prog_name === 'string' ? a.prog_name : ''),
      prog_type: progTypeOf(a.prog_type) ?? String(a.prog_type),
      insn_cnt: insns?.length ?? 0,
      verified: a.verify !== false,
      ok: !rec.error,
    };
    if (rec.prog) load.prog_id = rec.prog.id;
    if (rec.error) {
      const e = rec.error;
      load.errno = e instanceof KernelError ? e.errno : 'EINVAL';
      load.error = e.message.split('\n')[0]!;
      const d = e instanceof KernelError ? e.detail : undefined;
      if (typeof d?.['insn'] === 'number') load.insn = d['insn'];
      if (typeof d?.['line'] === 'number') load.line = d['line'];
      const at = locate?.(rec);
      if (at) load.at = at;
    }
    if (!sent.has(rec) && (replayed++ === 0 || performance.now() - start <= budgetMs)) {
      load.detail = detailOf(kernel, rec, insns);
      const al = scriptLines && asmLines(kernel, rec);
      const sl = al ? scriptLines!(rec, al) : undefined;
      if (sl && sl.some((l) => l > 0)) load.detail.script_lines = sl;
      sent.add(rec);
    }
    return load;
  });
}
