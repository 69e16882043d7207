import { KernelError } from '../common/errors';

/**
 * GFP flags (include/linux/gfp_types.h). The bit values here are the model's own; only names and the
 * composite definitions follow the kernel.
 */
export const GFP_BITS: Record<string, number> = {
  __GFP_DMA: 1 << 0,
  __GFP_HIGHMEM: 1 << 1,
  __GFP_DMA32: 1 << 2,
  __GFP_MOVABLE: 1 << 3,
  __GFP_RECLAIMABLE: 1 << 4,
  __GFP_HIGH: 1 << 5,
  __GFP_IO: 1 << 6,
  __GFP_FS: 1 << 7,
  __GFP_ZERO: 1 << 8,
  __GFP_DIRECT_RECLAIM: 1 << 9,
  __GFP_KSWAPD_RECLAIM: 1 << 10,
  __GFP_WRITE: 1 << 11,
  __GFP_NOWARN: 1 << 12,
  __GFP_RETRY_MAYFAIL: 1 << 13,
  __GFP_NOFAIL: 1 << 14,
  __GFP_NORETRY: 1 << 15,
  __GFP_MEMALLOC: 1 << 16,
  __GFP_COMP: 1 << 17,
  __GFP_NOMEMALLOC: 1 << 18,
  __GFP_HARDWALL: 1 << 19,
  __GFP_THISNODE: 1 << 20,
  __GFP_ACCOUNT: 1 << 21,
  __GFP_ZEROTAGS: 1 << 22,
  __GFP_SKIP_ZERO: 1 << 23,
  __GFP_SKIP_KASAN: 1 << 24,
  __GFP_NOLOCKDEP: 1 << 25,
  __GFP_NO_OBJ_EXT: 1 << 26,
  /** Not in mainline: Rapoport 2022/2023, Jackman 2026. Refused under the 'baseline' policy. */
  __GFP_UNMAPPED: 1 << 27,
};

const B = GFP_BITS as Record<string, number> & { [k: string]: number };
const __GFP_RECLAIM = B.__GFP_DIRECT_RECLAIM! | B.__GFP_KSWAPD_RECLAIM!;
const GFP_KERNEL = __GFP_RECLAIM | B.__GFP_IO! | B.__GFP_FS!;
const GFP_USER = GFP_KERNEL | B.__GFP_HARDWALL!;
const GFP_HIGHUSER = GFP_USER | B.__GFP_HIGHMEM!;
const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | B.__GFP_MOVABLE! | B.__GFP_SKIP_KASAN!;
const GFP_TRANSHUGE_LIGHT =
  (GFP_HIGHUSER_MOVABLE | B.__GFP_COMP! | B.__GFP_NOMEMALLOC! | B.__GFP_NOWARN!) & ~__GFP_RECLAIM;

/** The composite GFP_* masks of include/linux/gfp_types.h. */
export const GFP_COMPOSITE: Record<string, number> = {
  __GFP_RECLAIM,
  GFP_ATOMIC: B.__GFP_HIGH! | B.__GFP_KSWAPD_RECLAIM!,
  GFP_KERNEL,
  GFP_KERNEL_ACCOUNT: GFP_KERNEL | B.__GFP_ACCOUNT!,
  GFP_NOWAIT: B.__GFP_KSWAPD_RECLAIM! | B.__GFP_NOWARN!,
  GFP_NOIO: __GFP_RECLAIM,
  GFP_NOFS: __GFP_RECLAIM | B.__GFP_IO!,
  GFP_USER,
  GFP_DMA: B.__GFP_DMA!,
  GFP_DMA32: B.__GFP_DMA32!,
  GFP_HIGHUSER,
  GFP_HIGHUSER_MOVABLE,
  GFP_TRANSHUGE_LIGHT,
  GFP_TRANSHUGE: GFP_TRANSHUGE_LIGHT | B.__GFP_DIRECT_RECLAIM!,
};

export const __GFP_MOVABLE = B.__GFP_MOVABLE!;
export const __GFP_RECLAIMABLE = B.__GFP_RECLAIMABLE!;
export const __GFP_ZERO = B.__GFP_ZERO!;
export const __GFP_UNMAPPED = B.__GFP_UNMAPPED!;
export const __GFP_DIRECT_RECLAIM = B.__GFP_DIRECT_RECLAIM!;

const cache = new Map<string, number>();

/** Parses a gfp string like 'GFP_KERNEL|__GFP_ZERO' into a mask; an unknown flag is EINVAL naming it. */
export function parseGfp(gfp: string | number): number {
  if (typeof gfp === 'number') {
    if (!Number.isInteger(gfp) || gfp < 0) throw new KernelError('EINVAL', `gfp: ${gfp} is not a gfp mask`);
    return gfp;
  }
  if (typeof gfp !== 'string')
    throw new KernelError('EINVAL', `gfp: expected a string like 'GFP_KERNEL', got ${typeof gfp}`);
  const hit = cache.get(gfp);
  if (hit !== undefined) return hit;
  let mask = 0;
  for (const raw of gfp.split('|')) {
    const name = raw.trim();
    if (name === '0') continue;
    const v = GFP_BITS[name] ?? GFP_COMPOSITE[name];
    if (v === undefined) throw new KernelError('EINVAL', `gfp: unknown flag '${name}' in '${gfp}'`);
    mask |= v;
  }
  if (cache.size < 256) cache.set(gfp, mask);
  return mask;
}

/** Prints a mask the way the page_alloc tracepoints do (composite names first, then the rest). */
export function formatGfp(mask: number): string {
  const parts: string[] = [];
  let rest = mask;
  for (const name of [
    'GFP_HIGHUSER_MOVABLE',
    'GFP_HIGHUSER',
    'GFP_USER',
    'GFP_KERNEL_ACCOUNT',
    'GFP_KERNEL',
    'GFP_ATOMIC',
    'GFP_NOFS',
    'GFP_NOIO',
    'GFP_NOWAIT',
  ]) {
    const v = GFP_COMPOSITE[name]!;
    if ((rest & v) === v) {
      parts.push(name);
      rest &= ~v;
    }
  }
  for (const [name, v] of Object.entries(GFP_BITS)) if (rest & v) parts.push(name);
  return parts.length ? parts.join('|') : '0';
}
