import { KernelError } from '../common/errors';
import { Prng } from '../common/prng';
import { PG_LEVEL_1G, PG_LEVEL_2M, _PAGE_PRESENT } from './set_memory';
import type { DirectMap } from './set_memory';

/** One TLB array: sets × ways, LRU within a set. */
export interface TlbArrayConfig {
  entries: number;
  ways: number;
}

/** A CPU's data-TLB geometry (brief §6). */
export interface TlbConfig {
  name: string;
  l1_4k: TlbArrayConfig;
  l1_2m: TlbArrayConfig;
  l1_1g: TlbArrayConfig | null;
  /** Second-level TLB shared by 4K and 2M translations (or 4K only when stlbHolds2M is false). */
  stlb: TlbArrayConfig;
  stlbHolds2M: boolean;
  stlb_1g: TlbArrayConfig | null;
}

/**
 * Skylake: L1 DTLB 4K 64 entries 4-way, 2M 32 entries 4-way (UNVERIFIED), 1G 4 entries; STLB 1536 entries 6-way
 * (cpuid) shared 4K/2M; 1G STLB 16 entries (UNVERIFIED). Nehalem: 4K 64, 2M 32, STLB 512 4K-only.
 */
export const TLB_CPUS: Record<string, TlbConfig> = {
  skylake: {
    name: 'skylake',
    l1_4k: { entries: 64, ways: 4 },
    l1_2m: { entries: 32, ways: 4 },
    l1_1g: { entries: 4, ways: 4 },
    stlb: { entries: 1536, ways: 6 },
    stlbHolds2M: true,
    stlb_1g: { entries: 16, ways: 4 },
  },
  nehalem: {
    name: 'nehalem',
    l1_4k: { entries: 64, ways: 4 },
    l1_2m: { entries: 32, ways: 4 },
    l1_1g: null, // no 1G pages: a 1G leaf is cached as 2M pieces (model choice)
    stlb: { entries: 512, ways: 4 },
    stlbHolds2M: false,
    stlb_1g: null,
  },
};

class SetAssoc {
  private readonly sets: number;
  private readonly ways: number;
  private readonly tags: Float64Array;
  private readonly stamp: Float64Array;
  private clock = 0;

  constructor(cfg: TlbArrayConfig) {
    this.ways = cfg.ways;
    this.sets = Math.max(1, Math.floor(cfg.entries / cfg.ways));
    this.tags = new Float64Array(this.sets * this.ways).fill(-1);
    this.stamp = new Float64Array(this.sets * this.ways);
  }

  /** Looks a tag up; on a miss, fills it (evicting the set's LRU entry). Returns hit. */
  access(tag: number): boolean {
    const base = (tag % this.sets) * this.ways;
    const t = ++this.clock;
    let lru = base;
    for (let i = base; i < base + this.ways; i++) {
      if (this.tags[i] === tag) {
        this.stamp[i] = t;
        return true;
      }
      if (this.stamp[i]! < this.stamp[lru]!) lru = i;
    }
    this.tags[lru] = tag;
    this.stamp[lru] = t;
    return false;
  }

  flush(): void {
    this.tags.fill(-1);
    this.stamp.fill(0);
  }
}

/** An access pattern over the direct map (lab-only helper). */
export interface AccessPattern {
  /** 'uniform' over the range, 'hotset' (a hot subset takes most accesses), 'sequential' with a stride. */
  type: 'uniform' | 'hotset' | 'sequential';
  accesses: number;
  /** First pfn and page count of the range accessed; default all memory. */
  start?: number;
  pages?: number;
  /** hotset: pages in the hot set (default 1/64 of the range) and the probability of hitting it (default 0.9). */
  hotPages?: number;
  hotProbability?: number;
  /** sequential: bytes between accesses (default 64). */
  stride?: number;
  seed?: number;
}

export interface TlbResult {
  accesses: number;
  /** L1 DTLB misses. */
  misses: number;
  /** STLB misses = page walks. */
  walks: number;
  /** Accesses that hit a non-present direct-map entry (a kernel oops in real life); not counted as TLB traffic. */
  faults: number;
  /** Accesses by the level of the leaf that maps them. */
  byLevel: { '4K': number; '2M': number; '1G': number };
}

/**
 * A data-TLB model over the direct map: L1 per page size, a shared STLB, LRU sets. Translations are tagged by
 * the leaf that maps the address now; every flush_tlb_all() since the last replay empties it.
 */
export class Tlb {
  readonly cfg: TlbConfig;
  private readonly l1: SetAssoc[];
  private readonly stlb: SetAssoc;
  private readonly stlb1g: SetAssoc | null;
  private lastFlushAll: number;

  constructor(
    private readonly dm: DirectMap,
    cpu: string | TlbConfig = 'skylake',
    private readonly seed = 1,
  ) {
    const cfg = typeof cpu === 'string' ? (Object.hasOwn(TLB_CPUS, cpu) ? TLB_CPUS[cpu] : undefined) : cpu;
    if (!cfg)
      throw new KernelError('EINVAL', `tlb: unknown cpu '${String(cpu)}' (${Object.keys(TLB_CPUS).join(', ')})`);
    this.cfg = cfg;
    this.l1 = [new SetAssoc(cfg.l1_4k), new SetAssoc(cfg.l1_2m), new SetAssoc(cfg.l1_1g ?? cfg.l1_2m)];
    this.stlb = new SetAssoc(cfg.stlb);
    this.stlb1g = cfg.stlb_1g ? new SetAssoc(cfg.stlb_1g) : null;
    this.lastFlushAll = dm.counters.flush_tlb_all;
  }

  /** Replays a seeded access pattern and reports accesses, L1 misses and page walks. */
  access(pattern: AccessPattern): TlbResult {
    const dm = this.dm;
    if (dm.counters.flush_tlb_all !== this.lastFlushAll) {
      for (const a of this.l1) a.flush();
      this.stlb.flush();
      this.stlb1g?.flush();
      this.lastFlushAll = dm.counters.flush_tlb_all;
    }
    const n = pattern.accesses;
    if (!Number.isInteger(n) || n < 0) throw new KernelError('EINVAL', `tlb.access: bad accesses ${n}`);
    const start = pattern.start ?? 0;
    const pages = pattern.pages ?? dm.nframes - start;
    if (start < 0 || pages <= 0 || start + pages > dm.nframes)
      throw new KernelError('EINVAL', 'tlb.access: range outside memory');
    const rng = new Prng(pattern.seed ?? this.seed);
    const hotPages = Math.max(1, Math.min(pages, pattern.hotPages ?? Math.ceil(pages / 64)));
    const hotP = pattern.hotProbability ?? 0.9;
    if (!(hotP >= 0 && hotP <= 1))
      throw new KernelError('EINVAL', `tlb.access: hotProbability ${hotP} is not a probability (0..1)`);
    if (!['uniform', 'hotset', 'sequential'].includes(pattern.type))
      throw new KernelError(
        'EINVAL',
        `tlb.access: unknown pattern type '${String(pattern.type)}' (uniform, hotset, sequential)`,
      );
    const stride = pattern.stride ?? 64;
    const res: TlbResult = { accesses: 0, misses: 0, walks: 0, faults: 0, byLevel: { '4K': 0, '2M': 0, '1G': 0 } };
    let seqByte = 0;
    const gb = this.cfg.l1_1g !== null;
    for (let i = 0; i < n; i++) {
      let pfn: number;
      if (pattern.type === 'uniform') pfn = start + rng.nextInt(pages);
      else if (pattern.type === 'hotset')
        pfn = start + (rng.nextFloat() < hotP ? rng.nextInt(hotPages) : rng.nextInt(pages));
      else if (pattern.type === 'sequential') {
        pfn = start + (Math.floor(seqByte / 4096) % pages);
        seqByte += stride;
      } else throw new KernelError('EINVAL', `tlb.access: unknown pattern '${String(pattern.type)}'`);
      res.accesses++;
      const { level, prot } = dm.lookup(pfn);
      if (!(prot & _PAGE_PRESENT)) {
        res.faults++;
        continue;
      }
      let hit: boolean;
      if (level === PG_LEVEL_1G && gb) {
        res.byLevel['1G']++;
        const tag = pfn >>> 18;
        hit = this.l1[2]!.access(tag);
        if (!hit) {
          res.misses++;
          if (!this.stlb1g || !this.stlb1g.access(tag)) res.walks++;
        }
        continue;
      }
      const is2m = level !== 1; // PG_LEVEL_2M, or a 1G leaf on a CPU without 1G entries
      if (level === PG_LEVEL_2M) res.byLevel['2M']++;
      else if (level === PG_LEVEL_1G) res.byLevel['1G']++;
      else res.byLevel['4K']++;
      const tag = is2m ? pfn >>> 9 : pfn;
      hit = this.l1[is2m ? 1 : 0]!.access(tag);
      if (!hit) {
        res.misses++;
        if (is2m && !this.cfg.stlbHolds2M) res.walks++;
        else if (!this.stlb.access(tag * 2 + (is2m ? 1 : 0))) res.walks++; // one STLB, tags kept apart by size
      }
    }
    return res;
  }
}
