import { KernelError } from '../common/errors';
import { Prng } from '../common/prng';
import type { Mm } from './mm';
import type { Page, VmRegion } from './mm_types';
import type { SecretFile } from './secretmem';

/** Summary of a workload run. */
export interface WorkloadResult {
  ops: number;
  allocs: number;
  frees: number;
  failures: number;
  live: number;
}

/** Options of the background churn: gfp of its blocks, how many stay live, their largest order, the share of ops that free. */
export interface ChurnOptions {
  gfp?: string;
  live?: number;
  maxOrder?: number;
  freeRatio?: number;
  seed?: number;
}
/** Options of secretmemChurn: files open at once, pages faulted per file, rounds of close-and-reopen. */
export interface SecretmemChurnOptions {
  files?: number;
  pages?: number;
  rounds?: number;
  seed?: number;
}
/** Options of execmemChurn: areas per round, their size (bytes, '8K', or a [min, max] range), rounds, areas kept. */
export interface ExecmemChurnOptions {
  count?: number;
  size?: number | string | [number, number];
  rounds?: number;
  keep?: number;
  seed?: number;
}
/** Options of bpfLoadUnload: programs per round, rounds, programs kept loaded. */
export interface BpfLoadUnloadOptions {
  progs?: number;
  rounds?: number;
  keep?: number;
  seed?: number;
}
/** Options of moduleLoadUnload: modules per round, rounds, modules kept, their text size range. */
export interface ModuleLoadUnloadOptions {
  modules?: number;
  rounds?: number;
  keep?: number;
  seed?: number;
  size?: [number, number];
}

/**
 * Background churn (lab-only): keeps up to `live` blocks of `gfp` allocated, and on each op frees a random live
 * block or allocates a new one (order 0 … maxOrder). Seeded. Call release() to free everything.
 */
export class Churn {
  private readonly rng: Prng;
  readonly live: Page[] = [];
  readonly result: WorkloadResult = { ops: 0, allocs: 0, frees: 0, failures: 0, live: 0 };

  constructor(
    private readonly mm: Mm,
    private readonly opts: ChurnOptions = {},
  ) {
    this.rng = new Prng(opts.seed ?? mm.seed);
  }

  /** Runs `ops` seeded operations (each frees a random live block or allocates one); returns the totals. */
  run(ops: number): WorkloadResult {
    const gfp = this.opts.gfp ?? 'GFP_KERNEL';
    const cap = this.opts.live ?? 1024;
    const maxOrder = this.opts.maxOrder ?? 0;
    const freeRatio = this.opts.freeRatio ?? 0.5;
    for (let i = 0; i < ops; i++) {
      this.result.ops++;
      const doFree = this.live.length >= cap || (this.live.length > 0 && this.rng.nextFloat() < freeRatio);
      if (doFree) {
        const k = this.rng.nextInt(this.live.length);
        const p = this.live[k]!;
        this.live[k] = this.live[this.live.length - 1]!;
        this.live.pop();
        this.mm.__free_pages(p);
        this.result.frees++;
      } else {
        const p = this.mm.alloc_pages(gfp, maxOrder ? this.rng.nextInt(maxOrder + 1) : 0);
        if (p) {
          this.live.push(p);
          this.result.allocs++;
        } else this.result.failures++;
      }
    }
    this.result.live = this.live.length;
    return { ...this.result };
  }

  /** Frees every block the churn still holds. */
  release(): void {
    for (const p of this.live) this.mm.__free_pages(p);
    this.live.length = 0;
    this.result.live = 0;
  }
}

/** secretmem churn: `files` memfd_secret files, each faulting up to `pages` pages, closed and reopened over `rounds`. */
export function secretmemChurn(mm: Mm, opts: SecretmemChurnOptions = {}): WorkloadResult & { open: SecretFile[] } {
  const rng = new Prng(opts.seed ?? mm.seed);
  const nfiles = opts.files ?? 4;
  const pages = opts.pages ?? 16;
  const rounds = opts.rounds ?? 10;
  const res: WorkloadResult = { ops: 0, allocs: 0, frees: 0, failures: 0, live: 0 };
  const files: SecretFile[] = [];
  for (let r = 0; r < rounds; r++) {
    while (files.length < nfiles) files.push(mm.memfd_secret());
    for (const f of files) {
      const n = 1 + rng.nextInt(pages);
      for (let i = 0; i < n; i++) {
        res.ops++;
        try {
          const before = f.nr_pages;
          f.fault(rng.nextInt(pages));
          if (f.nr_pages > before) res.allocs++;
        } catch (e) {
          if (!(e instanceof KernelError)) throw e;
          res.failures++;
        }
      }
    }
    const k = rng.nextInt(files.length);
    res.frees += files[k]!.nr_pages;
    files[k]!.close();
    files.splice(k, 1);
  }
  res.live = files.reduce((s, f) => s + f.nr_pages, 0);
  return { ...res, open: files };
}

/** Text load/unload through execmem: `count` images of `size` (BPF programs or modules), unloading at random. */
export function execmemChurn(mm: Mm, opts: ExecmemChurnOptions = {}): WorkloadResult & { loaded: VmRegion[] } {
  const rng = new Prng(opts.seed ?? mm.seed);
  const count = opts.count ?? 16;
  const keep = opts.keep ?? count;
  const rounds = opts.rounds ?? 1;
  const res: WorkloadResult = { ops: 0, allocs: 0, frees: 0, failures: 0, live: 0 };
  const loaded: VmRegion[] = [];
  const sizeOf = (): number | string => {
    const s = opts.size ?? 4096;
    return Array.isArray(s) ? s[0] + rng.nextInt(s[1] - s[0] + 1) : s;
  };
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < count; i++) {
      res.ops++;
      const reg = mm.execmem_alloc(sizeOf());
      if (reg) {
        loaded.push(reg);
        res.allocs++;
      } else res.failures++;
      while (loaded.length > keep) {
        const k = rng.nextInt(loaded.length);
        mm.execmem_free(loaded[k]!);
        loaded.splice(k, 1);
        res.frees++;
      }
    }
  }
  res.live = loaded.length;
  return { ...res, loaded };
}

/** BPF program load/unload: small JIT images (default 1 page) through execmem. */
export function bpfLoadUnload(mm: Mm, opts: BpfLoadUnloadOptions = {}): WorkloadResult & { loaded: VmRegion[] } {
  const o: { count: number; size: [number, number]; rounds?: number; keep?: number; seed?: number } = {
    count: opts.progs ?? 16,
    size: [256, 4096],
  };
  if (opts.rounds !== undefined) o.rounds = opts.rounds;
  if (opts.keep !== undefined) o.keep = opts.keep;
  if (opts.seed !== undefined) o.seed = opts.seed;
  return execmemChurn(mm, o);
}

/** Module load/unload: text images of 8 K … 256 K (default) through execmem. */
export function moduleLoadUnload(mm: Mm, opts: ModuleLoadUnloadOptions = {}): WorkloadResult & { loaded: VmRegion[] } {
  const o: { count: number; size: [number, number]; rounds?: number; keep?: number; seed?: number } = {
    count: opts.modules ?? 16,
    size: opts.size ?? [8192, 262144],
  };
  if (opts.rounds !== undefined) o.rounds = opts.rounds;
  if (opts.keep !== undefined) o.keep = opts.keep;
  if (opts.seed !== undefined) o.seed = opts.seed;
  return execmemChurn(mm, o);
}
