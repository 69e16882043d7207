/** The panels' view of a booted machine (contract's MachineState), taken from the engines without changing them. */
import type { MachineState } from '../contract';
import { KERNEL_CHECK_MAX_LOG } from '../contract-limits';
import type { BpfLoadRecord, Kernel } from '../engines/kernel';
import { frameRuns } from '../engines/mm';
import { bpfLoads } from './bpf-loads';
import type { ScriptPosition } from './asm-source';

const MAX_MAP_ENTRIES = 64;
const MAX_TRACE = 4096;
/** A program's log as the panels get it: at most 1 MiB (a level-2 log of a long walk reaches 16 MiB). */
function capLog(log: string): string {
  if (log.length <= KERNEL_CHECK_MAX_LOG) return log;
  return `${log.slice(0, KERNEL_CHECK_MAX_LOG)}\n… ${log.length - KERNEL_CHECK_MAX_LOG} more characters (the whole log: prog.verifier_log in the script)\n`;
}
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** While a script runs, the time one state may spend replaying verifier walks for the BPF panel (the last state: no limit). */
const BPF_TRACE_BUDGET_MS = 50;

/** `final`: the run's last state, which adds the per-frame runs and replays every remaining verifier walk. */
export function machineState(
  kernel: Kernel,
  index: number,
  opts: {
    final?: boolean;
    locate?: (rec: BpfLoadRecord) => ScriptPosition | undefined;
    scriptLines?: (rec: BpfLoadRecord, asmLines: readonly number[]) => number[] | undefined;
  } = {},
): MachineState {
  const mm = kernel.mm;
  const snap = mm.snapshot();
  return {
    index,
    seed: kernel.seed,
    cpus: kernel.cpus,
    now_ns: kernel.now_ns(),
    mm: {
      policy: mm.policy,
      nframes: mm.nframes,
      managed_pages: mm.managed_pages,
      pageblocks: snap.pageblocks,
      pages_per_block: snap.pagesPerBlock,
      migratetypes: snap.migratetypes,
      migratetype: Array.from(snap.migratetype),
      free: Array.from(snap.free),
      allocated: Array.from(snap.allocated),
      pcp: Array.from(snap.pcp),
      cache_free: Array.from(snap.cacheFree),
      unmapped: Array.from(snap.unmapped),
      unmapped_block: Array.from(snap.unmappedBlock),
      level: Array.from(snap.level),
      meminfo: mm.meminfo(),
      vmstat: mm.vmstat(),
      buddyinfo: mm.procfs('buddyinfo'),
      zones: mm.zones.map((z) => ({
        name: z.name,
        start_pfn: z.zone_start_pfn,
        spanned: z.spanned_pages,
        present: z.present_pages,
        managed: z.managed_pages,
        free: z.freePages,
        min: z._watermark[0]!,
        low: z._watermark[1]!,
        high: z._watermark[2]!,
      })),
      pressure: mm.trace.wire(),
      ...(opts.final ? { frames: frameRuns(mm) } : {}),
    },
    bpf: {
      progs: [...kernel.bpf.progs.values()].map((p) => {
        const image = kernel.jit_images.get(p);
        return {
          id: p.id,
          name: p.name,
          prog_type: p.prog_type,
          jited: p.jited,
          insn_cnt: p.insns.length,
          disasm: p.disasm(),
          ...(p.verifier_log !== undefined ? { verifier_log: capLog(p.verifier_log) } : {}),
          ...(image ? { jit_image: { addr: image.region.addr, offset: image.offset, size: image.size } } : {}),
        };
      }),
      maps: [...kernel.bpf.maps.values()].map((m) => ({
        id: m.id,
        name: m.name,
        map_type: m.type_name,
        key_size: m.key_size,
        value_size: m.value_size,
        max_entries: m.max_entries,
        entries:
          m.type_name === 'BPF_MAP_TYPE_RINGBUF'
            ? []
            : m
                .entries()
                .slice(0, MAX_MAP_ENTRIES)
                .map(([k, v]) => [hex(k), hex(v)] as [string, string]),
      })),
      loads: bpfLoads(kernel, opts.final ? Infinity : BPF_TRACE_BUDGET_MS, opts.locate, opts.scriptLines),
    },
    ublk: {
      fio: kernel.fio_runs.map(({ dev_id, options, result: r }) => ({
        dev_id,
        data_path: String(kernel.ublk.devs.find((d) => d.info().dev_id === dev_id)?.info().data_path ?? ''),
        options: JSON.parse(JSON.stringify(options)) as Record<string, unknown>,
        iops: r.iops,
        bw: r.bw,
        lat: { p50: r.lat.p50, p99: r.lat.p99, p999: r.lat.p999 },
        copied_bytes: r.copied_bytes,
        uring_ops_per_io: r.uring_ops_per_io,
        ios: r.ios,
        errors: r.errors,
        verify: r.verify,
        trace: r.trace.slice(0, MAX_TRACE).map((t) => ({ id: t.id, kind: t.kind, q: t.q, tag: t.tag, t: t.t })),
      })),
      devs: kernel.ublk.devs.map((d) => {
        const snap = d.snapshot();
        return {
          info: { ...d.info() } as Record<string, unknown>,
          stats: d.stats(),
          board: { state: snap.state, recovering: snap.recovering },
          queues: snap.queues.map((q) => ({
            q_id: q.q_id,
            nr_io_ready: q.nr_io_ready,
            canceling: q.canceling,
            tags: q.tags,
          })),
        };
      }),
    },
  };
}
