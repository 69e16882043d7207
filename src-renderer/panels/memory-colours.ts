/** The memory panel's colours, and the pageblock image it scales up (one pixel per pageblock). */
import type { MachineState } from '../../src-main/contract';

type Mm = MachineState['mm'];
export type Mode = 'migratetype' | 'allocated' | 'free' | 'unmapped';

export const MT_COLORS: Record<string, string> = {
  Unmovable: '#c9534f',
  Movable: '#4f9d55',
  Reclaimable: '#d99a3a',
  HighAtomic: '#9b6cd6',
  CMA: '#3cc6c0',
  Isolate: '#777777',
};
export const LEVEL_COLORS: Record<number, string> = { 3: '#3b82f6', 2: '#eab308', 1: '#ff00ff' };
export const LEVEL_NAMES: Record<number, string> = { 1: '4K', 2: '2M', 3: '1G' };
/** Frame colours (frame view): free frames from dark (order 0) to light (order 10). */
export const FRAME_COLORS = {
  freeLow: '#1c252d',
  freeHigh: '#52708a',
  pcp: '#2fa39b',
  cacheFree: '#5a6fd6',
  pgtable: '#f2f2f2',
  secretmem: '#a855f7',
  reserved: '#6e6252',
  unmapped: '#d94fa0',
  none: '#000000',
};

export function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
/** Packs a colour for a little-endian Uint32 view of ImageData (0xAABBGGRR). */
export function pack([r, g, b]: [number, number, number]): number {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
export function mix(a: [number, number, number], b: [number, number, number], t: number): [number, number, number] {
  return [
    Math.round(a[0] + (b[0] - a[0]) * t),
    Math.round(a[1] + (b[1] - a[1]) * t),
    Math.round(a[2] + (b[2] - a[2]) * t),
  ];
}

/**
 * Paints `off`, one pixel per pageblock in rows of `cols`: coloured by `mode`, with the direct-map levels whose
 * overlayOn[level] is set mixed in.
 */
export function paintBlocks(
  off: HTMLCanvasElement,
  mm: Mm,
  mode: Mode,
  cols: number,
  rows: number,
  overlayOn: readonly boolean[],
): void {
  const n = mm.pageblocks;
  if (off.width !== cols || off.height !== rows) {
    off.width = cols;
    off.height = rows;
  }
  const octx = off.getContext('2d')!;
  const img = octx.createImageData(cols, rows);
  const px = new Uint32Array(img.data.buffer);
  const ppb = mm.pages_per_block;
  const bg = rgb('#202024');
  const mtCols = mm.migratetypes.map((name) => rgb(MT_COLORS[name] ?? '#888888'));
  const lvlCols = [bg, rgb(LEVEL_COLORS[1]!), rgb(LEVEL_COLORS[2]!), rgb(LEVEL_COLORS[3]!)];
  // Colours come from a lookup table indexed by the few values that decide them (0 = not computed yet).
  const lut = new Uint32Array(mode === 'migratetype' ? Math.max(1, mtCols.length) * 17 * 4 : (ppb + 1) * 2 * 4);
  const bgU = rgb('#33333a');
  const blockU = rgb('#2f3a66');
  const hue = rgb(mode === 'allocated' ? '#e8a33d' : mode === 'free' ? '#5cb85c' : '#d94fa0');
  const { migratetype, free, pcp, cache_free, allocated, unmapped, unmapped_block, level } = mm;
  // The memmap's pageblocks (Movable to the kernel, as memmap_init() marks them) get their own colour by migratetype.
  const memmapFrom = mode === 'migratetype' ? Math.ceil(mm.managed_pages / ppb) : n;
  const reservedC = rgb(FRAME_COLORS.reserved);
  for (let i = 0; i < n; i++) {
    const lvl = level[i]!;
    if (i >= memmapFrom) {
      px[i] = pack(overlayOn[lvl] ? mix(reservedC, lvlCols[lvl]!, lvl === 1 ? 0.7 : 0.45) : reservedC);
      continue;
    }
    let key: number;
    let v = 0;
    let flag = 0;
    if (mode === 'migratetype') {
      v = Math.round(((ppb - free[i]! - pcp[i]! - cache_free[i]!) / ppb) * 16);
      key = (migratetype[i]! * 17 + v) * 4 + lvl;
    } else {
      v = mode === 'allocated' ? allocated[i]! : mode === 'free' ? free[i]! + pcp[i]! + cache_free[i]! : unmapped[i]!;
      v = v < 0 ? 0 : v > ppb ? ppb : v;
      flag = mode === 'unmapped' ? (unmapped_block[i]! ? 1 : 0) : 0;
      key = (v * 2 + flag) * 4 + lvl;
    }
    const hit = lut[key];
    if (hit) {
      px[i] = hit;
      continue;
    }
    let c: [number, number, number];
    if (mode === 'migratetype') c = mix(bg, mtCols[migratetype[i]!] ?? [136, 136, 136], 0.35 + 0.65 * (v / 16));
    else c = v === 0 ? (flag ? blockU : bg) : mix(flag ? blockU : bgU, hue, 0.25 + 0.75 * (v / ppb));
    if (overlayOn[lvl]) c = mix(c, lvlCols[lvl]!, lvl === 1 ? 0.7 : 0.45);
    px[i] = lut[key] = pack(c);
  }
  octx.putImageData(img, 0, 0);
}
