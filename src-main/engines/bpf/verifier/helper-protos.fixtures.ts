/**
 * The helper prototypes (struct bpf_func_proto of kernel/trace/bpf_trace.c, kernel/bpf/helpers.c,
 * kernel/bpf/bpf_cgrp_storage.c, net/core/filter.c, Linux 6.18) as check_helper_call() applies them: every helper
 * the differential fuzz reaches and the tracing base set, on every program type that offers it, with good and
 * bad arguments, a GPL and a non-GPL license. helper-protos.test.ts loads each in the model and (where it can) in
 * the running kernel; the kernel's answers are recorded there.
 */
import { firstErrorLine } from '../../../oracle/verifier-log';
import { createBpf } from '../index';
import { BPF_F } from '../prog_flags';
import { helperAllowed } from './prog-types';
import type { ProgType } from './prog-types';
import { answerOf } from './kernel-classes.fixtures';
import { MAPS, type VariantMap } from './helper-args.fixtures';

/** One program (kernel syntax; `map[id:1]` names the variant's map) on one program type. */
export interface ProtoVariant {
  name: string;
  prog_type: Exclude<ProgType, 'ublk'>;
  asm: string;
  map?: VariantMap;
  license?: string;
}

export const PROTO_TYPES = ['socket_filter', 'raw_tracepoint', 'tracepoint', 'xdp', 'syscall'] as const;

/** fp-16..fp-1 hold zeroes. */
const STACK = '*(u64 *)(r10 -8) = 0\n*(u64 *)(r10 -16) = 0\n';
const END = '\nr0 = 0\nexit';

/** [name, helper id, program, needs the map]; r1 is the context on entry. */
const CALLS: [string, number, string, boolean][] = [
  ['get_current_task', 35, 'call 35', false],
  ['get_current_pid_tgid', 14, 'call 14', false],
  ['get_current_uid_gid', 15, 'call 15', false],
  ['get_current_comm fp-16 16', 16, 'r1 = r10\nr1 += -16\nr2 = 16\ncall 16', false],
  ['probe_read ctx', 4, 'r2 = 8\nr3 = 0\ncall 4', false],
  ['probe_read scalar', 4, 'r1 = 0\nr2 = 8\nr3 = 0\ncall 4', false],
  ['probe_read fp-8 8', 4, 'r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 4', false],
  ['probe_read fp-8 16', 4, 'r1 = r10\nr1 += -8\nr2 = 16\nr3 = 0\ncall 4', false],
  ['probe_read_str fp-16 16', 45, 'r1 = r10\nr1 += -16\nr2 = 16\nr3 = 0\ncall 45', false],
  ['probe_read_user fp-8 0', 112, 'r1 = r10\nr1 += -8\nr2 = 0\nr3 = 0\ncall 112', false],
  ['probe_read_kernel map_ptr', 113, 'r1 = map[id:1]\nr2 = 8\nr3 = 0\ncall 113', true],
  ['probe_read_user_str fp-8 8', 114, 'r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 114', false],
  ['probe_read_kernel_str fp-8 -1', 115, 'r1 = r10\nr1 += -8\nr2 = -1\nr3 = 0\ncall 115', false],
  ['perf_event_output hash', 25, `${STACK}r2 = map[id:1]\nr3 = 0\nr4 = r10\nr4 += -8\nr5 = 8\ncall 25`, true],
  ['perf_event_output r4 null', 25, 'r2 = map[id:1]\nr3 = 0\nr4 = 0\nr5 = 0\ncall 25', true],
  ['perf_event_output r1 scalar', 25, 'r1 = 0\ncall 25', false],
  ['tail_call hash', 12, 'r2 = map[id:1]\nr3 = 0\ncall 12', true],
  ['tail_call r2 scalar', 12, 'r2 = 0\nr3 = 0\ncall 12', false],
  ['get_stackid hash', 27, 'r2 = map[id:1]\nr3 = 0\ncall 27', true],
  ['get_stack fp-16 16', 67, 'r2 = r10\nr2 += -16\nr3 = 16\nr4 = 0\ncall 67', false],
  ['get_stack r2 ctx', 67, 'r2 = r1\nr3 = 16\nr4 = 0\ncall 67', false],
  ['send_signal', 109, 'r1 = 9\ncall 109', false],
  ['send_signal_thread', 117, 'r1 = 9\ncall 117', false],
  ['cgrp_storage_get hash null', 210, 'r1 = map[id:1]\nr2 = 0\nr3 = 0\nr4 = 0\ncall 210', true],
  ['cgrp_storage_get r3 scalar', 210, 'r1 = map[id:1]\nr2 = 0\nr3 = 1\nr4 = 0\ncall 210', true],
  ['cgrp_storage_get r2 fp', 210, 'r1 = map[id:1]\nr2 = r10\nr3 = 0\nr4 = 0\ncall 210', true],
  ['cgrp_storage_delete hash null', 211, 'r1 = map[id:1]\nr2 = 0\ncall 211', true],
  ['cgrp_storage_delete r2 scalar', 211, 'r1 = map[id:1]\nr2 = 1\ncall 211', true],
  ['cgrp_storage_delete r2 ctx', 211, 'r2 = r1\nr1 = map[id:1]\ncall 211', true],
];

/** Calls whose proto is gpl_only (and one that is not), under a license that is not GPL-compatible. */
const NON_GPL: [string, number, string][] = [
  ['get_current_task', 35, 'call 35'],
  ['probe_read_kernel', 113, 'r1 = 0\ncall 113'],
  ['get_current_pid_tgid', 14, 'call 14'],
];

/** Every call on every program type that offers its helper, then the license variants. */
export function protoVariants(): ProtoVariant[] {
  const out: ProtoVariant[] = [];
  for (const t of PROTO_TYPES) {
    for (const [name, id, call, map] of CALLS) {
      if (!helperAllowed(t, id)) continue;
      out.push({ name: `${t} ${name}`, prog_type: t, asm: `${call}${END}`, ...(map ? { map: MAPS['hash']! } : {}) });
    }
    for (const [name, id, call] of NON_GPL) {
      if (helperAllowed(t, id))
        out.push({ name: `${t} ${name} MIT`, prog_type: t, asm: `${call}${END}`, license: 'MIT' });
    }
  }
  return out;
}

const flags = (t: ProgType): number => (t === 'syscall' ? BPF_F.SLEEPABLE : 0);

/** The kernel's job for a variant (a syscall program must be sleepable). */
export function protoJob(v: ProtoVariant): {
  prog: string;
  opts: {
    prog_type: string;
    log_level: number;
    prog_flags: number;
    license?: string;
    maps?: Record<number, VariantMap>;
  };
} {
  return {
    prog: v.asm,
    opts: {
      prog_type: v.prog_type,
      log_level: 1,
      prog_flags: flags(v.prog_type),
      ...(v.license ? { license: v.license } : {}),
      ...(v.map ? { maps: { 1: { ...v.map } } } : {}),
    },
  };
}

/** The model's answer: `ok` or `ERRNO first error line` (the log's, as the kernel's is read). */
export function protoModelAnswer(v: ProtoVariant): string {
  const bpf = createBpf();
  if (v.map) bpf.map_create({ ...v.map });
  const r = bpf.verify({
    asm: v.asm,
    prog_type: v.prog_type,
    log_level: 1,
    prog_flags: flags(v.prog_type),
    ...(v.license ? { license: v.license } : {}),
  });
  return answerOf({ ok: r.ok, errno: r.errors[0]?.errno, first: r.ok ? undefined : firstErrorLine(r.log) });
}
