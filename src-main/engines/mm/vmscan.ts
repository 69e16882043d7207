/**
 * Page reclaim over the node's LRU lists, as Linux 6.18 runs it without MGLRU (CONFIG_LRU_GEN off, as on this
 * machine) and without swap:
 * - mm/vmscan.c: shrink_inactive_list(), shrink_active_list(), inactive_is_low(), try_to_free_pages(),
 *   balance_pgdat() / kswapd, wakeup_kswapd(), pgdat_balanced(), zone_reclaimable_pages();
 * - mm/swap.c: folio_add_lru(), folio_mark_accessed(); mm/filemap.c: filemap_add_folio(); mm/drop_caches.c.
 * Where the model departs from 6.18:
 * - every page-cache page is clean and unmapped (no writeback, no dirty throttling), anonymous pages cannot be
 *   reclaimed (SwapTotal 0), and there is no slab shrinker;
 * - reclaim scans SWAP_CLUSTER_MAX pages per pass instead of lru_size >> priority, so pgscan equals pgsteal for the
 *   inactive file list;
 * - kswapd is a thread the model runs one reclaim pass (kswapd_rate pages, SWAP_CLUSTER_MAX by default) at a time,
 *   at the start of each allocation made while it is awake, until pgdat_balanced(); kswapd_rate 0 models a kswapd
 *   that never gets a CPU, so only direct reclaim frees memory.
 */
import { KernelError } from '../common/errors';
import { MAX_NR_ZONES, SWAP_CLUSTER_MAX, WMARK_HIGH } from './mmzone';
import { ST_ALLOC_MOVABLE } from './page_alloc';
import type { Zone } from './page_alloc';
import type { MmTrace } from './mm_trace';
import { __zone_watermark_ok } from './watermarks';

/** What reclaim needs of the machine (Mm implements it): the zones and the LRU pages' allocator. */
export interface VmscanMm {
  readonly zones: Zone[];
  /** page_zone(). */
  zoneOf(pfn: number): Zone;
  /** An order-0 page for an LRU (page cache, anonymous memory): a pfn or -1. */
  allocLruPage(gfp: string): number;
  /** Frees an order-0 page that left its LRU list. */
  freeLruPage(pfn: number): void;
  /** The pressure trace (kswapd and direct-reclaim events). */
  readonly trace: MmTrace;
}

/** enum lru_list. */
export const LRU_INACTIVE_ANON = 0;
export const LRU_ACTIVE_ANON = 1;
export const LRU_INACTIVE_FILE = 2;
export const LRU_ACTIVE_FILE = 3;
export const NR_LRU_LISTS = 4;
/** MAX_RECLAIM_RETRIES (mm/internal.h). */
export const MAX_RECLAIM_RETRIES = 16;
/** NAME_MAX (include/uapi/linux/limits.h). */
const NAME_MAX = 255;
/** MAX_LFS_FILESIZE >> PAGE_SHIFT on 64-bit: the first page index no file reaches (a read there returns 0 bytes). */
export const MAX_LFS_PGOFF = 2 ** 51;

/** What the model keeps of a folio on an LRU: its file and index (file pages) and PG_referenced. */
interface Folio {
  file: string | null;
  index: number;
  referenced: boolean;
}

/** Node-wide reclaim events (the /proc/vmstat lines reclaim feeds). */
export interface ReclaimEvents {
  pgactivate: number;
  pgdeactivate: number;
  pgrefill: number;
  pgsteal_kswapd: number;
  pgsteal_direct: number;
  pgscan_kswapd: number;
  pgscan_direct: number;
  pgscan_anon: number;
  pgscan_file: number;
  pgsteal_anon: number;
  pgsteal_file: number;
  pageoutrun: number;
  drop_pagecache: number;
  drop_slab: number;
  /** pgskip_<zone>: pages reclaim passed over because their zone is above the request's. */
  pgskip: number[];
}

/** A file name as the model's files take it: a non-empty name of at most NAME_MAX bytes. */
function checkName(what: string, file: string): void {
  if (typeof file !== 'string' || file === '')
    throw new KernelError('EINVAL', `${what}: file must be a non-empty name`);
  if (new TextEncoder().encode(file).length > NAME_MAX)
    throw new KernelError('ENAMETOOLONG', `${what}: file name longer than NAME_MAX (${NAME_MAX} bytes)`);
}

export class Vmscan {
  /** The four LRU lists; a Set keeps insertion order, so its first element is the list's tail (the oldest). */
  readonly lru: Set<number>[] = Array.from({ length: NR_LRU_LISTS }, () => new Set<number>());
  /** nr_zone_<lru> per zone: lruZone[zone * NR_LRU_LISTS + lru]. */
  readonly lruZone = new Int32Array(MAX_NR_ZONES * NR_LRU_LISTS);
  readonly folios = new Map<number, Folio>();
  /** The page cache: file name -> index -> pfn. */
  readonly pagecache = new Map<string, Map<number, number>>();
  readonly events: ReclaimEvents = {
    pgactivate: 0,
    pgdeactivate: 0,
    pgrefill: 0,
    pgsteal_kswapd: 0,
    pgsteal_direct: 0,
    pgscan_kswapd: 0,
    pgscan_direct: 0,
    pgscan_anon: 0,
    pgscan_file: 0,
    pgsteal_anon: 0,
    pgsteal_file: 0,
    pageoutrun: 0,
    drop_pagecache: 0,
    drop_slab: 0,
    pgskip: new Array<number>(MAX_NR_ZONES).fill(0),
  };
  /** kswapd's state: awake, and the order / highest zone it was woken for (pgdat->kswapd_order, kswapd_highest_zoneidx). */
  kswapdAwake = false;
  kswapdOrder = 0;
  kswapdHighestZoneidx = 0;
  /** pgdat->kswapd_failures: balance_pgdat() runs that reclaimed nothing. */
  kswapd_failures = 0;
  /** Times kswapd was woken (the model's trace of wakeup_kswapd). */
  kswapdWakeups = 0;

  /** Pages kswapd may reclaim per allocation made while it is awake (the model's stand-in for its CPU time). */
  readonly kswapdRate: number;

  constructor(
    private readonly mm: VmscanMm,
    kswapdRate = SWAP_CLUSTER_MAX,
  ) {
    this.kswapdRate = kswapdRate;
  }

  /** Pages on one LRU list. */
  nr(lru: number): number {
    return this.lru[lru]!.size;
  }

  /** Whether pfn is on an LRU list (PageLRU). */
  has(pfn: number): boolean {
    return this.folios.has(pfn);
  }

  private add(pfn: number, lru: number, folio: Folio): void {
    this.lru[lru]!.add(pfn);
    this.lruZone[this.mm.zoneOf(pfn).idx * NR_LRU_LISTS + lru]!++;
    this.folios.set(pfn, folio);
  }

  private listOf(pfn: number): number {
    for (let l = 0; l < NR_LRU_LISTS; l++) if (this.lru[l]!.has(pfn)) return l;
    return -1;
  }

  private remove(pfn: number, lru: number): void {
    this.lru[lru]!.delete(pfn);
    this.lruZone[this.mm.zoneOf(pfn).idx * NR_LRU_LISTS + lru]!--;
    this.folios.delete(pfn);
  }

  /**
   * filemap_read() of `pages` pages of `file` from index `start`: a cached page is marked accessed (a second access
   * of a referenced inactive page activates it); a missing one is allocated with the mapping's gfp
   * (GFP_HIGHUSER_MOVABLE) and added to the inactive file list, referenced. Stops at the first allocation failure;
   * returns the pages now cached from the request.
   */
  filemapRead(file: string, pages: number, start = 0): number {
    checkName('filemap_read', file);
    if (!Number.isInteger(pages) || pages < 0 || !Number.isInteger(start) || start < 0) {
      throw new KernelError('EINVAL', `filemap_read: bad range (${String(pages)} pages from ${String(start)})`);
    }
    let map = this.pagecache.get(file);
    if (!map) this.pagecache.set(file, (map = new Map()));
    let done = 0;
    // filemap_read() returns 0 bytes at s_maxbytes: pages past MAX_LFS_FILESIZE are never read.
    const end = Math.min(start + pages, MAX_LFS_PGOFF);
    for (let i = start; i < end; i++) {
      const pfn = map.get(i);
      if (pfn !== undefined) {
        this.markAccessed(pfn);
        done++;
        continue;
      }
      const p = this.mm.allocLruPage('GFP_HIGHUSER_MOVABLE');
      if (p < 0) break;
      map.set(i, p);
      this.add(p, LRU_INACTIVE_FILE, { file, index: i, referenced: true });
      done++;
    }
    return done;
  }

  /**
   * truncate(path, 0): truncate_inode_pages() drops the file's cached pages; the file stays (empty). A file is
   * created by its first read, so a name never read is ENOENT, as truncate(2) gives for a missing path.
   * Returns pages freed.
   */
  truncate(file: string): number {
    checkName('truncate', file);
    const map = this.pagecache.get(file);
    if (!map)
      throw new KernelError('ENOENT', `truncate: no file '${file}' (a file exists once filemap_read() has read it)`);
    let n = 0;
    for (const pfn of [...map.values()]) {
      this.evict(pfn, this.listOf(pfn));
      n++;
    }
    return n;
  }

  /** Anonymous pages faulted in (do_anonymous_page(): GFP_HIGHUSER_MOVABLE, inactive anon list). Returns pages added. */
  anonFault(pages: number): number {
    if (!Number.isInteger(pages) || pages < 0)
      throw new KernelError('EINVAL', `anon_fault: bad page count ${String(pages)}`);
    let done = 0;
    for (; done < pages; done++) {
      const p = this.mm.allocLruPage('GFP_HIGHUSER_MOVABLE');
      if (p < 0) break;
      this.add(p, LRU_INACTIVE_ANON, { file: null, index: 0, referenced: false });
    }
    return done;
  }

  /** munmap() of the `pages` oldest anonymous pages. Returns pages freed. */
  anonUnmap(pages: number): number {
    if (!Number.isInteger(pages) || pages < 0)
      throw new KernelError('EINVAL', `anon_unmap: bad page count ${String(pages)}`);
    let done = 0;
    for (const lru of [LRU_INACTIVE_ANON, LRU_ACTIVE_ANON]) {
      for (const pfn of [...this.lru[lru]!]) {
        if (done >= pages) return done;
        this.remove(pfn, lru);
        this.mm.freeLruPage(pfn);
        done++;
      }
    }
    return done;
  }

  /** folio_mark_accessed(): inactive and referenced -> activate; otherwise set referenced. */
  private markAccessed(pfn: number): void {
    const f = this.folios.get(pfn)!;
    if (f.referenced && this.lru[LRU_INACTIVE_FILE]!.has(pfn)) {
      this.remove(pfn, LRU_INACTIVE_FILE);
      this.add(pfn, LRU_ACTIVE_FILE, { ...f, referenced: false });
      this.events.pgactivate++;
    } else f.referenced = true;
  }

  /** The page moved (migration): same LRU list, at its head (putback). */
  migrate(oldPfn: number, newPfn: number): void {
    const lru = this.listOf(oldPfn);
    const f = this.folios.get(oldPfn)!;
    this.remove(oldPfn, lru);
    this.add(newPfn, lru, f);
    if (f.file !== null) this.pagecache.get(f.file)!.set(f.index, newPfn);
  }

  /** Drops one clean, unmapped file page: delete_from_page_cache + free. */
  private evict(pfn: number, lru: number): void {
    const f = this.folios.get(pfn)!;
    this.remove(pfn, lru);
    if (f.file !== null) this.pagecache.get(f.file)!.delete(f.index);
    this.mm.freeLruPage(pfn);
  }

  /** inactive_is_low(): inactive × inactive_ratio < active, with ratio int_sqrt(10 × GiB) (1 under 1 GiB). */
  private inactiveIsLow(): boolean {
    const inactive = this.nr(LRU_INACTIVE_FILE);
    const active = this.nr(LRU_ACTIVE_FILE);
    const gb = ((inactive + active) * 4096) / 2 ** 30;
    const ratio = gb >= 1 ? Math.floor(Math.sqrt(10 * Math.floor(gb))) : 1;
    return inactive * ratio < active;
  }

  /** shrink_active_list(): move up to nr of the oldest active file pages to the inactive list. */
  private shrinkActiveList(nr: number): void {
    const active = this.lru[LRU_ACTIVE_FILE]!;
    let n = 0;
    for (const pfn of active) {
      if (n >= nr) break;
      const f = this.folios.get(pfn)!;
      this.remove(pfn, LRU_ACTIVE_FILE);
      this.add(pfn, LRU_INACTIVE_FILE, { ...f, referenced: false });
      n++;
    }
    this.events.pgrefill += n;
    this.events.pgdeactivate += n;
  }

  /**
   * shrink_lruvec() for the file lists: refill the inactive list when it is low, then reclaim from its tail up to
   * nr_to_reclaim pages of zones <= reclaimIdx. Returns pages reclaimed.
   */
  shrinkNode(nrToReclaim: number, reclaimIdx: number, kswapd: boolean): number {
    if (this.inactiveIsLow() || this.nr(LRU_INACTIVE_FILE) === 0) this.shrinkActiveList(SWAP_CLUSTER_MAX);
    let scanned = 0;
    let reclaimed = 0;
    const inactive = this.lru[LRU_INACTIVE_FILE]!;
    for (const pfn of inactive) {
      // deleting the visited entry while iterating a Set is safe
      if (reclaimed >= nrToReclaim) break;
      const zi = this.mm.zoneOf(pfn).idx;
      if (zi > reclaimIdx) {
        this.events.pgskip[zi]!++; // isolate_lru_folios() skips folios of ineligible zones
        continue;
      }
      scanned++;
      this.evict(pfn, LRU_INACTIVE_FILE);
      reclaimed++;
    }
    if (kswapd) {
      this.events.pgscan_kswapd += scanned;
      this.events.pgsteal_kswapd += reclaimed;
    } else {
      this.events.pgscan_direct += scanned;
      this.events.pgsteal_direct += reclaimed;
    }
    this.events.pgscan_file += scanned;
    this.events.pgsteal_file += reclaimed;
    if (reclaimed) this.kswapd_failures = 0;
    return reclaimed;
  }

  /** try_to_free_pages(): direct reclaim of SWAP_CLUSTER_MAX pages for a request; counts allocstall_<highest zone>. */
  try_to_free_pages(highestZoneidx: number): number {
    this.mm.zones[highestZoneidx]!.events.allocstall++;
    const got = this.shrinkNode(SWAP_CLUSTER_MAX, highestZoneidx, false);
    this.mm.trace.event('direct_reclaim', this.populatedAtOrBelow(highestZoneidx), 0, got);
    return got;
  }

  /** zone_reclaimable_pages(): the zone's file LRU pages (anon would count only with swap). */
  zone_reclaimable_pages(zoneIdx: number): number {
    return (
      this.lruZone[zoneIdx * NR_LRU_LISTS + LRU_INACTIVE_FILE]! +
      this.lruZone[zoneIdx * NR_LRU_LISTS + LRU_ACTIVE_FILE]!
    );
  }

  /** pgdat_balanced(): some managed zone up to highest_zoneidx meets its high watermark at this order. */
  pgdat_balanced(order: number, highestZoneidx: number): boolean {
    let managed = false;
    for (let i = 0; i <= highestZoneidx; i++) {
      const z = this.mm.zones[i]!;
      if (!z.managed_pages) continue;
      managed = true;
      if (__zone_watermark_ok(z, order, z._watermark[WMARK_HIGH]!, highestZoneidx, 0, z.freePages)) return true;
    }
    return !managed;
  }

  /** wakeup_kswapd(): wake unless the node is balanced or kswapd gave up (kswapd_failures >= MAX_RECLAIM_RETRIES). */
  wakeup_kswapd(order: number, highestZoneidx: number): void {
    if (this.kswapdAwake) {
      this.kswapdOrder = Math.max(this.kswapdOrder, order);
      this.kswapdHighestZoneidx = Math.max(this.kswapdHighestZoneidx, highestZoneidx);
      return;
    }
    if (this.kswapd_failures >= MAX_RECLAIM_RETRIES || this.pgdat_balanced(order, highestZoneidx)) return;
    this.kswapdAwake = true;
    this.kswapdOrder = order;
    this.kswapdHighestZoneidx = highestZoneidx;
    this.kswapdWakeups++;
    this.events.pageoutrun++; // balance_pgdat() starts a run
    this.mm.trace.event('kswapd_wake', this.populatedAtOrBelow(highestZoneidx), order);
  }

  /** kswapd goes back to sleep (kswapd_try_to_sleep()): the trace's mm_vmscan_kswapd_sleep. */
  private kswapdSleep(): void {
    this.kswapdAwake = false;
    this.mm.trace.event('kswapd_sleep', this.populatedAtOrBelow(this.kswapdHighestZoneidx), this.kswapdOrder);
  }

  /** The highest populated zone at or below zone index i (the zone a request for i is served from first). */
  private populatedAtOrBelow(i: number): number {
    while (i > 0 && !this.mm.zones[i]!.managed_pages) i--;
    return i;
  }

  /** One pass of balance_pgdat(): reclaim SWAP_CLUSTER_MAX pages; sleep when balanced or when nothing was reclaimed. */
  kswapdStep(): void {
    if (!this.kswapdAwake) return;
    if (this.pgdat_balanced(this.kswapdOrder, this.kswapdHighestZoneidx)) {
      this.kswapdSleep();
      return;
    }
    if (this.kswapdRate === 0) return;
    const got = this.shrinkNode(this.kswapdRate, this.kswapdHighestZoneidx, true);
    if (!got) {
      this.kswapd_failures++;
      this.kswapdSleep();
    }
  }

  /** Runs kswapd until it sleeps (for scripts that want reclaim to settle). Returns pages it reclaimed. */
  kswapdRun(): number {
    const before = this.events.pgsteal_kswapd;
    while (this.kswapdAwake) {
      if (this.pgdat_balanced(this.kswapdOrder, this.kswapdHighestZoneidx)) this.kswapdSleep();
      else if (!this.shrinkNode(SWAP_CLUSTER_MAX, this.kswapdHighestZoneidx, true)) {
        this.kswapd_failures++;
        this.kswapdSleep();
      }
    }
    return this.events.pgsteal_kswapd - before;
  }

  /**
   * echo N > /proc/sys/vm/drop_caches (drop_caches_sysctl_handler(), fs/drop_caches.c; N is 1 … 4): bit 1 drops
   * every clean, unmapped page-cache page (drop_pagecache), bit 2 the slab caches (drop_slab; the model has no
   * shrinkable slab, so only the event counts), bit 4 only silences the printk. Returns page-cache pages freed.
   */
  dropCaches(mode = 1): number {
    if (!Number.isInteger(mode) || mode < 1 || mode > 4)
      throw new KernelError('EINVAL', `drop_caches: ${String(mode)} is outside 1 … 4`);
    let n = 0;
    if (mode & 1) {
      for (const lru of [LRU_INACTIVE_FILE, LRU_ACTIVE_FILE])
        for (const pfn of [...this.lru[lru]!]) {
          this.evict(pfn, lru);
          n++;
        }
      this.events.drop_pagecache++;
    }
    if (mode & 2) this.events.drop_slab++;
    return n;
  }

  /** Whether a frame is an LRU page the model may migrate (PageLRU, order 0, movable). */
  isMigratable(pfn: number): boolean {
    return this.folios.has(pfn) && this.mm.zoneOf(pfn).state(pfn) === ST_ALLOC_MOVABLE;
  }
}
