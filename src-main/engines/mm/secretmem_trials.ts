/**
 * memfd_secret trials as a program runs them on Linux 6.18 (mm/secretmem.c secretmem_fault() and
 * secretmem_free_folio(); mm/page_alloc.c free_unref_folios() / rmqueue_pcplist() for where the pages come from and
 * go): each trial is a new process that opens a secret file, faults `pages` pages, then closes it and exits.
 *
 * A freed secret page is mapped back (set_direct_map_default_noflush()) and goes to the head of the per-cpu list,
 * where the next order-0 unmovable allocation takes it. On a machine that does nothing else the next trial's fault
 * gets the same page back, and its 2M region is already split: no new split. On a real machine the rest of the
 * system allocates and frees between two trials (the exiting and the starting process's page tables, kernel stack
 * and slab; other tasks; kworkers), so the next fault takes some other recently freed page, from anywhere in
 * memory. BackgroundNoise models that rest of the system: a seeded pool of unmovable order-0 pages, scattered by a
 * warm-up, of which `ops` random frees and allocations run between two trials.
 *
 * Departs from Linux: one CPU's per-cpu lists (this machine's trials also move between two CPUs' lists), and the
 * noise's sizes are the model's (pool 32768 pages, 2048 operations per trial by default), not measured.
 */
import { KernelError } from '../common/errors';
import { Prng } from '../common/prng';
import type { Mm } from './mm';
import type { Page } from './mm_types';

/** Options of the background noise: pages the rest of the system holds, operations between two trials, seed. */
export interface NoiseOptions {
  pool?: number;
  ops?: number;
  seed?: number;
}

/**
 * The rest of the system: unmovable order-0 allocations and frees (GFP_KERNEL), seeded. Each operation frees a
 * random held page with probability held / (2 × pool), else allocates one, so that the pages held hover about
 * `pool`; the random frees scatter what the per-cpu list and the buddy hand out next over the pool's span.
 */
export class BackgroundNoise {
  readonly pool: number;
  readonly ops: number;
  private readonly rng: Prng;
  private readonly live: Page[] = [];

  constructor(
    private readonly mm: Mm,
    opts: NoiseOptions = {},
  ) {
    this.pool = opts.pool ?? 32768;
    this.ops = opts.ops ?? 2048;
    if (!Number.isInteger(this.pool) || this.pool < 1 || this.pool > mm.managed_pages / 4)
      throw new KernelError(
        'EINVAL',
        `noise: pool ${String(opts.pool)} is not 1 … a quarter of the managed pages (${Math.floor(mm.managed_pages / 4)})`,
      );
    if (!Number.isInteger(this.ops) || this.ops < 0 || this.ops > 1 << 20)
      throw new KernelError('EINVAL', `noise: ops ${String(opts.ops)} is not 0 … 2^20`);
    this.rng = new Prng(opts.seed ?? mm.seed ^ 0x5ec7e7);
    // Warm-up: the pool fills, then churns until its pages and the holes between them are spread over its span,
    // as a machine's unmovable pages are after some uptime.
    this.run(this.pool * 6);
  }

  private run(ops: number): void {
    for (let i = 0; i < ops; i++) {
      const n = this.live.length;
      if (n && this.rng.nextFloat() * 2 * this.pool < n) {
        const k = this.rng.nextInt(n);
        const p = this.live[k]!;
        this.live[k] = this.live[n - 1]!;
        this.live.pop();
        this.mm.__free_pages(p);
      } else {
        const p = this.mm.alloc_pages('GFP_KERNEL', 0);
        if (p) this.live.push(p);
      }
    }
  }

  /** The rest of the system between two trials: `ops` seeded allocations and frees. */
  step(): void {
    this.run(this.ops);
  }

  /** Pages the noise holds now. */
  get held(): number {
    return this.live.length;
  }

  /** Frees every page the noise holds. */
  release(): void {
    for (const p of this.live) this.mm.__free_pages(p);
    this.live.length = 0;
  }
}

/** Options of secretmemTrials: pages per file, trials, the background noise (off when absent). */
export interface SecretmemTrialsOptions {
  pages?: number | undefined;
  trials?: number | undefined;
  noise?: BackgroundNoise | undefined;
}

/** One trial: the pages faulted, the distinct 2M regions they lie in, the splits the faults caused, reuse. */
export interface SecretmemTrial {
  pfns: number[];
  /** Distinct 2M regions (pfn >> 9) of the pages. */
  regions: number;
  /** direct_map_level2_splits and _level3_splits during the faults. */
  level2_splits: number;
  level3_splits: number;
  /** Some page of this trial was a page of the previous trial. */
  reused: boolean;
}

/**
 * `trials` trials of one `pages`-page memfd_secret file each (open, fault every page, close), with the noise's
 * step before each (the previous process exits, the next one starts).
 */
export function secretmemTrials(mm: Mm, opts: SecretmemTrialsOptions = {}): SecretmemTrial[] {
  const pages = opts.pages ?? 1;
  const trials = opts.trials ?? 10;
  if (!Number.isInteger(pages) || pages < 1 || pages > 65536)
    throw new KernelError('EINVAL', `secretmemTrials: pages ${String(pages)} is not 1 … 65536`);
  if (!Number.isInteger(trials) || trials < 1 || trials > 10000)
    throw new KernelError('EINVAL', `secretmemTrials: trials ${String(trials)} is not 1 … 10000`);
  const out: SecretmemTrial[] = [];
  let prev = new Set<number>();
  for (let t = 0; t < trials; t++) {
    opts.noise?.step();
    const c0 = { ...mm.dm.counters };
    const f = mm.memfd_secret();
    const pfns: number[] = [];
    for (let i = 0; i < pages; i++) pfns.push(f.fault(i).pfn);
    const c1 = mm.dm.counters;
    f.close();
    out.push({
      pfns,
      regions: new Set(pfns.map((p) => p >> 9)).size,
      level2_splits: c1.direct_map_level2_splits - c0.direct_map_level2_splits,
      level3_splits: c1.direct_map_level3_splits - c0.direct_map_level3_splits,
      reused: pfns.some((p) => prev.has(p)),
    });
    prev = new Set(pfns);
  }
  return out;
}
