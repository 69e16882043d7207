/**
 * The minimiser: shrinks a program on which the kernel and the model disagree to a smallest program with the
 * same disagreement class (kind, kernel template, model template). Delta debugging over instruction slots
 * (an ld_imm64 pair is one slot): delete chunks of halving size with every jump and call offset that crosses a
 * deletion re-aimed, replace single slots by the nop `ja +0`, drop the nops, then simplify immediates and
 * offsets to 0 or 1; the maps go when the class does not need them. Each round's candidates are asked of the
 * kernel in one batch.
 */
import type { BpfInsn } from '../../engines/bpf';
import { decodeInsns, encodeInsns } from '../../engines/bpf';
import type { FuzzProgram } from './generator';
import type { Comparison } from './runner';

/** Compares candidates on both sides (one kernel batch). */
export type Evaluate = (progs: readonly FuzzProgram[]) => Comparison[];

/** Which field of an instruction holds a pc-relative target, if any. */
function relField(i: BpfInsn): 'off' | 'imm' | undefined {
  const cls = i.code & 7;
  if (i.code === 0x18 && i.src_reg === 4) return 'imm'; // ld_imm64 of a subprogram address
  if (cls !== 5 && cls !== 6) return undefined;
  const op = i.code & 0xf0;
  if (op === 0x90) return undefined; // exit
  if (op === 0x80) return i.src_reg === 1 ? 'imm' : undefined; // bpf-to-bpf call
  return i.code === 0x06 ? 'imm' : 'off'; // gotol keeps its offset in imm
}

/** The slots (start, length) of a program: ld_imm64 takes two. */
function slotsOf(insns: readonly BpfInsn[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < insns.length;) {
    const n = insns[i]!.code === 0x18 && i + 1 < insns.length ? 2 : 1;
    out.push([i, n]);
    i += n;
  }
  return out;
}

/** Deletes instructions, re-aiming every relative jump or call at the same instruction (or the next kept one). */
export function deleteInsns(insns: readonly BpfInsn[], del: ReadonlySet<number>): BpfInsn[] {
  const newIdx: number[] = [];
  let n = 0;
  for (let i = 0; i <= insns.length; i++) {
    newIdx.push(n);
    if (i < insns.length && !del.has(i)) n++;
  }
  const out: BpfInsn[] = [];
  insns.forEach((ins, i) => {
    if (del.has(i)) return;
    const c = { ...ins };
    const f = relField(ins);
    if (f !== undefined) {
      const t = i + ins[f] + 1;
      const nt = t >= 0 && t <= insns.length ? newIdx[t]! : t < 0 ? t : n + (t - insns.length);
      const v = nt - newIdx[i]! - 1;
      c[f] = f === 'off' ? (v << 16) >> 16 : v | 0;
    }
    out.push(c);
  });
  return out;
}

const NOP: BpfInsn = { code: 0x05, dst_reg: 0, src_reg: 0, off: 0, imm: 0 };

/** Shrinks `p` while `evaluate` keeps giving the class `cls`; returns the smallest program found. */
export function minimise(p0: FuzzProgram, cls: string, evaluate: Evaluate, maxRounds = 60): FuzzProgram {
  let p = p0;
  // Without the maps, when they do not matter to the class.
  if (p.maps.length > 0 && evaluate([{ ...p, maps: [] }])[0]?.cls === cls) p = { ...p, maps: [] };
  const withInsns = (insns: readonly BpfInsn[]): FuzzProgram => ({ ...p, bytes: encodeInsns(insns) });
  let cur = decodeInsns(p.bytes);
  let rounds = 0;
  /** The first candidate that keeps the class, or undefined. */
  const first = (cands: BpfInsn[][]): BpfInsn[] | undefined => {
    if (cands.length === 0 || rounds++ >= maxRounds) return undefined;
    const res = evaluate(cands.map(withInsns));
    const at = res.findIndex((c) => c.cls === cls);
    return at >= 0 ? cands[at] : undefined;
  };
  // 1. ddmin over slots: delete chunks.
  let parts = 2;
  for (;;) {
    const slots = slotsOf(cur);
    if (slots.length <= 1) break;
    parts = Math.min(parts, slots.length);
    const size = Math.ceil(slots.length / parts);
    const cands: BpfInsn[][] = [];
    for (let s = 0; s < slots.length; s += size) {
      const del = new Set<number>();
      for (const [a, n] of slots.slice(s, s + size)) for (let k = 0; k < n; k++) del.add(a + k);
      cands.push(deleteInsns(cur, del));
    }
    const hit = first(cands);
    if (hit) {
      cur = hit;
      parts = Math.max(parts - 1, 2);
    } else if (parts >= slots.length || rounds >= maxRounds) break;
    else parts = Math.min(parts * 2, slots.length);
  }
  // 2. Single slots to `ja +0` (keeps every offset), then the nops deleted.
  for (let pass = 0; pass < 8; pass++) {
    const slots = slotsOf(cur).filter(
      ([a]) =>
        !(
          cur[a]!.code === 0x05 &&
          cur[a]!.off === 0 &&
          cur[a]!.imm === 0 &&
          cur[a]!.src_reg === 0 &&
          cur[a]!.dst_reg === 0
        ),
    );
    const cands = slots.map(([a, n]) => {
      const c = cur.map((i) => ({ ...i }));
      for (let k = 0; k < n; k++) c[a + k] = { ...NOP };
      return c;
    });
    const hit = first(cands);
    if (!hit) break;
    cur = hit;
  }
  const nops = new Set(
    cur
      .map((i, n) => (i.code === 0x05 && i.off === 0 && i.imm === 0 && i.src_reg === 0 && i.dst_reg === 0 ? n : -1))
      .filter((n) => n >= 0),
  );
  if (nops.size > 0) {
    const hit = first([deleteInsns(cur, nops), ...[...nops].map((n) => deleteInsns(cur, new Set([n])))]);
    if (hit) cur = hit;
  }
  // 3. Immediates and offsets to 0 or 1 (not those that aim a jump or a call).
  for (let pass = 0; pass < 12; pass++) {
    const cands: BpfInsn[][] = [];
    cur.forEach((ins, n) => {
      const rel = relField(ins);
      for (const f of ['imm', 'off'] as const) {
        if (f === rel || ins[f] === 0 || ins[f] === 1) continue;
        if (n > 0 && cur[n - 1]!.code === 0x18 && f === 'off') continue;
        // An fd_array index (ld_imm64 src 5, 6) past the maps makes the kernel read past the array: not repeatable.
        if (ins.code === 0x18 && (ins.src_reg === 5 || ins.src_reg === 6) && f === 'imm') continue;
        for (const v of [0, 1]) {
          const c = cur.map((i) => ({ ...i }));
          c[n]![f] = v;
          cands.push(c);
        }
      }
    });
    const hit = first(cands);
    if (!hit) break;
    cur = hit;
  }
  return withInsns(cur);
}
