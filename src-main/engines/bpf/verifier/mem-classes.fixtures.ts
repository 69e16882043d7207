/**
 * Programs that vary memory-access classes the encoding-level fuzzer found (kernel/bpf/verifier.c, Linux 6.18):
 * read-modify-write atomics (check_atomic_rmw(): the fetch register is written before the accesses, each access
 * strictly aligned, tnum_strn() printing the offset). mem-classes.test.ts loads each in the model and (where it
 * can) in the running kernel; the kernel's answers are recorded there.
 */
import { createBpf } from '../index';
import { encodeInsns, insn } from '../isa';
import type { BpfInsn } from '../isa';
import type { BpfMapTypeName } from '../maps';
import { answerOf } from './kernel-classes.fixtures';

/** A map as BPF_MAP_CREATE takes it (fd 1 in the kernel and in the model). */
export interface VariantMap {
  map_type: BpfMapTypeName;
  key_size: number;
  value_size: number;
  max_entries: number;
}

/** One program as instruction bytes, its type and its map. */
export interface MemVariant {
  name: string;
  bytes: Uint8Array;
  prog_type: 'raw_tracepoint' | 'syscall';
  map: VariantMap;
}

export const ARRAY16: VariantMap = { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 16, max_entries: 1 };

const ATOMIC_OPS: [string, number][] = [
  ['add', 0x00],
  ['or', 0x40],
  ['and', 0x50],
  ['xor', 0xa0],
  ['fetch_add', 0x01],
  ['fetch_or', 0x41],
  ['fetch_and', 0x51],
  ['fetch_xor', 0xa1],
  ['xchg', 0xe1],
  ['cmpxchg', 0xf1],
];

/** The base register r3 of an access: how it is set, and the offsets tried through it. */
const BASES: [string, BpfInsn[], number[]][] = [
  ['fp-8', [insn(0xbf, 3, 10), insn(0x07, 3, 0, 0, -8)], [0, 4, -2]],
  ['map_value', [insn(0x18, 3, 2, 0, 1), insn(0, 0, 0, 0, 0)], [0, 4, 6, 16]],
  ['ctx', [insn(0xbf, 3, 1)], [0]],
  ['scalar 8', [insn(0xb7, 3, 0, 0, 8)], [0, 4]],
  ['scalar 0x7406df47', [insn(0xb7, 3, 0, 0, 0x7406df47)], [0]],
  ['scalar -8', [insn(0xb7, 3, 0, 0, -8)], [2]],
  ['unknown scalar', [insn(0x79, 3, 10, -16)], [0]],
];

/**
 * 1. Read-modify-write atomics: every op × W/DW × base (stack, map value, ctx, scalars known and unknown) × offset,
 * with the fetch register distinct from the base or the base itself (`r3 = atomic_fetch_add((u64 *)(r3 +0), r3)`,
 * `r0 = cmpxchg(r0 + 0, r0, r2)`).
 */
export function atomicRmwVariants(): MemVariant[] {
  const out: MemVariant[] = [];
  for (const [opName, imm] of ATOMIC_OPS)
    for (const [sizeName, code] of [
      ['u32', 0xc3],
      ['u64', 0xdb],
    ] as const)
      for (const [baseName, setBase, offs] of BASES)
        for (const off of offs)
          for (const alias of imm & 1 ? [false, true] : [false]) {
            const cmpx = imm === 0xf1;
            const base = alias && cmpx ? 0 : 3;
            const src = alias && !cmpx ? 3 : 2;
            const p: BpfInsn[] = [
              insn(0x7a, 10, 0, -8, 0),
              insn(0x7a, 10, 0, -16, 0x777),
              insn(0xb7, 2, 0, 0, 5),
              insn(0xb7, 0, 0, 0, 0),
              ...setBase,
            ];
            if (base === 0) p.push(insn(0xbf, 0, 3));
            p.push(insn(code, base, src, off, imm), insn(0xb7, 0, 0, 0, 0), insn(0x95));
            const name = `${opName} ${sizeName} [${baseName}${off < 0 ? off : `+${off}`}]${alias ? ' fetch into the base' : ''}`;
            out.push({ name, bytes: encodeInsns(p), prog_type: 'raw_tracepoint', map: ARRAY16 });
          }
  return out;
}

/** The model's answer (BpfEngine.verify, the variant's map as map 1). */
export function modelAnswer(v: MemVariant): string {
  const bpf = createBpf();
  bpf.map_create({ ...v.map });
  const r = bpf.verify({ insns: v.bytes, prog_type: v.prog_type, log_level: 1 });
  return answerOf({ ok: r.ok, errno: r.errors[0]?.errno, first: r.errors[0]?.message.split('\n')[0] });
}
