/**
 * The program generator's units (generator.ts): each writes a few instructions of one kind (ALU, pointer
 * arithmetic, jumps, stack, context, atomics, ld_imm64, maps, helpers, kfuncs, calls, raw encodings, deliberate
 * faults) on the Gen state, aiming at one family of do_check()'s checks (kernel/bpf/verifier.c, Linux 6.18).
 */
import { KFUNC_BTF_ID } from '../../engines/bpf';
import {
  HELPERS,
  NONDETERMINISTIC_HELPERS,
  OTHER_HELPERS,
  SIZES,
  SIZE_BYTES,
  ALU_OPS,
  JMP_OPS,
  ATOMIC_OPS,
  BAD_ATOMIC_OPS,
} from './gen-state';
import type { FuzzMap, Kind, Gen } from './gen-state';

/** Initial state: some registers get constants, the top 64 bytes of the stack are zeroed (so reads are deterministic). */
export function prologue(g: Gen): void {
  if (g.chance(0.9)) {
    for (let off = -8; off >= -64; off -= 8) g.emit(0x7a, 10, 0, off, 0); // *(u64 *)(r10 off) = 0
  } else g.features.add('uninit-stack');
  if (g.chance(0.5)) {
    g.emit(0xbf, 6, 1); // r6 = r1
    g.setKind(6, 'ctx');
  }
  for (let r = 0; r <= 9; r++) {
    if (g.kinds[r] !== 'unset' || g.chance(0.15)) continue;
    if (g.chance(0.3)) {
      const v = BigInt.asIntN(64, (BigInt(g.rng.nextU32()) << 32n) | BigInt(g.rng.nextU32()));
      g.emit(0x18, r, 0, 0, Number(BigInt.asIntN(32, v)));
      g.emit(0x00, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n)));
    } else g.emit(g.chance(0.5) ? 0xb7 : 0xb4, r, 0, 0, g.imm());
    g.setKind(r, 'scalar');
  }
}

export function unitAlu(g: Gen): void {
  g.features.add('alu');
  const cls = g.chance(0.5) ? 0x07 : 0x04;
  const op = g.fault(0.1) ? g.pick(ALU_OPS) : g.pick(ALU_OPS.slice(0, 13));
  let x = g.chance(0.45);
  let dst = g.chance(0.8) ? g.reg('scalar') : g.dst();
  let src = x ? (g.chance(0.8) ? g.reg('scalar') : g.reg()) : 0;
  let off = 0;
  let imm = x ? 0 : g.imm();
  if (op === 0x60 || op === 0x70 || op === 0xc0) {
    const w = cls === 0x07 ? 64 : 32;
    if (!x) imm = g.fault(0.15) ? g.pick([w, w + 1, -1, 64, 32, 255, -w, 0x7fffffff]) : g.int(w);
    g.features.add('shift');
  }
  if ((op === 0x30 || op === 0x90) && !x && imm === 0 && !g.fault(0.3)) imm = 3;
  if (op === 0x30 || op === 0x90) off = g.chance(0.3) ? 1 : 0; // sdiv/smod
  if (op === 0xb0 && x && g.chance(0.35)) {
    off = g.fault(0.1) ? g.pick([1, 24, 32, 64, -8]) : g.pick(cls === 0x07 ? [8, 16, 32] : [8, 16]); // movsx
    g.features.add('movsx');
  }
  if (op === 0xb0 && x && cls === 0x07 && g.fault(0.1)) {
    // mov32 with off = 1 is `w = addr_space_cast`: only with imm of two address spaces (arena).
    imm = g.pick([1, 0x10000, 0x1]);
    off = 1;
  }
  if (op === 0x80) {
    src = 0;
    imm = 0;
    if (x && !g.fault(0.2)) x = false; // BPF_NEG | BPF_X is no opcode
  }
  if (op === 0xd0) {
    // BPF_END: to_le / to_be (ALU) or bswap (ALU64 | TO_LE); imm is the width.
    imm = g.fault(0.1) ? g.pick([0, 8, 24, 48, 128]) : g.pick([16, 32, 64]);
    g.features.add('end');
    if (cls === 0x07 && x && !g.fault(0.3)) {
      g.emit(cls | op, dst, 0, 0, imm); // bswap
      g.setKind(dst, 'scalar');
      return;
    }
    if (cls === 0x07 && x) {
      g.emit(cls | op | 0x08, dst, 0, 0, imm); // ALU64 | TO_BE: reserved
      return;
    }
    g.emit(cls | op | (x ? 0x08 : 0), dst, g.fault(0.05) ? 1 : 0, 0, imm);
    g.setKind(dst, 'scalar');
    return;
  }
  // Reserved fields, now and then.
  const fault = g.fault(0.1) ? g.int(4) : 4;
  if (fault === 0) off = g.pick([1, -1, 2, 0x7fff]);
  else if (fault === 1 && !x) src = 1 + g.int(15);
  else if (fault === 2 && x) imm = g.pick([1, -1, 0x100]);
  else if (fault === 3) dst = 10;
  g.emit(cls | op | (x ? 0x08 : 0), dst, src, off, imm);
  if (op === 0xb0) g.setKind(dst, x ? (g.kinds[src] ?? 'unset') : 'scalar');
  else if (g.kinds[dst] === 'unset' || cls === 0x04) g.setKind(dst, 'scalar');
}

export function unitPtrArith(g: Gen): void {
  g.features.add('ptr-arith');
  const ptrKinds: Kind[] = ['fp', 'ctx', 'mapval', 'mapval?', 'map'];
  const present = ptrKinds.filter((k) => g.kinds.includes(k) && (k === 'fp' || !g.fault(0.3) || k !== 'mapval?'));
  const k = g.pick(present.length > 0 ? present : ptrKinds);
  const r = g.reg(k);
  const op = g.pick([0x00, 0x10, 0x00, 0x10, 0x20, 0x50, 0x40, 0xb0, 0x80, 0x60]);
  if (op === 0x80) {
    g.emit(0x87, r); // neg of a pointer
    return;
  }
  const cls = g.chance(0.85) ? 0x07 : 0x04;
  if (g.chance(0.5))
    g.emit(cls | op, r, 0, 0, g.pick([-8, 8, -16, 4, 1, -512, 0x7fffffff, -0x80000000, 1 << 29, g.imm()]));
  else g.emit(cls | op | 0x08, r, g.chance(0.5) ? g.reg('scalar') : g.reg(g.pick(ptrKinds)), 0, 0);
  if ((op === 0x00 || op === 0x10) && cls === 0x07 && g.chance(0.5)) {
    // then use it
    const s = g.pick(SIZES);
    g.emit(0x61 | s, g.reg('scalar'), r, g.pick([0, -8, 8, 4]), 0);
  }
}

export function unitJump(g: Gen, unit: number, units: number): void {
  g.features.add('jmp');
  const cls = g.chance(0.7) ? 0x05 : 0x06;
  const op = g.fault(0.03) ? g.pick([0xe0, 0xf0]) : g.pick(JMP_OPS);
  const x = g.chance(0.4);
  const at = g.out.length;
  let src = x ? g.reg(g.chance(0.8) ? 'scalar' : undefined) : 0;
  let imm = x ? 0 : g.imm();
  if (g.fault(0.02)) imm = x ? 1 : imm;
  if (!x && g.fault(0.02)) src = 1 + g.int(15);
  g.emit(
    cls | op | (x ? 0x08 : 0),
    g.chance(0.8) ? g.reg('scalar') : g.reg(g.pick(['fp', 'ctx', 'mapval?', 'mapval'] as Kind[])),
    src,
    0,
    imm,
  );
  jumpTarget(g, at, unit, units, 'off');
}

function jumpTarget(g: Gen, at: number, unit: number, units: number, field: 'off' | 'imm'): void {
  const r = g.fault(1 / 30) ? 0 : 1 + g.int(29);
  if (r === 0) {
    g.out[at]![field] = g.pick([-at - 2, 1000, -1000, 0x7fff, -0x8000]); // out of range (or into nowhere)
    const ld = g.out.findIndex((i, n) => i.code === 0x18 && n < at);
    if (ld >= 0 && g.chance(0.3)) g.out[at]![field] = ld + 1 - at - 1; // into the middle of an ld_imm64
    g.features.add('jmp-out-of-range');
  } else if (r <= 2 && g.fault(0.3) && g.out[at]!.code !== 0x06) {
    g.jumps.push({ at, unit: Math.max(0, unit - g.int(3)), field }); // back-edge: a loop
    g.features.add('back-edge');
  } else g.jumps.push({ at, unit: unit + 1 + g.int(Math.max(1, units - unit)), field });
}

export function unitGoto(g: Gen, unit: number, units: number): void {
  const at = g.out.length;
  const form = g.int(6);
  if (form === 0 && g.fault(0.5)) {
    g.features.add('gotol');
    g.emit(0x06, 0, 0, 0, 0); // gotol: JMP32 | JA, offset in imm
    jumpTarget(g, at, unit, units, 'imm');
    if (g.chance(0.1)) g.out[at]!.off = 1; // reserved
  } else if (form === 1) {
    g.features.add('may_goto');
    g.emit(0xe5, 0, 0, 0, 0);
    jumpTarget(g, at, unit, units, 'off');
    if (g.chance(0.15)) g.out[at]!.src_reg = g.pick([1, 2]);
    if (g.chance(0.1)) g.out[at]!.imm = 1;
  } else if (form === 2) {
    // A bounded loop: rX = n; body; rX -= 1; if rX != 0 goto body.
    g.features.add('loop');
    const r = g.int(10);
    g.emit(0xb7, r, 0, 0, g.pick([1, 2, 3, 8, 30]));
    const top = g.out.length;
    g.setKind(r, 'scalar');
    const n = g.int(3);
    for (let i = 0; i < n; i++) unitAlu(g);
    g.emit(0x17, r, 0, 0, g.fault(0.1) ? g.pick([0, 2]) : 1);
    g.emit(g.chance(0.5) ? 0x55 : 0x25, r, 0, top - g.out.length - 1, 0); // if r != 0 / if r > 0 goto top
  } else if (form === 3 && g.fault(0.5)) {
    g.features.add('ja');
    g.emit(0x05, 0, 0, 0, 0); // code it skips is unreachable unless another jump lands there
    jumpTarget(g, at, unit, units, 'off');
    if (g.fault(0.08)) g.out[at]!.imm = g.pick([1, -1]);
    if (g.fault(0.05)) g.out[at]!.src_reg = 1;
  } else {
    // if/else: `if cond goto else; then...; ja/gotol end; else: ...; end:`.
    g.features.add('if-else');
    g.emit(0x05 | g.pick(JMP_OPS) | (g.chance(0.3) ? 0x08 : 0), g.reg('scalar'), 0, 0, g.imm());
    if (g.out[at]!.code & 0x08) {
      g.out[at]!.src_reg = g.reg('scalar');
      g.out[at]!.imm = 0;
    }
    const block = (): void => {
      const n = 1 + g.int(2);
      for (let i = 0; i < n; i++) (g.chance(0.6) ? unitAlu : g.chance(0.5) ? unitStack : unitCtx)(g);
    };
    block();
    const ja = g.out.length;
    const long = g.chance(0.3);
    g.emit(long ? 0x06 : 0x05);
    if (long) g.features.add('gotol');
    g.out[at]!.off = g.out.length - at - 1;
    block();
    g.out[ja]![long ? 'imm' : 'off'] = g.out.length - ja - 1;
  }
}

export function unitStack(g: Gen): void {
  g.features.add('stack');
  const s = g.pick(SIZES);
  const bytes = SIZE_BYTES[s]!;
  const base = g.chance(0.92) ? 10 : g.reg(g.pick(['fp', 'ctx', 'scalar'] as Kind[]));
  const off = g.stackOff(bytes);
  const form = g.int(7);
  if (form <= 1) {
    const dst = g.dst();
    const sx = g.chance(0.2) && (s !== 0x18 || g.fault(0.3));
    g.emit((sx ? 0x81 : 0x61) | s, dst, base, off, g.fault(0.03) ? 1 : 0); // ldx / ldsx (ldsx dw is unknown)
    g.setKind(dst, 'scalar');
    if (sx) g.features.add('memsx');
  } else if (form <= 3) {
    const src = g.chance(0.3) ? g.reg(g.pick(['fp', 'ctx', 'map', 'mapval', 'mapval?'] as Kind[])) : g.reg('scalar');
    g.emit(0x63 | s, base, src, off, g.fault(0.03) ? 1 : 0); // stx
  } else if (form === 4) {
    g.emit(0x62 | s, base, g.fault(0.03) ? 1 : 0, off, g.imm()); // st
  } else {
    // A spill of one size and a fill of another, then a use of the filled value.
    g.features.add('spill-fill');
    const src = g.chance(0.5) ? g.reg('scalar') : g.reg(g.pick(['fp', 'ctx', 'mapval', 'map'] as Kind[]));
    const soff = g.stackOff(bytes);
    g.emit(0x63 | s, 10, src, soff, 0);
    const f = g.pick(SIZES);
    const foff = g.chance(0.6) ? soff : soff + g.pick([-4, -2, -1, 1, 2, 4, -8, 8]);
    const dst = g.dst();
    g.emit(0x61 | f, dst, 10, foff, 0);
    g.setKind(dst, f === 0x18 && foff === soff && s === 0x18 ? (g.kinds[src] ?? 'scalar') : 'scalar');
    if (g.chance(g.kinds[dst] === 'scalar' ? 0.05 : 0.4)) {
      g.emit(0x61 | g.pick(SIZES), g.reg('scalar'), dst, g.pick([0, 4, 8]), 0); // dereference it
    } else if (g.chance(0.4)) {
      g.emit(0x15, dst, 0, 1, g.imm()); // branch on it: precision
      g.emit(0xb7, 0, 0, 0, 1);
    }
  }
}

export function unitCtx(g: Gen): void {
  if (!g.kinds.includes('ctx') && !g.fault(0.3)) return unitStack(g);
  g.features.add('ctx');
  const r = g.reg('ctx');
  let s: number = g.pick(SIZES);
  const bytes = SIZE_BYTES[s]!;
  // Mostly where the type's is_valid_access() allows it (reads everywhere, writes in syscall and skb->cb[]).
  const wild = g.fault(0.3);
  const form = wild
    ? g.int(10)
    : g.type === 'syscall'
      ? g.int(9)
      : g.type === 'socket_filter' && g.chance(0.3)
        ? 6 + g.int(3)
        : g.int(6);
  const [lo, hi] = wild
    ? [0, 200]
    : g.type === 'socket_filter'
      ? form >= 6
        ? [48, 68]
        : [0, 48]
      : g.type === 'syscall'
        ? [0, 80]
        : g.type === 'xdp'
          ? [0, 24]
          : g.type === 'tracepoint'
            ? [8, 112]
            : [0, 96];
  const sz = g.type === 'socket_filter' && bytes === 8 && !wild ? 4 : bytes;
  if (sz !== bytes) s = 0x00;
  let off = lo + sz * g.int(Math.max(1, Math.floor((hi - lo) / sz)));
  if (wild && g.chance(0.3)) off = g.pick([-8, -1, g.int(200), 0xffff, 0x7fff, 4096]);
  if (form < 6) {
    const dst = g.dst();
    g.emit((s !== 0x18 && g.chance(0.1) ? 0x81 : 0x61) | s, dst, r, off, 0);
    g.setKind(dst, 'scalar');
  } else if (form < 8) g.emit(0x63 | s, r, g.reg(g.chance(0.8) ? 'scalar' : 'fp'), off, 0);
  else if (form < 9) g.emit(0x62 | s, r, 0, off, g.imm());
  else g.emit(0xc3 | (g.chance(0.5) ? 0x18 : 0), r, g.reg('scalar'), off, g.pick(ATOMIC_OPS.slice(0, 10)));
}

export function unitAtomic(g: Gen): void {
  g.features.add('atomic');
  const where = g.int(4);
  const op = g.fault(0.1) ? g.pick(BAD_ATOMIC_OPS) : g.pick(ATOMIC_OPS);
  // B and H only for load-acquire / store-release.
  const s = op >= 0x100 || g.fault(0.1) ? g.pick(SIZES) : g.pick([0x18, 0x00] as const);
  let base = 10;
  let off = g.chance(0.9) ? -SIZE_BYTES[s]! * (1 + g.int(64 / SIZE_BYTES[s]!)) : g.stackOff(SIZE_BYTES[s]!);
  if (where === 1 && (g.kinds.includes('mapval') || g.fault(0.3))) {
    base = g.reg('mapval');
    off = g.pick([0, 4, 8, 2, 16, 30]);
  } else if (where === 2 && g.chance(0.3)) {
    base = g.reg('ctx');
    off = g.pick([0, 8, 16]);
  }
  let src = g.chance(0.85) ? g.reg('scalar') : g.reg(g.pick(['fp', 'ctx', 'mapval'] as Kind[]));
  let dst = base;
  if (op === 0x100) {
    // load-acquire: dst = *(src + off)
    dst = g.dst();
    src = base;
    g.setKind(dst, 'scalar');
  }
  if (op === 0xf1) {
    if (g.chance(0.8)) g.emit(0xb7, 0, 0, 0, g.imm()); // cmpxchg compares with r0
    g.setKind(0, 'scalar');
  }
  g.emit(0xc3 | s, dst, src, off, op);
  if (op & 0x01 && op < 0x100) g.setKind(src, 'scalar');
}

/** ld_imm64 with every pseudo source: 0 constant, 1 map fd, 2 map value, 3 btf id, 4 func, 5 map idx, 6 map idx value. */
export function unitLdImm64(g: Gen): void {
  g.features.add('ldimm64');
  const dst = g.fault(0.03) ? g.dst() : g.int(10);
  const nmaps = g.maps.length;
  const single = g.maps.findIndex((m) => m.map_type === 'BPF_MAP_TYPE_ARRAY' && m.max_entries === 1);
  let src = g.fault(0.07) ? 7 + g.int(9) : g.fault(0.3) ? g.pick([3, 4, 5, 6]) : g.pick([0, 1, 1, 2, 2]);
  if (src === 1 && nmaps === 0 && !g.fault(0.3)) src = 0;
  if (src === 2 && single < 0 && !g.fault(0.3)) src = 0;
  let imm = 0;
  let imm2 = 0;
  if (src === 2 && single >= 0 && !g.fault(0.1)) {
    imm = single + 1;
    imm2 = g.fault(0.2) ? g.pick([-1, 32, 4096, 1]) : g.pick([0, 4, 8, 16, 24]);
  } else if (src === 0) {
    imm = g.imm();
    imm2 = g.imm();
  } else if (src === 1 || src === 2) {
    imm = nmaps > 0 && !g.fault(0.1) ? 1 + g.int(nmaps) : g.pick([1000, 4096, -1]);
    if (src === 2) imm2 = g.fault(0.2) ? g.pick([-1, 32, 4096, 1]) : g.pick([0, 4, 8, 16, 24]);
    else if (g.fault(0.05)) imm2 = 1;
  } else if (src === 3) {
    imm = g.pick([0, -1, 0x7ffffff0]); // no machine's BTF has these ids
  } else if (src === 4) {
    imm = g.pick([0, 1, 2, -1, 100]);
  } else {
    // An index into fd_array: past its end the kernel reads whatever follows it in the loader's memory.
    imm = nmaps > 0 ? g.int(nmaps) : g.pick([0, 1, 2, 100]);
    if (src === 6) imm2 = g.pick([0, 8]);
  }
  g.emit(0x18, dst, src, 0, imm);
  const bad = g.fault(0.1) ? g.int(4) : 4;
  g.emit(bad === 0 ? g.pick([0x18, 0x07, 0x01]) : 0, bad === 1 ? 1 : 0, bad === 2 ? 1 : 0, bad === 3 ? 1 : 0, imm2);
  if (src === 0) g.setKind(dst, 'scalar');
  else if (src === 1) {
    const m = g.maps[imm - 1];
    g.setKind(dst, 'map');
    if (m && g.chance(0.7)) mapUse(g, dst, m);
  } else if (src === 2) g.setKind(dst, 'mapval');
  else g.setKind(dst, 'scalar');
}

/** A map helper call on the map in `mreg`: lookup (null-checked or not, then a read/write), update, delete. */
function mapUse(g: Gen, mreg: number, m: FuzzMap): void {
  g.features.add('map');
  const keyOff = -8 * (1 + g.int(4));
  if (g.chance(0.9)) g.emit(0x62, 10, 0, keyOff, g.chance(0.8) ? g.int(m.max_entries + 1) : g.imm()); // the key
  if (mreg !== 1) g.emit(0xbf, 1, mreg, 0, 0);
  if (g.chance(0.85)) {
    g.emit(0xbf, 2, 10, 0, 0);
    g.emit(0x07, 2, 0, 0, g.chance(0.9) ? keyOff : g.pick([0, -520, 8]));
  } else g.emit(0xb7, 2, 0, 0, g.imm());
  const which = m.map_type === 'BPF_MAP_TYPE_RINGBUF' ? g.pick([1, 131, 130, 134]) : g.pick([1, 1, 1, 2, 3]);
  if (which === 2) {
    g.emit(0xbf, 3, 10, 0, 0);
    g.emit(0x07, 3, 0, 0, g.chance(0.9) ? -8 * (1 + g.int(8)) : g.pick([0, -4]));
    g.emit(0xb7, 4, 0, 0, g.chance(0.9) ? g.int(3) : g.imm());
  } else if (which === 131) {
    g.emit(0xb7, 2, 0, 0, g.pick([8, 16, 0, 4096, 5000]));
    g.emit(0xb7, 3, 0, 0, g.chance(0.9) ? 0 : 1);
  } else if (which === 130) {
    g.emit(0xb7, 3, 0, 0, g.pick([8, 16, 0]));
    g.emit(0xb7, 4, 0, 0, 0);
  } else if (which === 134) g.emit(0xb7, 2, 0, 0, g.int(4));
  g.emit(0x85, 0, 0, 0, which);
  for (let r = 1; r <= 5; r++) g.setKind(r, 'unset');
  if (which !== 1 && which !== 131) {
    g.setKind(0, 'scalar');
    return;
  }
  g.setKind(0, 'mapval?');
  if (g.chance(0.8)) {
    g.emit(0x55, 0, 0, g.chance(0.9) ? 2 : 1, 0); // if r0 != 0 goto +2
    g.emit(0xb7, 0, 0, 0, 0);
    g.emit(0x95);
    g.setKind(0, 'mapval');
  }
  const s = g.pick(SIZES);
  const off = g.chance(0.8)
    ? SIZE_BYTES[s]! * g.int(Math.max(1, m.value_size / SIZE_BYTES[s]!))
    : g.pick([-1, m.value_size, m.value_size - 1, 4096, 8]);
  if (which === 131) {
    g.emit(0x62 | s, 0, 0, off, g.imm());
    if (g.chance(0.8)) {
      g.emit(0xbf, 1, 0, 0, 0);
      g.emit(0xb7, 2, 0, 0, 0);
      g.emit(0x85, 0, 0, 0, g.pick([132, 133])); // submit / discard
      g.setKind(0, 'scalar');
    }
    return;
  }
  if (g.chance(0.5)) {
    g.emit(0x61 | s, 6 + g.int(4), 0, off, 0);
  } else g.emit(0x62 | s, 0, 0, off, g.imm());
  if (g.chance(0.5)) {
    const r = 6 + g.int(4);
    g.emit(0xbf, r, 0, 0, 0);
    g.setKind(r, g.kinds[0]!);
  }
  g.setKind(0, 'scalar');
  g.emit(0xb7, 0, 0, 0, 0);
}

/** A helper call with arguments of whatever kind: right, wrong or unset. */
export function unitHelper(g: Gen): void {
  g.features.add('helper');
  const id = g.fault(0.2) ? g.pick(OTHER_HELPERS) : g.pick(HELPERS);
  const nargs = g.int(6);
  for (let r = 1; r <= nargs; r++) {
    const k = g.int(8);
    if (k <= 2) g.emit(0xb7, r, 0, 0, g.pick([0, 1, 8, 16, -1, 4096, g.imm()]));
    else if (k === 3) {
      g.emit(0xbf, r, 10, 0, 0);
      g.emit(0x07, r, 0, 0, g.pick([-8, -16, -64, -4, -128]));
    } else if (k === 4 && g.maps.length > 0) {
      g.emit(0x18, r, 1, 0, 1 + g.int(g.maps.length));
      g.emit(0, 0, 0, 0, 0);
    } else if (k === 5) g.emit(0xbf, r, g.reg('ctx'), 0, 0);
    else if (k === 6 && (g.kinds.includes('mapval') || g.kinds.includes('mapval?')))
      g.emit(0xbf, r, g.reg(g.pick(['mapval', 'mapval?'] as Kind[])), 0, 0);
    // else leave as is (maybe unset)
  }
  g.emit(0x85, 0, g.fault(0.02) ? 2 : 0, g.fault(0.02) ? 1 : 0, id);
  if (NONDETERMINISTIC_HELPERS.has(id)) g.nondeterministic = true;
  if (id === 181 || id === 12 || id === 6) g.nondeterministic = true; // callbacks, tail calls, printing
  for (let r = 1; r <= 5; r++) g.setKind(r, 'unset');
  g.setKind(0, 'scalar');
}

/** kfunc calls (src_reg 2) with the model's BTF ids (the oracle maps them to this kernel's by name). */
export function unitKfunc(g: Gen): void {
  g.features.add('kfunc');
  const names = Object.keys(KFUNC_BTF_ID) as (keyof typeof KFUNC_BTF_ID)[];
  const name = g.pick(names);
  const slot = -8 * (2 + g.int(4)) - (g.chance(0.1) ? 4 : 0);
  // An iterator on the stack: new(&it, a, b), next(&it), destroy(&it); arguments sometimes wrong.
  const steps = g.chance(0.6) ? ['new', 'next', 'destroy'] : [name.replace(/^bpf_iter_\w+?_/, '')];
  const fam = name.startsWith('bpf_iter_num') ? 'num' : 'bits';
  for (const step of steps) {
    const fn = `bpf_iter_${fam}_${step}` as keyof typeof KFUNC_BTF_ID;
    if (g.chance(0.9)) {
      g.emit(0xbf, 1, 10, 0, 0);
      g.emit(0x07, 1, 0, 0, slot);
    } else if (g.chance(0.5)) g.emit(0xb7, 1, 0, 0, 0);
    if (step === 'new') {
      if (fam === 'num') {
        if (g.chance(0.9)) g.emit(0xb4, 2, 0, 0, g.pick([0, 1, -1, 5]));
        if (g.chance(0.9)) g.emit(0xb4, 3, 0, 0, g.pick([0, 3, 10, 1 << 24]));
      } else {
        if (g.chance(0.8)) {
          g.emit(0xbf, 2, 10, 0, 0);
          g.emit(0x07, 2, 0, 0, -8);
        } else g.emit(0xb7, 2, 0, 0, 0);
        if (g.chance(0.9)) g.emit(0xb4, 3, 0, 0, g.pick([1, 0, 2, 512]));
      }
    }
    g.emit(0x85, 0, 2, g.fault(0.03) ? 1 : 0, KFUNC_BTF_ID[fn]);
    for (let r = 1; r <= 5; r++) g.setKind(r, 'unset');
    g.setKind(0, step === 'next' ? 'mapval?' : 'scalar');
    if (step === 'next' && g.chance(0.5)) {
      g.emit(0x15, 0, 0, 1, 0);
      g.emit(0x61, g.reg('scalar'), 0, 0, 0);
    }
  }
  if (g.fault(0.05)) g.emit(0x85, 0, 2, 0, g.pick([0, -1, 0x7ffffff0])); // a BTF id no kernel has
}

/** bpf-to-bpf call: src_reg 1, imm = target - pc - 1 (a subprogram appended after main). */
export function unitCall(g: Gen): void {
  g.features.add('bpf2bpf');
  for (let r = 1; r <= 5; r++) if (g.chance(0.5)) g.emit(0xb7, r, 0, 0, g.imm());
  if (g.chance(0.3)) {
    g.emit(0xbf, 1, 10, 0, 0);
    g.emit(0x07, 1, 0, 0, -8);
  }
  const at = g.out.length;
  g.emit(0x85, 0, 1, g.fault(0.03) ? 1 : 0, 0);
  if (!g.fault(0.1)) g.calls.push({ at, sub: g.int(2) });
  else g.out[at]!.imm = g.pick([-1, 0, 1000, -at - 5]);
  for (let r = 1; r <= 5; r++) g.setKind(r, 'unset');
  g.setKind(0, 'scalar');
}

/** Anything: a random opcode with random fields. */
export function unitRaw(g: Gen): void {
  if (!g.fault(1)) return unitAlu(g);
  g.features.add('raw');
  const code = g.chance(0.5)
    ? g.int(256)
    : g.pick([
        0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x8d, 0x9d, 0xa5, 0x0c, 0xf4, 0xe4, 0x00, 0x01, 0x02, 0x03, 0x99, 0x9f,
        0xfc, 0xcb, 0xd3, 0xc7,
      ]);
  if (code === 0x18) return unitLdImm64(g);
  g.emit(
    code,
    g.int(16) % (g.chance(0.8) ? 11 : 16),
    g.int(16) % (g.chance(0.8) ? 11 : 16),
    g.chance(0.5) ? 0 : g.imm() & 0xffff,
    g.chance(0.5) ? 0 : g.imm(),
  );
}

/** A read of a register nobody set, or a write of the frame pointer. */
export function unitRegFault(g: Gen): void {
  if (!g.fault(1)) return unitStack(g);
  g.features.add('reg-fault');
  const unset = g.kinds.map((k, r) => (k === 'unset' ? r : -1)).filter((r) => r >= 0);
  if (unset.length > 0 && g.chance(0.6)) g.emit(0xbf, g.reg('scalar'), g.pick(unset), 0, 0);
  else g.emit(0xbf, g.pick([10, 11, 15]), g.reg('scalar'), 0, 0);
}

/** A variable offset: a bounded (or not) scalar added to a pointer, then an access through it. */
export function unitVarOff(g: Gen): void {
  g.features.add('var-off');
  const ptr: Kind = g.pick(['fp', 'fp', 'mapval', 'ctx'] as Kind[]);
  if (ptr !== 'fp' && !g.kinds.includes(ptr) && !g.fault(0.3)) return unitStack(g);
  const s = g.reg('scalar');
  const t = 1 + g.int(9);
  g.emit(0xbf, t, s);
  if (!g.fault(0.3)) g.emit(0x57, t, 0, 0, g.pick([7, 15, 3, 0x38, 0xf8])); // t &= mask: bounded
  if (g.chance(0.5)) g.emit(0x17, t, 0, 0, g.pick([8, 16, 64, 32])); // and moved below the frame
  const base = ptr === 'fp' ? 10 : g.reg(ptr);
  const d = g.int(9) + 1;
  if (d !== t) {
    g.emit(0xbf, d, base);
    g.emit(g.chance(0.8) ? 0x0f : 0x1f, d, t);
  }
  const sz = g.pick(SIZES);
  const at = d === t ? base : d;
  if (g.chance(0.6)) {
    const r = g.reg('scalar');
    g.emit(0x61 | sz, r, at, g.pick([0, -8, 4]), 0);
    g.setKind(r, 'scalar');
  } else g.emit(0x63 | sz, at, g.reg('scalar'), g.pick([0, -8, 4]), 0);
  g.setKind(t, 'scalar');
  if (d !== t) g.setKind(d, ptr);
}

/** Helpers that take a buffer and its size (probe_read_kernel, ringbuf_output): sizes zero, negative, unbounded, too large. */
export function unitMemArg(g: Gen): void {
  g.features.add('mem-arg');
  const ring = g.maps.findIndex((m) => m.map_type === 'BPF_MAP_TYPE_RINGBUF');
  const useRing = ring >= 0 && g.chance(0.5);
  const buf = useRing ? 2 : 1;
  const size = useRing ? 3 : 2;
  if (useRing) {
    g.emit(0x18, 1, 1, 0, ring + 1);
    g.emit(0, 0, 0, 0, 0);
  }
  const where = g.int(4);
  if (where <= 1 || !g.kinds.includes('mapval')) {
    g.emit(0xbf, buf, 10, 0, 0);
    g.emit(0x07, buf, 0, 0, g.pick([-64, -32, -8, -512, -520, -4]));
  } else if (where === 2) g.emit(0xbf, buf, g.reg('mapval'), 0, 0);
  else g.emit(0xbf, buf, g.reg('ctx'), 0, 0);
  const sz = g.int(4);
  if (sz === 0) g.emit(0xb7, size, 0, 0, g.pick([0, 8, 32, 64, 65, 512, 600, -1]));
  else {
    g.emit(0x61, size, g.reg('ctx'), g.pick([0, 8]), 0); // an unknown value
    if (sz === 2) g.emit(0x57, size, 0, 0, g.pick([7, 63, 0xff])); // bounded above, may be 0
    if (sz === 3) g.emit(0x07, size, 0, 0, g.pick([-8, 1])); // may be negative
  }
  if (useRing) g.emit(0xb7, 4, 0, 0, 0);
  else g.emit(0xbf, 3, g.reg(g.pick(['fp', 'scalar', 'ctx'] as Kind[])), 0, 0);
  g.emit(0x85, 0, 0, 0, useRing ? 130 : 113);
  g.nondeterministic = true;
  for (let r = 1; r <= 5; r++) g.setKind(r, 'unset');
  g.setKind(0, 'scalar');
}

/** Legacy packet loads of socket filters (BPF_LD | BPF_ABS / BPF_IND): they need the skb in r6. */
export function unitLdAbs(g: Gen): void {
  g.features.add('ld_abs');
  if (g.chance(0.8)) g.emit(0xbf, 6, 1);
  const size = g.pick([0x00, 0x08, 0x10, 0x18]);
  if (g.chance(0.5)) g.emit(0x20 | size, 0, g.fault(0.1) ? 1 : 0, 0, g.pick([0, 12, 14, 23, -1, 0x7fffffff, 1 << 20]));
  else g.emit(0x40 | size, 0, g.reg('scalar'), 0, g.pick([0, 2, 14, -4]));
  for (let r = 1; r <= 5; r++) g.setKind(r, 'unset');
  g.setKind(0, 'scalar');
  g.setKind(6, 'ctx');
}

/** A pointer stored where it may leak: a map value, the context, or returned. */
export function unitLeak(g: Gen): void {
  g.features.add('leak');
  const ptr = g.reg(g.pick(['fp', 'ctx', 'map', 'mapval'] as Kind[]));
  const f = g.int(3);
  if (f === 0 && g.kinds.includes('mapval')) g.emit(0x7b, g.reg('mapval'), ptr, 0, 0);
  else if (f === 1) g.emit(0x7b, g.reg('ctx'), ptr, 8, 0);
  else {
    g.emit(0xbf, 0, ptr);
    g.emit(0x95);
    g.nondeterministic = true; // r0 may be an address: no retval comparison
  }
}
