/**
 * The program generator's state (generator.ts): the program types, maps, helpers and encodings it draws from, and
 * Gen, which holds the program being written, the registers' kinds and the seeded PRNG.
 */
import type { BpfInsn } from '../../engines/bpf';
import { insn } from '../../engines/bpf';
import type { Prng } from '../../engines/common/prng';
import type { KernelMapSpec } from '../types';

/** The program types both sides model (verifier/prog-types.ts) with the kernel's names. */
export type FuzzProgType = 'syscall' | 'raw_tracepoint' | 'socket_filter' | 'xdp' | 'tracepoint';

/** A map the program names by fd (ld_imm64 src 1/2); fds are 1..n in creation order on both sides. */
export interface FuzzMap extends KernelMapSpec {
  map_type: 'BPF_MAP_TYPE_HASH' | 'BPF_MAP_TYPE_ARRAY' | 'BPF_MAP_TYPE_RINGBUF';
}

/** One generated program. */
export interface FuzzProgram {
  /** The raw instruction bytes (8 per slot). */
  bytes: Uint8Array;
  prog_type: FuzzProgType;
  /** Maps by fd, created in fd order before the load. */
  maps: FuzzMap[];
  /** The context bytes of a test run, when one is comparable (syscall and raw tracepoint programs without
   *  helpers whose result depends on the machine: time, CPU, random numbers, kernel memory). */
  ctx?: Uint8Array;
  /** What the generator put in, for the report (`alu`, `ldimm64`, `atomic`, ...). */
  features: string[];
}

export const MAP_SPECS: readonly FuzzMap[] = [
  { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 4 },
  { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 16, max_entries: 4 },
  { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 32, max_entries: 1 },
  { map_type: 'BPF_MAP_TYPE_RINGBUF', key_size: 0, value_size: 0, max_entries: 4096 },
];

/** Helpers by id that both sides know, and the machine-dependent ones (their result is not compared). */
export const HELPERS = [1, 2, 3, 5, 6, 7, 8, 113, 130, 131, 132, 133, 134, 181] as const;
export const NONDETERMINISTIC_HELPERS = new Set([5, 6, 7, 8, 113, 125]);
/** Helper ids the kernel has but the model may not (other prog types, other protos) and ids nobody has. */
export const OTHER_HELPERS = [0, 4, 12, 14, 16, 25, 35, 125, 211, 212, 300, 1000, -1] as const;

export const SIZES = [0x18, 0x00, 0x08, 0x10] as const; // DW, W, H, B
export const SIZE_BYTES: Record<number, number> = { 0x18: 8, 0x00: 4, 0x08: 2, 0x10: 1 };
export const ALU_OPS = [
  0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0, 0xf0,
] as const;
export const JMP_OPS = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0] as const;
/** BPF_ATOMIC imms: ADD, OR, AND, XOR (with BPF_FETCH), XCHG, CMPXCHG, LOAD_ACQ, STORE_REL, and bad ones. */
export const ATOMIC_OPS = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x110] as const;
export const BAD_ATOMIC_OPS = [0xe0, 0xf0, 0x10, 0x11, 0x20, 0x101, 0x111, 0x120, 0x02] as const;
const IMM_EDGES = [
  0, 1, -1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000,
  -2, -8, -64,
] as const;

/** Register kinds the generator tracks (roughly: it never needs to be exact, the verifiers decide). */
export type Kind = 'unset' | 'scalar' | 'ctx' | 'fp' | 'map' | 'mapval?' | 'mapval';

export class Gen {
  readonly out: BpfInsn[] = [];
  readonly features = new Set<string>();
  /** Jump placeholders: instruction index and target unit. */
  readonly jumps: { at: number; unit: number; field: 'off' | 'imm' }[] = [];
  /** Unit start pcs, for jump targets. */
  readonly unitStarts: number[] = [];
  /** Calls to the subprogram(s) appended after main: instruction index and subprogram number. */
  readonly calls: { at: number; sub: number }[] = [];
  kinds: Kind[] = Array<Kind>(11).fill('unset');
  nondeterministic = false;
  /** A faulty program gets deliberate faults at the full rate, a clean one at a twentieth of it. */
  readonly faulty: boolean;

  constructor(
    readonly rng: Prng,
    readonly type: FuzzProgType,
    readonly maps: FuzzMap[],
  ) {
    this.kinds[1] = 'ctx';
    this.kinds[10] = 'fp';
    this.faulty = rng.nextFloat() < 0.4;
  }

  /** A deliberate fault of probability p (scaled down in clean programs). */
  fault(p: number): boolean {
    return this.chance(this.faulty ? p : p / 20);
  }

  int(n: number): number {
    return this.rng.nextInt(n);
  }
  chance(p: number): boolean {
    return this.rng.nextFloat() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.nextInt(xs.length)]!;
  }
  emit(code: number, dst = 0, src = 0, off = 0, imm = 0): void {
    this.out.push(insn(code, dst, src, off, imm));
  }
  imm(): number {
    const r = this.int(4);
    if (r === 0) return this.pick(IMM_EDGES);
    if (r === 1) return this.int(64) - 8;
    return this.rng.nextU32() | 0;
  }
  /** A register of a kind, or any register 0..9 (sometimes 10..15, which do not exist). */
  reg(kind?: Kind): number {
    if (kind !== undefined) {
      const rs = this.kinds.map((k, r) => (k === kind && r <= 9 ? r : -1)).filter((r) => r >= 0);
      if (rs.length > 0 && !this.fault(0.05)) return this.pick(rs);
    }
    if (this.fault(0.01)) return 11 + this.int(5);
    const set = this.kinds.map((k, r) => (k !== 'unset' && r <= 9 ? r : -1)).filter((r) => r >= 0);
    return set.length > 0 && !this.fault(0.1) ? this.pick(set) : this.int(10);
  }
  /** A destination: r0..r9 mostly, r10 or a bad register rarely. */
  dst(): number {
    if (this.fault(0.015)) return 10;
    if (this.fault(0.01)) return 11 + this.int(5);
    return this.int(10);
  }
  /** A stack offset for an access of `size` bytes: mostly aligned and inside the initialised 64 bytes. */
  stackOff(size: number): number {
    const r = this.fault(0.05) ? 0 : 1 + this.int(19);
    let off: number;
    if (r === 0)
      off = this.pick([0, 8, -512 - size, -520, -513, 4, -1 - size, 1]); // out of bounds
    else if (r === 1)
      off = -(1 + this.int(64)); // any alignment
    else if (r === 2)
      off = -size * (1 + this.int(512 / size)); // anywhere on the 512-byte stack
    else off = -size * (1 + this.int(64 / size));
    if (off < -64 || off > -size) this.features.add('uninit-stack'); // a read there is of garbage: no retval comparison
    return off;
  }
  setKind(r: number, k: Kind): void {
    if (r >= 0 && r <= 9) this.kinds[r] = k;
  }
}
