/**
 * The memory panel's pressure trace: each zone's free pages over a run, and the reclaim, compaction and
 * allocation-failure events the kernel reports through its tracepoints (include/trace/events/vmscan.h:
 * mm_vmscan_kswapd_wake, mm_vmscan_kswapd_sleep, mm_vmscan_direct_reclaim_begin/_end; include/trace/events/
 * compaction.h: mm_compaction_end; mm/page_alloc.c warn_alloc()), as Linux 6.18 names them.
 *
 * Time is the model's: the mm engine's operations take no virtual time of their own, so the trace's clock counts
 * page-allocator requests (__alloc_pages() calls) since boot. The trace is deterministic and bounded: at most
 * MAX_SAMPLES samples (when full, every other sample goes and the sampling interval doubles) and, per event kind,
 * the first and the last EVENTS_KEPT / 2 events with a count of all of them.
 */

/** The events the trace records, after the kernel's tracepoints. */
export const TRACE_EVENT_KINDS = [
  /** mm_vmscan_kswapd_wake: wakeup_kswapd() woke kswapd (a zone fell below low). */
  'kswapd_wake',
  /** mm_vmscan_kswapd_sleep: kswapd went back to sleep (balanced at high, or nothing left to reclaim). */
  'kswapd_sleep',
  /** mm_vmscan_direct_reclaim_begin/_end: try_to_free_pages() in the allocating task (below min). */
  'direct_reclaim',
  /** mm_compaction_end after __alloc_pages_direct_compact(): the request was met (compact_success). */
  'compact_success',
  /** mm_compaction_end after __alloc_pages_direct_compact(): still no block (compact_fail). */
  'compact_fail',
  /** echo 1 > /proc/sys/vm/compact_memory (compact_node()). */
  'compact_memory',
  /** warn_alloc(): "page allocation failure". */
  'alloc_fail',
] as const;
export type TraceEventKind = (typeof TRACE_EVENT_KINDS)[number];

/** One event: when (allocator requests since boot), which zone, the request's order, pages it moved, the zone's free pages. */
export interface TraceEvent {
  t: number;
  kind: TraceEventKind;
  /** enum zone_type of the zone the event concerns (the request's highest zone for reclaim and failures). */
  zone: number;
  order: number;
  /** Pages reclaimed (direct_reclaim), migrated (compact_*), 0 otherwise. */
  pages: number;
  /** zone_page_state(zone, NR_FREE_PAGES) just after the event. */
  free: number;
}

/** The trace as a state carries it (contract: MachineState.mm.pressure.trace). */
export interface PressureTrace {
  /** Allocator requests since boot (the trace's clock now). */
  now: number;
  /** Requests between periodic samples (doubles each time the samples are thinned). */
  interval: number;
  /** Sample times, ascending. */
  t: number[];
  /** free[zone][i]: the zone's free pages at t[i] (one row per zone of node_zones[]). */
  free: number[][];
  /** Events in time order (per kind, the first and last EVENTS_KEPT / 2). */
  events: TraceEvent[];
  /** Events of each kind since boot, kept or not. */
  counts: Record<TraceEventKind, number>;
}

export const MAX_SAMPLES = 1024;
export const EVENTS_KEPT = 256;
const FIRST_INTERVAL = 16;

/** What the trace reads of the machine: its zones' free-page counts. */
export interface TraceZones {
  readonly zones: readonly { readonly freePages: number }[];
}

export class MmTrace {
  /** Allocator requests since boot. */
  now = 0;
  private interval = FIRST_INTERVAL;
  private nextSample = 0;
  private readonly t: number[] = [];
  private readonly free: number[][];
  private readonly first = new Map<TraceEventKind, TraceEvent[]>();
  private readonly last = new Map<TraceEventKind, TraceEvent[]>();
  /** Recording order of the kept events (several share one clock value). */
  private readonly seq = new WeakMap<TraceEvent, number>();
  private nextSeq = 0;
  readonly counts = Object.fromEntries(TRACE_EVENT_KINDS.map((k) => [k, 0])) as Record<TraceEventKind, number>;

  constructor(private readonly mm: TraceZones) {
    this.free = mm.zones.map(() => []);
  }

  /** One allocator request: the clock moves, and a sample is taken every `interval` requests. */
  tick(): void {
    if (++this.now >= this.nextSample) this.sample();
  }

  /** Records every zone's free pages now (once per clock value). */
  sample(): void {
    const n = this.t.length;
    if (n && this.t[n - 1] === this.now) {
      for (let z = 0; z < this.free.length; z++) this.free[z]![n - 1] = this.mm.zones[z]!.freePages;
      return;
    }
    if (n >= MAX_SAMPLES) {
      // Thin: keep every other sample (the last one too), and sample half as often from now on.
      const keep = (_: number, i: number): boolean => i % 2 === 1 || i === n - 1;
      const t = this.t.filter(keep);
      this.t.length = 0;
      this.t.push(...t);
      for (const row of this.free) {
        const r = row.filter(keep);
        row.length = 0;
        row.push(...r);
      }
      this.interval *= 2;
    }
    this.t.push(this.now);
    for (let z = 0; z < this.free.length; z++) this.free[z]!.push(this.mm.zones[z]!.freePages);
    this.nextSample = this.now + this.interval;
  }

  /** Records an event (and a sample at its time, so that the free-page line passes through it). */
  event(kind: TraceEventKind, zone: number, order: number, pages = 0): void {
    this.counts[kind]++;
    const e: TraceEvent = { t: this.now, kind, zone, order, pages, free: this.mm.zones[zone]?.freePages ?? 0 };
    this.seq.set(e, this.nextSeq++);
    let first = this.first.get(kind);
    if (!first) this.first.set(kind, (first = []));
    if (first.length < EVENTS_KEPT / 2) first.push(e);
    else {
      let last = this.last.get(kind);
      if (!last) this.last.set(kind, (last = []));
      last.push(e);
      if (last.length > EVENTS_KEPT / 2) last.shift();
    }
    this.sample();
  }

  /** The trace for a state: copies, events in the order they happened. */
  wire(): PressureTrace {
    const kept: TraceEvent[] = [];
    for (const kind of TRACE_EVENT_KINDS) kept.push(...(this.first.get(kind) ?? []), ...(this.last.get(kind) ?? []));
    kept.sort((a, b) => this.seq.get(a)! - this.seq.get(b)!);
    return {
      now: this.now,
      interval: this.interval,
      t: [...this.t],
      free: this.free.map((r) => [...r]),
      events: kept.map((e) => ({ ...e })),
      counts: { ...this.counts },
    };
  }
}
