/**
 * What a run's simulated machines hold in the host's memory, for the run's memory budget (limits.machineBytes).
 *
 * The engines keep their state in typed arrays (the frame array, the pageblock and direct-map tables, BPF map
 * values, ublk buffers) and in ordinary objects. A machine's size is measured by walking everything reachable
 * from its Kernel object: the bytes of every distinct ArrayBuffer, plus an estimate for every object, array slot
 * and Map/Set entry met. The walk depends only on the machine's state, so the same script and seed give the same
 * sizes on every host, and a budget refuses the same boot() everywhere.
 */
import { parseSize } from '../engines/common/size';
import { MAX_FRAMES } from '../engines/mm';
import type { BootOptions, Kernel } from '../engines/kernel';

/** What an object (its header and a few properties) costs beside its typed arrays: V8's usual small-object size. */
export const OBJECT_BYTES = 64;
/** What one array slot or Map/Set entry costs. */
export const SLOT_BYTES = 8;
/** Bytes per 4 KiB frame that every machine holds at least (the frame array, one u32 a frame; page_alloc.ts). */
const FRAME_FLOOR_BYTES = 4;

/** The bytes a machine holds: its distinct ArrayBuffers, and OBJECT_BYTES/SLOT_BYTES for its objects. */
export function machineBytes(kernel: Kernel): number {
  const seen = new Set<object>();
  const stack: unknown[] = [kernel];
  let bytes = 0;
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      const buf = v.buffer;
      if (!seen.has(buf)) {
        seen.add(buf);
        bytes += buf.byteLength;
      }
      continue;
    }
    if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) {
      bytes += v.byteLength;
      continue;
    }
    bytes += OBJECT_BYTES;
    if (v instanceof Map) {
      bytes += v.size * 2 * SLOT_BYTES;
      for (const [k, x] of v) stack.push(k, x);
    } else if (v instanceof Set) {
      bytes += v.size * SLOT_BYTES;
      for (const x of v) stack.push(x);
    } else if (Array.isArray(v)) {
      bytes += v.length * SLOT_BYTES;
      for (const x of v) stack.push(x);
      continue;
    }
    // Own data properties only: no getters run, no functions (closures are the engines' code, not their state).
    for (const key of Object.keys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d && 'value' in d) {
        if (typeof d.value === 'string') bytes += d.value.length;
        else stack.push(d.value);
      }
    }
  }
  return bytes;
}

/**
 * The least a boot with these options will hold (its frame array), known before it allocates anything: a boot
 * that cannot fit is refused before it takes the host's memory. Options boot() refuses count as nothing.
 */
export function bootFloorBytes(options: BootOptions): number {
  try {
    const frames = Math.floor(parseSize(options.memory ?? '4G', 'memory') / 4096);
    // A size the memory engine refuses is boot()'s to refuse (EINVAL), not the budget's.
    if (frames > MAX_FRAMES) return 0;
    return frames * FRAME_FLOOR_BYTES;
  } catch {
    return 0;
  }
}

/** A size as the budget's messages give it: MiB with one decimal. */
export function mib(n: number): string {
  return `${Math.round((n / 1048576) * 10) / 10} MiB`;
}
