/**
 * The memory panel's frame data: decodes MachineState.mm.frames (pageblock ranges and [code, length] runs, see
 * the contract) into sorted run tables that answer "what is frame pfn" by binary search, without expanding the
 * frames (16 M at 64G) into an array.
 */
import type { MachineState } from '../../src-main/contract';

export type FramesWire = NonNullable<MachineState['mm']['frames']>;

/** Kind names by code (contract: bits 4-7). */
export const FRAME_KINDS = [
  'none',
  'free',
  'pcp',
  'cache free',
  'allocated',
  'allocated movable',
  'cache allocated',
  'page table',
  'secretmem',
  'memmap (reserved)',
] as const;
export const K_NONE = 0;
export const K_FREE = 1;
export const K_PCP = 2;
export const K_CACHE_FREE = 3;
export const K_ALLOC = 4;
export const K_ALLOC_MOVABLE = 5;
export const K_CACHE_ALLOC = 6;
export const K_PGTABLE = 7;
export const K_SECRETMEM = 8;
export const K_RESERVED = 9;

export interface FrameInfo {
  kind: number;
  order: number;
  /** Not present in the direct map. */
  unmapped: boolean;
  /** Direct-map leaf: 1 = 4K, 2 = 2M, 3 = 1G. */
  level: number;
}

export function unpackCode(code: number): FrameInfo {
  return { order: code & 0xf, kind: (code >> 4) & 0xf, unmapped: (code & 0x100) !== 0, level: (code >> 9) & 3 };
}

export class FrameDecodeError extends Error {}

export class FrameMap {
  /** Per pageblock: 1 when its frames were sent. */
  readonly covered: Uint8Array;
  readonly coveredBlocks: number;
  readonly totalRuns: number;
  readonly cap: number;
  private constructor(
    covered: Uint8Array,
    coveredBlocks: number,
    private readonly start: Float64Array,
    private readonly end: Float64Array,
    private readonly code: Uint16Array,
    totalRuns: number,
    cap: number,
  ) {
    this.covered = covered;
    this.coveredBlocks = coveredBlocks;
    this.totalRuns = totalRuns;
    this.cap = cap;
  }

  /** Decodes and checks the wire form: ranges ascending inside the machine, runs filling each range exactly. */
  static decode(f: FramesWire, nframes: number, pagesPerBlock: number): FrameMap {
    const pageblocks = Math.ceil(nframes / pagesPerBlock);
    if (f.ranges.length % 2 || f.runs.length % 2) throw new FrameDecodeError('frames: ranges and runs come in pairs');
    const nruns = f.runs.length / 2;
    const start = new Float64Array(nruns);
    const end = new Float64Array(nruns);
    const code = new Uint16Array(nruns);
    const covered = new Uint8Array(pageblocks);
    let coveredBlocks = 0;
    let ri = 0;
    let prevEnd = 0;
    for (let i = 0; i < f.ranges.length; i += 2) {
      const b0 = f.ranges[i]!;
      const nb = f.ranges[i + 1]!;
      if (!Number.isInteger(b0) || !Number.isInteger(nb) || nb < 1 || b0 < prevEnd || b0 + nb > pageblocks) {
        throw new FrameDecodeError(`frames: bad pageblock range [${b0}, +${nb}) (after ${prevEnd}, of ${pageblocks})`);
      }
      prevEnd = b0 + nb;
      covered.fill(1, b0, b0 + nb);
      coveredBlocks += nb;
      let pfn = b0 * pagesPerBlock;
      const stop = Math.min(nframes, (b0 + nb) * pagesPerBlock);
      while (pfn < stop) {
        if (ri >= nruns) throw new FrameDecodeError(`frames: runs end at pfn ${pfn}, inside pageblock range ${b0}`);
        const c = f.runs[ri * 2]!;
        const n = f.runs[ri * 2 + 1]!;
        if (!Number.isInteger(n) || n < 1 || pfn + n > stop)
          throw new FrameDecodeError(`frames: run ${ri} (${n} frames at pfn ${pfn}) crosses its range's end`);
        if (!Number.isInteger(c) || c < 0 || c > 0x7ff)
          throw new FrameDecodeError(`frames: run ${ri} has a bad code ${c}`);
        start[ri] = pfn;
        end[ri] = pfn + n;
        code[ri] = c;
        pfn += n;
        ri++;
      }
    }
    if (ri !== nruns) throw new FrameDecodeError(`frames: ${nruns - ri} runs beyond the ranges`);
    return new FrameMap(covered, coveredBlocks, start, end, code, f.total_runs, f.cap);
  }

  /** Index of the run holding pfn, or -1. */
  private find(pfn: number): number {
    let lo = 0;
    let hi = this.start.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.start[mid]! > pfn) hi = mid - 1;
      else if (this.end[mid]! <= pfn) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** The code of frame pfn, or -1 when its pageblock was not sent. */
  codeAt(pfn: number): number {
    const i = this.find(pfn);
    return i < 0 ? -1 : this.code[i]!;
  }

  /** Writes the codes of frames [pfn, pfn + n) into out[0..n) (-1 where not sent); one search, then a walk. */
  fill(pfn: number, n: number, out: Int32Array): void {
    out.fill(-1, 0, n);
    let i = this.find(pfn);
    if (i < 0) {
      // First run at or after pfn.
      let lo = 0;
      let hi = this.start.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.start[mid]! < pfn) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    const stop = pfn + n;
    for (; i < this.start.length && this.start[i]! < stop; i++) {
      const a = Math.max(pfn, this.start[i]!);
      const b = Math.min(stop, this.end[i]!);
      out.fill(this.code[i]!, a - pfn, b - pfn);
    }
  }
}
