/**
 * The contract's schemas of a simulated machine's state as the engine panels get it (MachineStateSchema), with the
 * BPF loads it carries (BPF_PROG_LOAD's attributes and verdict, the verifier's walk) and the kernel check's request
 * and result. Re-exported by contract.ts: import them from there. Models include/uapi/linux/bpf.h's
 * BPF_MAP_CREATE/BPF_PROG_LOAD attributes and the verifier's log (kernel/bpf/verifier.c) as the panels show them.
 */
import { z } from 'zod';
import { KERNEL_CHECK_MAX_INSNS, KERNEL_CHECK_MAX_LOG } from './contract-limits';

/** A map a program names, as BPF_MAP_CREATE's attributes (by the fd its ld_imm64 carries: the map's id). */
export const BpfMapSpecSchema = z
  .object({
    fd: z.number().int().min(0).max(0x7fffffff),
    map_type: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_]{1,64}$/),
    key_size: z.number().int().min(0).max(512),
    value_size: z
      .number()
      .int()
      .min(0)
      .max(1 << 16),
    max_entries: z
      .number()
      .int()
      .min(1)
      .max(1 << 24),
  })
  .strict()
  // An array map preallocates max_entries values in the real kernel: keep what one click may allocate small.
  .refine(
    (m) => m.value_size * m.max_entries <= 64 << 20 && (m.map_type.endsWith('RINGBUF') || m.max_entries <= 1 << 20),
    'a map of at most 64 MiB',
  );
export type BpfMapSpec = z.infer<typeof BpfMapSpecSchema>;

/**
 * The verifier's walk of one load, for stepping through it: every processed instruction with the registers and
 * stack after it (as distinct strings in the log's notation, referenced by index) and the exploration tree.
 */
export const BpfTraceSchema = z.object({
  /** Instructions the verifier processed in the load (`processed N insns`). */
  processed: z.number().int(),
  /** The trace stops at its cap before the verifier did: it holds the first `steps.length` instructions only. */
  capped: z.boolean(),
  /** Distinct states after an instruction, e.g. `R0=scalar() R10=fp0 fp-8=iter_num(ref_id=1,state=active,depth=0) refs=1`. */
  states: z.array(z.string()),
  /** Each processed instruction in order: [insn, path, frame, index in states]. */
  steps: z.array(z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()])),
  /** The exploration tree: each path popped from the branch stack, where it forked (from -> to) and how it ended (at). */
  paths: z.array(
    z.object({
      id: z.number().int(),
      parent: z.number().int(),
      from: z.number().int(),
      to: z.number().int(),
      /** `exit`, `safe` (pruned: a state equal to an explored one) or the verifier's message. */
      end: z.string().optional(),
      at: z.number().int().optional(),
    }),
  ),
});
export type BpfTrace = z.infer<typeof BpfTraceSchema>;

/** One BPF_PROG_LOAD of a machine (accepted or rejected) for the BPF panel. */
export const BpfLoadSchema = z.object({
  /** The nth load of the machine (from 0): the key that joins `detail` sent earlier to later states. */
  seq: z.number().int(),
  /** The loaded program's id (absent when the load was rejected). */
  prog_id: z.number().int().optional(),
  name: z.string(),
  /** The verifier's name of the program type (`raw_tracepoint`, `socket_filter`, ...). */
  prog_type: z.string(),
  insn_cnt: z.number().int(),
  /** False for a load with `verify: false`. */
  verified: z.boolean(),
  ok: z.boolean(),
  errno: z.string().optional(),
  /** The rejection's message, the instruction it stopped at and that instruction's source line. */
  error: z.string().optional(),
  insn: z.number().int().optional(),
  line: z.number().int().optional(),
  /** Where that line (or an assembler error) is in the script, when the program is a literal of it. */
  at: z.object({ line: z.number().int().min(1), column: z.number().int().min(1) }).optional(),
  /** The load's listing, log and trace: in the first machine event after the load only (the renderer keeps it). */
  detail: z
    .object({
      disasm: z.string(),
      log: z.string(),
      log_level: z.number().int(),
      /** BPF_PROG_LOAD's log_size of the load (the kernel check loads with the same). */
      log_size: z.number().int().min(0).optional(),
      /** BPF_PROG_LOAD's prog_flags of the load (BPF_F_TEST_STATE_FREQ when it asked for test_state_freq). */
      prog_flags: z.number().int().min(0).optional(),
      /** The instructions as hex (8 bytes each), for the kernel check; absent above its cap. */
      insns: z.string().optional(),
      maps: z.array(BpfMapSpecSchema),
      trace: BpfTraceSchema.optional(),
      /** BPF_PROG_LOAD's license when the load gave one (a C object's `license` section). */
      license: z.string().optional(),
      /** For a program assembled from a literal of the script: the script's line of each instruction (0: none). */
      script_lines: z.array(z.number().int().min(0)).optional(),
      /** For a program loaded from a C object: its line_info, the C line that starts at each listed instruction. */
      source: z
        .array(
          z.object({
            insn: z.number().int().min(0),
            file: z.string(),
            line: z.number().int().min(0),
            col: z.number().int().min(0),
            text: z.string(),
          }),
        )
        .optional(),
    })
    .optional(),
});
export type BpfLoad = z.infer<typeof BpfLoadSchema>;

/** "Check on this machine's kernel": the program (instructions as hex, maps) and our verifier's verdict on it. */
export const KernelCheckRequestSchema = z
  .object({
    insns: z
      .string()
      .min(16)
      .max(16 * KERNEL_CHECK_MAX_INSNS)
      .regex(/^(?:[0-9a-f]{16})+$/, 'instructions as lower-case hex, 8 bytes each'),
    prog_type: z
      .string()
      .max(64)
      .regex(/^[A-Za-z0-9_]{1,64}$/),
    log_level: z.number().int().min(0).max(2),
    /** The load's log_size (the kernel oracle's helper takes up to 16 MiB). */
    log_size: z
      .number()
      .int()
      .min(0)
      .max(16 << 20)
      .optional(),
    prog_flags: z.number().int().min(0).max(0x1ffff).optional(),
    /** The load's license (a C object's `license` section); the kernel's default here is GPL, as the model's. */
    license: z.string().max(127).optional(),
    maps: z.array(BpfMapSpecSchema).max(64),
    sim: z
      .object({ ok: z.boolean(), errno_name: z.string().max(32).optional(), log: z.string().max(KERNEL_CHECK_MAX_LOG) })
      .strict(),
  })
  .strict();
export type KernelCheckRequest = z.infer<typeof KernelCheckRequestSchema>;

export const KernelCheckResultSchema = z.discriminatedUnion('available', [
  /** Where the kernel cannot be asked (not Linux, not root, no cc, no BTF): why, in one line. */
  z.object({ available: z.literal(false), why: z.string() }),
  z.object({
    available: z.literal(true),
    kernel: z.object({
      ok: z.boolean(),
      errno_name: z.string(),
      log: z.string(),
      first_error: z.string().optional(),
      processed: z.number().optional(),
      log_truncated: z.boolean().optional(),
    }),
    /** Verdicts, errnos and first error lines compared; the two logs aligned line by line. */
    comparison: z.object({
      verdict_agree: z.boolean(),
      errno_agree: z.boolean(),
      first_error_agree: z.boolean(),
      ours_first_error: z.string().optional(),
      kernel_first_error: z.string().optional(),
      rows: z.array(z.object({ ours: z.string().optional(), kernel: z.string().optional(), agree: z.boolean() })),
      /** Index in rows of the first line where the logs part, or -1. */
      first_disagreement: z.number().int(),
    }),
  }),
]);
export type KernelCheckResult = z.infer<typeof KernelCheckResultSchema>;

/**
 * The state of one simulated machine for the engine panels: sent while a run goes (throttled) and at its end.
 * Per-pageblock arrays are plain number arrays (JSON and structured clone alike).
 */
export const MachineStateSchema = z.object({
  /** The nth boot() of the run (0-based). */
  index: z.number().int(),
  seed: z.number(),
  cpus: z.number(),
  now_ns: z.number(),
  mm: z.object({
    policy: z.string(),
    nframes: z.number(),
    /** Frames given to the buddy (zone_managed_pages); pfn managed_pages … nframes-1 are the reserved memmap. */
    managed_pages: z.number(),
    pageblocks: z.number(),
    pages_per_block: z.number(),
    migratetypes: z.array(z.string()),
    /** Per pageblock: migratetype index, free / allocated / pcp / cache-free / unmapped pages, direct-map level. */
    migratetype: z.array(z.number()),
    free: z.array(z.number()),
    allocated: z.array(z.number()),
    pcp: z.array(z.number()),
    cache_free: z.array(z.number()),
    unmapped: z.array(z.number()),
    unmapped_block: z.array(z.number()),
    /** 1 = 4K PTEs, 2 = a 2M leaf, 3 = inside a 1G leaf. */
    level: z.array(z.number()),
    meminfo: z.record(z.string(), z.number()),
    vmstat: z.record(z.string(), z.number()),
    buddyinfo: z.string(),
    /**
     * node_zones[] as /proc/zoneinfo gives them: span (start_pfn, spanned), present and managed pages, free pages
     * and the min / low / high watermarks (pages).
     */
    zones: z.array(
      z.object({
        name: z.string(),
        start_pfn: z.number(),
        spanned: z.number(),
        present: z.number(),
        managed: z.number(),
        free: z.number(),
        min: z.number(),
        low: z.number(),
        high: z.number(),
      }),
    ),
    /**
     * The pressure trace (engines/mm/mm_trace.ts): each zone's free pages over the run and the reclaim, compaction
     * and allocation-failure events, on the model's clock (page-allocator requests since boot). Bounded: at most
     * 1024 samples, and per event kind the first and last 128 events (`counts` has them all).
     */
    pressure: z.object({
      now: z.number(),
      interval: z.number(),
      t: z.array(z.number()),
      /** free[zone][i]: the zone's free pages at t[i], one row per zone of `zones`. */
      free: z.array(z.array(z.number())),
      events: z.array(
        z.object({
          t: z.number(),
          /** kswapd_wake, kswapd_sleep, direct_reclaim, compact_success, compact_fail, compact_memory, alloc_fail. */
          kind: z.string(),
          /** Index in `zones`. */
          zone: z.number(),
          order: z.number(),
          /** Pages reclaimed (direct_reclaim) or migrated (compact_*). */
          pages: z.number(),
          /** The zone's free pages just after the event. */
          free: z.number(),
        }),
      ),
      counts: z.record(z.string(), z.number()),
    }),
    /**
     * The frames of the pageblocks in `ranges`, run-length encoded (the memory panel's zoom down to frames). Only in
     * a run's final state, within `cap` runs (the periodic states leave it out). A code packs a frame in 11 bits:
     * bits 0-3 the order of its block, 4-7 its kind (0 none, 1 free, 2 pcp, 3 cache free, 4 allocated, 5 allocated
     * movable, 6 cache allocated, 7 page table, 8 secretmem), bit 8 not present in the direct map, bits 9-10 the
     * direct-map leaf covering it (1 = 4K, 2 = 2M, 3 = 1G).
     */
    frames: z
      .object({
        /** [first pageblock, count] pairs, ascending. */
        ranges: z.array(z.number()),
        /** [code, frames] pairs over the ranges' frames in pfn order. */
        runs: z.array(z.number()),
        /** Runs the whole machine needs: more than `cap` means some pageblocks were left out. */
        total_runs: z.number(),
        cap: z.number(),
      })
      .optional(),
  }),
  bpf: z.object({
    progs: z.array(
      z.object({
        id: z.number(),
        name: z.string(),
        prog_type: z.string(),
        jited: z.boolean(),
        insn_cnt: z.number(),
        disasm: z.string(),
        /** The verifier's log of the load (absent for a program loaded with verify: false). */
        verifier_log: z.string().optional(),
        /** Where the JIT image lives: its execmem area's address, the offset in it and the size. */
        jit_image: z.object({ addr: z.string(), offset: z.number(), size: z.number() }).optional(),
      }),
    ),
    maps: z.array(
      z.object({
        id: z.number(),
        name: z.string(),
        map_type: z.string(),
        key_size: z.number(),
        value_size: z.number(),
        max_entries: z.number(),
        /** Up to 64 entries as [key hex, value hex]. */
        entries: z.array(z.tuple([z.string(), z.string()])),
      }),
    ),
    /** The machine's latest program loads (at most 32), rejected ones included. */
    loads: z.array(BpfLoadSchema),
  }),
  ublk: z.object({
    /** The machine's fio runs, newest last: options, results and the sampled per-I/O trace (the timeline). */
    fio: z.array(
      z.object({
        dev_id: z.number(),
        data_path: z.string(),
        options: z.record(z.string(), z.unknown()),
        iops: z.number(),
        bw: z.number(),
        lat: z.object({ p50: z.number(), p99: z.number(), p999: z.number() }),
        copied_bytes: z.number(),
        uring_ops_per_io: z.number(),
        ios: z.number(),
        errors: z.number(),
        verify: z.object({ checked: z.number(), mismatches: z.number() }).nullable(),
        /** Sampled I/Os: each record an I/O's step (submit, queue_rq, task_work, server_cqe, backend, commit, complete) at virtual ns. */
        trace: z.array(z.object({ id: z.number(), kind: z.string(), q: z.number(), tag: z.number(), t: z.number() })),
      }),
    ),
    devs: z.array(
      z.object({
        info: z.record(z.string(), z.unknown()),
        stats: z.record(z.string(), z.number()),
        /** The device state the tag board shows (UBLK_S_DEV_*) and whether a user recovery is under way. */
        board: z.object({ state: z.string(), recovering: z.boolean() }).optional(),
        /** Each queue's tags: the ublk_io flags and the request a tag holds (the tag board). */
        queues: z.array(
          z.object({
            q_id: z.number(),
            nr_io_ready: z.number(),
            /** ubq->canceling: the queue's commands are being cancelled (server exit, quiesce). */
            canceling: z.boolean().optional(),
            tags: z.array(
              z.object({
                tag: z.number(),
                flags: z.array(z.string()),
                request: z.object({ op: z.string(), sector: z.number(), nr_sectors: z.number() }).nullable(),
                /** UBLK_F_BATCH_IO (after 6.18): prepared by PREP_IO_CMDS, queued for a fetch, fetched in a batch, committed in a batch. */
                batch: z.enum(['prepared', 'queued', 'fetched', 'committed']).nullable().optional(),
              }),
            ),
          }),
        ),
      }),
    ),
  }),
});
export type MachineState = z.infer<typeof MachineStateSchema>;
