/**
 * Assembler for the uBPF syntax used by the bpf_conformance suite (`mov %r0, 1`, `ldxw %r0, [%r1+4]`,
 * `jeq %r1, 0x10, label`, `lock fetch add [%r10-8], %r1`), with the suite's exact error messages.
 */
import { BpfAsmError } from './asm-error';
import type { AsmResult } from './asm-error';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_B,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_H,
  BPF_IMM,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_NEG,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_ST,
  BPF_STX,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  insn,
} from './isa';
import type { BpfInsn } from './isa';

const ALU_OPS: Record<string, number> = {
  add: 0x00,
  sub: 0x10,
  mul: 0x20,
  div: 0x30,
  sdiv: 0x30,
  or: 0x40,
  and: 0x50,
  lsh: 0x60,
  rsh: 0x70,
  neg: 0x80,
  mod: 0x90,
  smod: 0x90,
  xor: 0xa0,
  mov: 0xb0,
  arsh: 0xc0,
};
const JMP_OPS: Record<string, number> = {
  jeq: 0x10,
  jgt: 0x20,
  jge: 0x30,
  jset: 0x40,
  jne: 0x50,
  jsgt: 0x60,
  jsge: 0x70,
  jlt: 0xa0,
  jle: 0xb0,
  jslt: 0xc0,
  jsle: 0xd0,
};
const SIZES: Record<string, number> = { b: BPF_B, h: BPF_H, w: BPF_W, dw: BPF_DW };
const ATOMIC_OPS: Record<string, number> = { add: 0x00, or: 0x40, and: 0x50, xor: 0xa0 };

interface Tok {
  text: string;
  col: number;
}

interface Pending {
  slot: number;
  label: string;
  field: 'off' | 'imm';
  line: number;
  col: number;
}

/** Splits an operand list into tokens (a bracketed memory operand is one token even with spaces). */
function tokenize(line: string): Tok[] {
  const out: Tok[] = [];
  const re = /\[[^\]]*\]?|[^\s,]+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push({ text: m[0], col: m.index + 1 });
  return out;
}

/** Assembles uBPF-syntax source. Throws BpfAsmError with line and column. */
export function assembleUbpf(source: string): AsmResult {
  const insns: BpfInsn[] = [];
  const lines: number[] = [];
  const labels = new Map<string, number>();
  const pending: Pending[] = [];
  const srcLines = source.split(/\r?\n/);

  srcLines.forEach((raw, li) => {
    const lineNo = li + 1;
    const hash = raw.indexOf('#');
    const text = hash >= 0 ? raw.slice(0, hash) : raw;
    if (text.trim() === '') return;
    const toks = tokenize(text);
    const err = (msg: string, t?: Tok): never => {
      throw new BpfAsmError(msg, lineNo, t?.col ?? toks[0]?.col ?? 1);
    };
    if (toks.length === 0) return;
    const first = toks[0]!;
    if (first.text.endsWith(':') && toks.length === 1) {
      const name = first.text.slice(0, -1);
      if (labels.has(name)) err(`Duplicate label (${name}) detected at line ${lineNo}`, first);
      labels.set(name, insns.length);
      return;
    }
    const mnem = first.text;
    const ops = toks.slice(1);
    const emit = (i: BpfInsn): void => {
      insns.push(i);
      lines.push(lineNo);
    };
    const count = (n: number): void => {
      if (ops.length !== n) err(`Invalid number of operands for mnemonic: ${mnem}`, first);
    };
    const reg = (t: Tok): number => {
      const m = /^%r(\d+)$/.exec(t.text);
      const n = m ? Number(m[1]) : -1;
      if (n < 0 || n > 15 || String(n) !== m![1]) err(`Invalid register: ${t.text}`, t);
      return n; // %r11..%r15 are accepted, as upstream does, so that negative tests can be written
    };
    const imm32 = (t: Tok): number => {
      const s = t.text;
      const neg = s.startsWith('-');
      const body = neg || s.startsWith('+') ? s.slice(1) : s;
      let v: bigint;
      if (/^0x[0-9a-f]+$/i.test(body)) {
        v = BigInt(body);
        if (v > 0xffffffffn) err(`Immediate out of 32-bit range: ${s}`, t);
      } else if (/^\d+$/.test(body)) {
        v = BigInt(body);
        if ((neg && v > 0x80000000n) || (!neg && v > 0x7fffffffn)) err(`Immediate out of 32-bit range: ${s}`, t);
      } else {
        return err(`Invalid immediate: ${s}`, t);
      }
      return Number(BigInt.asIntN(32, neg ? -v : v));
    };
    const imm64 = (t: Tok): bigint => {
      const s = t.text;
      const neg = s.startsWith('-');
      const body = neg ? s.slice(1) : s;
      if (!/^(0x[0-9a-f]+|\d+)$/i.test(body)) err(`Invalid immediate: ${s}`, t);
      const v = BigInt(body);
      if (v > 0xffffffffffffffffn) err(`Immediate out of 64-bit range: ${s}`, t);
      return BigInt.asUintN(64, neg ? -v : v);
    };
    const offset = (s: string, t: Tok): number => {
      const neg = s.startsWith('-');
      const body = neg || s.startsWith('+') ? s.slice(1) : s;
      if (!/^(0x[0-9a-f]+|\d+)$/i.test(body)) err(`Invalid offset: ${s}`, t);
      const v = Number(BigInt(body));
      if (v > 0xffff || (neg && v > 0x8000)) err(`Offset out of 16-bit range: ${body}`, t);
      return ((neg ? -v : v) << 16) >> 16;
    };
    const mem = (t: Tok): [number, number] => {
      const m = /^\[\s*(%?\w+)\s*(?:([+-])\s*(\w+))?\s*\]$/.exec(t.text);
      if (!m) return err(`Failed to decode register and offset: ${t.text}`, t);
      const r = reg({ text: m[1]!, col: t.col + 1 });
      return [r, m[2] ? offset(m[2] + m[3]!, t) : 0];
    };
    const target = (t: Tok, field: 'off' | 'imm'): number => {
      if (/^[+-]/.test(t.text)) {
        if (field === 'off') return offset(t.text, t);
        return imm32(t);
      }
      pending.push({ slot: insns.length, label: t.text, field, line: lineNo, col: t.col });
      return 0;
    };

    // lock [fetch] op[32] [mem], %src
    if (mnem === 'lock') {
      const fetch = ops[0]?.text === 'fetch';
      const rest = fetch ? ops.slice(1) : ops;
      if (rest.length !== 3) err('Invalid number of operands for lock', first);
      const opTok = rest[0]!;
      const is32 = opTok.text.endsWith('32');
      const opName = is32 ? opTok.text.slice(0, -2) : opTok.text;
      let imm: number;
      if (opName in ATOMIC_OPS) imm = ATOMIC_OPS[opName]! | (fetch ? BPF_FETCH : 0);
      else if (opName === 'xchg') imm = BPF_XCHG;
      else if (opName === 'cmpxchg') imm = BPF_CMPXCHG;
      else return err(`Invalid mnemonic: lock ${opTok.text}`, opTok);
      const [dst, off] = mem(rest[1]!);
      emit(insn(BPF_STX | BPF_ATOMIC | (is32 ? BPF_W : BPF_DW), dst, reg(rest[2]!), off, imm));
      return;
    }
    if (mnem === 'exit') {
      count(0);
      if (!labels.has('exit') && !insns.some((i) => i.code === (BPF_JMP | BPF_EXIT))) labels.set('exit', insns.length);
      emit(insn(BPF_JMP | BPF_EXIT));
      return;
    }
    if (mnem === 'lddw') {
      count(2);
      const v = imm64(ops[1]!);
      emit(insn(BPF_LD | BPF_IMM | BPF_DW, reg(ops[0]!), 0, 0, Number(BigInt.asIntN(32, v))));
      insns.push(insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))));
      lines.push(0);
      return;
    }
    if (mnem === 'ja') {
      count(1);
      emit(insn(BPF_JMP | BPF_JA, 0, 0, target(ops[0]!, 'off')));
      return;
    }
    if (mnem === 'ja32') {
      count(1);
      emit(insn(BPF_JMP32 | BPF_JA, 0, 0, 0, target(ops[0]!, 'imm')));
      return;
    }
    if (mnem === 'call') {
      if (ops.length === 1) {
        if (ops[0]!.text.startsWith('%')) emit(insn(BPF_JMP | BPF_CALL | BPF_X, reg(ops[0]!)));
        else emit(insn(BPF_JMP | BPF_CALL, 0, 0, 0, imm32(ops[0]!)));
        return;
      }
      count(2);
      const mode = ops[0]!.text;
      if (mode === 'local') emit(insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, target(ops[1]!, 'imm')));
      else if (mode === 'helper') emit(insn(BPF_JMP | BPF_CALL, 0, 0, 0, imm32(ops[1]!)));
      else if (mode === 'runtime') emit(insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, imm32(ops[1]!)));
      else err('Invalid call mode', ops[0]);
      return;
    }
    let m: RegExpExecArray | null;
    if ((m = /^(be|le|bswap|swap)(16|32|64)$/.exec(mnem))) {
      count(1);
      const code =
        m[1] === 'be'
          ? BPF_ALU | BPF_END | BPF_TO_BE
          : m[1] === 'le'
            ? BPF_ALU | BPF_END | BPF_TO_LE
            : BPF_ALU64 | BPF_END;
      emit(insn(code, reg(ops[0]!), 0, 0, Number(m[2])));
      return;
    }
    if ((m = /^movsx(8|16|32)(32|64)$/.exec(mnem)) && !(m[1] === '32' && m[2] === '32')) {
      count(2);
      const cls = m[2] === '64' ? BPF_ALU64 : BPF_ALU;
      emit(insn(cls | 0xb0 | BPF_X, reg(ops[0]!), reg(ops[1]!), Number(m[1])));
      return;
    }
    if ((m = /^ldx(s?)(b|h|w|dw)$/.exec(mnem)) && !(m[1] && m[2] === 'dw')) {
      count(2);
      const dst = reg(ops[0]!);
      const [src, off] = mem(ops[1]!);
      emit(insn(BPF_LDX | (m[1] ? BPF_MEMSX : BPF_MEM) | SIZES[m[2]!]!, dst, src, off));
      return;
    }
    if ((m = /^st(x?)(b|h|w|dw)$/.exec(mnem))) {
      count(2);
      const [dst, off] = mem(ops[0]!);
      if (m[1]) emit(insn(BPF_STX | BPF_MEM | SIZES[m[2]!]!, dst, reg(ops[1]!), off));
      else emit(insn(BPF_ST | BPF_MEM | SIZES[m[2]!]!, dst, 0, off, imm32(ops[1]!)));
      return;
    }
    if ((m = /^([a-z]+?)(32|64)?$/.exec(mnem)) && m[1]! in ALU_OPS) {
      const op = ALU_OPS[m[1]!]!;
      const cls = m[2] === '32' ? BPF_ALU : BPF_ALU64;
      const off = m[1] === 'sdiv' || m[1] === 'smod' ? 1 : 0;
      if (op === BPF_NEG) {
        count(1);
        emit(insn(cls | BPF_NEG | BPF_K, reg(ops[0]!)));
        return;
      }
      count(2);
      const dst = reg(ops[0]!);
      if (ops[1]!.text.startsWith('%')) emit(insn(cls | op | BPF_X, dst, reg(ops[1]!), off));
      else emit(insn(cls | op | BPF_K, dst, 0, off, imm32(ops[1]!)));
      return;
    }
    if ((m = /^([a-z]+?)(32)?$/.exec(mnem)) && m[1]! in JMP_OPS) {
      count(3);
      const cls = m[2] ? BPF_JMP32 : BPF_JMP;
      const dst = reg(ops[0]!);
      const x = ops[1]!.text.startsWith('%');
      const src = x ? reg(ops[1]!) : 0;
      const imm = x ? 0 : imm32(ops[1]!);
      emit(insn(cls | JMP_OPS[m[1]!]! | (x ? BPF_X : BPF_K), dst, src, target(ops[2]!, 'off'), imm));
      return;
    }
    err(`Invalid mnemonic: ${mnem}`, first);
  });

  for (const p of pending) {
    const at = labels.get(p.label);
    if (at === undefined) throw new BpfAsmError(`Invalid label: ${p.label}`, p.line, p.col);
    const rel = at - p.slot - 1;
    const i = insns[p.slot]!;
    if (p.field === 'off') {
      if (rel < -32768 || rel > 32767) throw new BpfAsmError(`Offset out of 16-bit range: ${rel}`, p.line, p.col);
      i.off = rel;
    } else {
      i.imm = rel;
    }
  }
  return { insns, lines, labels };
}
