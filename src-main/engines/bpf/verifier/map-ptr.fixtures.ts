/**
 * Loads and stores through a map pointer (`r1 = map[fd]`, then `*(size *)(r1 + off)`), the class the
 * encoding-level fuzzer found: kernel/bpf/verifier.c check_mem_access() -> check_ptr_to_map_access() and
 * kernel/bpf/btf.c btf_struct_access() (Linux 6.18) read them against the map's kernel struct (map_btf.ts).
 * Every modelled map type × offsets at the edges of fields (scalars, pointers, arrays, bitfield-free holes, the
 * struct's end, negative) × every size × load, sign-extending load, store of a register and store of an
 * immediate. map-ptr.test.ts loads each in the model and (where it can) in the running kernel.
 */
import { MAPS } from './helper-args.fixtures';
import type { HelperVariant } from './helper-args.fixtures';

const OFFS = [
  -8, -1, 0, 30, 32, 36, 40, 44, 48, 64, 66, 80, 104, 136, 148, 152, 184, 200, 232, 256, 260, 272, 288, 292, 296, 300,
  304, 308, 312, 456, 512, 776, 780, 784, 796, 800, 832,
];
const SIZES: Record<number, string> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };
const SX: Record<number, string> = { 1: 's8', 2: 's16', 4: 's32' };

/** The variant's access as kernel assembly; r1 holds the map pointer. */
function access(op: 'load' | 'ldsx' | 'store' | 'st', size: number, off: number): string {
  const at = `(r1 ${off < 0 ? '' : '+'}${off})`;
  switch (op) {
    case 'load':
      return `r0 = *(${SIZES[size]} *)${at}`;
    case 'ldsx':
      return `r0 = *(${SX[size]} *)${at}`;
    case 'store':
      return `*(${SIZES[size]} *)${at} = r1`;
    case 'st':
      return `*(${SIZES[size]} *)${at} = 0`;
  }
}

/** Every map type × offset × size × access kind; the loaded scalar is returned after a bounds test on it. */
export function mapPtrVariants(): HelperVariant[] {
  const out: HelperVariant[] = [];
  for (const [m, map] of Object.entries(MAPS)) {
    for (const off of OFFS) {
      for (const size of [1, 2, 4, 8]) {
        for (const op of ['load', 'ldsx', 'store', 'st'] as const) {
          if (op === 'ldsx' && size === 8) continue;
          if (op !== 'load' && ![-8, 0, 40, 64, 296].includes(off)) continue;
          out.push({
            name: `${m} ${op} size ${size} off ${off}`,
            asm: `r1 = map[id:1]\n${access(op, size, off)}\nr0 = 0\nexit`,
            map,
          });
        }
      }
    }
  }
  // What the loaded value is: a scalar in the field's width (a u8 field's load is at most 255, so the stack
  // index below stays inside; a u32's is not).
  for (const [m, map] of Object.entries(MAPS)) {
    for (const [ld, off] of [
      ['u8', 256],
      ['s8', 256],
      ['u32', 64],
      ['u64', 80],
    ] as const) {
      out.push({
        name: `${m} ${ld} +${off} as a stack index`,
        asm: `r1 = map[id:1]\nr2 = *(${ld} *)(r1 +${off})\nr3 = r10\nr3 += -512\nr3 += r2\nr0 = *(u8 *)(r3 +0)\nr0 = 0\nexit`,
        map,
      });
    }
  }
  return out;
}
