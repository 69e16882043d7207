/**
 * Assembler for the kernel's pseudo-C BPF syntax: what the verifier log, bpftool, `llvm-objdump -d` print and
 * what the kernel selftests' inline asm uses. It accepts the verifier-log line prefix (`12: (07) `), the
 * objdump prefix (`12: 07 01 00 00 f8 ff ff ff `), `;`, `//`, `#` and one-line block comments, labels
 * `name:`, and symbolic helpers, kfuncs, maps and subprograms.
 */
import { BpfAsmError } from './asm-error';
import type { AsmResult } from './asm-error';
import { helperIdByName } from './helper-ids';
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
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
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

/** Symbols the program may name. */
export interface KernelAsmOptions {
  /** Helper id by name (default: the kernel's enum bpf_func_id). */
  helperId?: (name: string) => number | undefined;
  /** kfunc BTF id by name (e.g. bpf_iter_num_new). */
  kfuncId?: (name: string) => number | undefined;
  /** Map fd by name, for `r1 = my_map ll` (emits BPF_PSEUDO_MAP_FD). */
  mapFd?: (name: string) => number | undefined;
}

interface Tok {
  t: string;
  col: number;
}

const ALU_OPS: Record<string, [number, number]> = {
  '+=': [0x00, 0],
  '-=': [0x10, 0],
  '*=': [0x20, 0],
  '/=': [0x30, 0],
  '|=': [0x40, 0],
  '&=': [0x50, 0],
  '<<=': [0x60, 0],
  '>>=': [0x70, 0],
  '%=': [0x90, 0],
  '^=': [0xa0, 0],
  's>>=': [0xc0, 0],
  's/=': [0x30, 1],
  's%=': [0x90, 1],
};
const JMP_OPS: Record<string, number> = {
  '==': 0x10,
  '>': 0x20,
  '>=': 0x30,
  '&': 0x40,
  '!=': 0x50,
  's>': 0x60,
  's>=': 0x70,
  '<': 0xa0,
  '<=': 0xb0,
  's<': 0xc0,
  's<=': 0xd0,
};
const SIZE: Record<string, number> = {
  u8: BPF_B,
  u16: BPF_H,
  u32: BPF_W,
  u64: BPF_DW,
  s8: BPF_B,
  s16: BPF_H,
  s32: BPF_W,
};
const ATOMIC_NAMES: Record<string, number> = { add: 0x00, and: 0x50, or: 0x40, xor: 0xa0 };

const OPS = [
  's>>=',
  's/=',
  's%=',
  's>=',
  's<=',
  's>',
  's<',
  '<<=',
  '>>=',
  '+=',
  '-=',
  '*=',
  '/=',
  '|=',
  '&=',
  '%=',
  '^=',
  '==',
  '!=',
  '>=',
  '<=',
  '=',
  '>',
  '<',
  '&',
  '*',
  '(',
  ')',
  '[',
  ']',
  ',',
  '+',
  '-',
  ':',
  '#',
];

function tokenize(s: string, line: number, colBase: number): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    const rest = s.slice(i);
    // "s>" etc. are operators only when the s stands alone.
    const sop = /^s(>>=|\/=|%=|>=|<=|>|<)/.exec(rest);
    if (sop && !/[\w]/.test(s[i - 1] ?? ' ')) {
      out.push({ t: sop[0], col: colBase + i });
      i += sop[0].length;
      continue;
    }
    const word = /^(map\[(?:id|idx):\d+\]|0x[0-9a-fA-F]+|\d+|[A-Za-z_.][\w.]*(?:\[\w+\])?)/.exec(rest);
    if (word) {
      let t = word[0];
      // %[name] from selftests' inline asm means name.
      if (t.startsWith('%')) t = t.replace(/^%\[?(\w+)\]?$/, '$1');
      out.push({ t, col: colBase + i });
      i += word[0].length;
      continue;
    }
    if (rest.startsWith('%[')) {
      const m = /^%\[(\w+)\]/.exec(rest);
      if (m) {
        out.push({ t: m[1]!, col: colBase + i });
        i += m[0].length;
        continue;
      }
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (!op) throw new BpfAsmError(`unexpected character '${ch}'`, line, colBase + i);
    out.push({ t: op, col: colBase + i });
    i += op.length;
  }
  return out;
}

interface Pending {
  slot: number;
  label: string;
  field: 'off' | 'imm';
  line: number;
  col: number;
}

/** Assembles pseudo-C source. Throws BpfAsmError with line and column. */
export function assembleKernel(source: string, opts: KernelAsmOptions = {}): AsmResult {
  const insns: BpfInsn[] = [];
  const lines: number[] = [];
  const labels = new Map<string, number>();
  // Every label of the source, so that `call name` reaches a local function defined further down even when a
  // kfunc of the same name exists.
  const labelNames = new Set([...source.matchAll(/^[ \t]*([A-Za-z_.][\w.]*)[ \t]*:/gm)].map((m) => m[1]!));
  const pending: Pending[] = [];
  /** The opcode a verifier-log/objdump prefix announces for the current line. */
  let wantCode: number | undefined;
  const helperId = (n: string): number | undefined => {
    const v = opts.helperId?.(n);
    if (v !== undefined) return v;
    const k = helperIdByName(n);
    return k > 0 ? k : undefined;
  };

  source.split(/\r?\n/).forEach((raw, li) => {
    const lineNo = li + 1;
    let text = raw.replace(/\/\*.*?\*\//g, (m) => ' '.repeat(m.length));
    const cut = text.search(/;|\/\/|#(?!\d)/);
    if (cut >= 0) text = text.slice(0, cut);
    if (text.includes('"')) text = text.replace(/"/g, ' ').replace(/\\n|\\t/g, '  ');
    // llvm-objdump decorations: section and symbol headers, `<LBB0_2>` target annotations.
    if (/^\s*(Disassembly of section|[0-9a-f]+ <[^>]*>:\s*$)/.test(text) || /^\s*\S+:\s+file format/.test(text)) return;
    text = text.replace(/\s<[\w.$@+-]+>\s*$/, '');
    let col = 1;
    let want: number | undefined;
    // Verifier-log or objdump prefix.
    const pre = /^(\s*\d+:\s*)(?:\(([0-9a-f]{2})\)\s*|((?:[0-9a-f]{2} ){7,15}[0-9a-f]{2})\s+)?/.exec(text);
    if (pre && (pre[2] !== undefined || pre[3] !== undefined || /^\s*\d+:\s*$/.test(pre[0]))) {
      if (pre[2]) want = parseInt(pre[2], 16);
      if (pre[3]) want = parseInt(pre[3].slice(0, 2), 16);
      col += pre[0].length;
      text = text.slice(pre[0].length);
    }
    let toks = tokenize(text, lineNo, col);
    // Labels (possibly followed by a statement).
    while (toks.length >= 2 && toks[1]!.t === ':' && /^[A-Za-z_.][\w.]*$/.test(toks[0]!.t)) {
      const name = toks[0]!.t;
      if (labels.has(name)) throw new BpfAsmError(`duplicate label '${name}'`, lineNo, toks[0]!.col);
      labels.set(name, insns.length);
      toks = toks.slice(2);
    }
    if (toks.length === 0) return;
    const start = insns.length;
    wantCode = want;
    parseStatement(toks, lineNo);
    if (want !== undefined && insns[start] && insns[start]!.code !== want) {
      throw new BpfAsmError(
        `opcode (${want.toString(16).padStart(2, '0')}) does not match the instruction (${insns[start]!.code.toString(16).padStart(2, '0')})`,
        lineNo,
        toks[0]!.col,
      );
    }
  });

  function parseStatement(toks: Tok[], lineNo: number): void {
    let p = 0;
    const err = (msg: string, t: Tok | undefined = toks[p] ?? toks[toks.length - 1]): never => {
      throw new BpfAsmError(msg, lineNo, t?.col ?? 1);
    };
    const peek = (k = 0): string | undefined => toks[p + k]?.t;
    const next = (): Tok => toks[p++] ?? err('unexpected end of line');
    const expect = (s: string): Tok => {
      const t = toks[p];
      if (t?.t !== s) err(t ? `expected '${s}', found '${t.t}'` : `expected '${s}' at end of line`, t);
      p++;
      return t!;
    };
    const end = (): void => {
      if (p < toks.length) err(`unexpected '${toks[p]!.t}'`);
    };
    const emit = (i: BpfInsn): void => {
      insns.push(i);
      lines.push(lineNo);
    };
    const isReg = (s: string | undefined): boolean => s !== undefined && /^[rw](10|[0-9])$/.test(s);
    const reg = (): { n: number; w: boolean; tok: Tok } => {
      const t = next();
      const m = /^([rw])(\d+)$/.exec(t.t);
      if (!m) return err(`expected a register, found '${t.t}'`, t);
      const n = Number(m[2]);
      if (n > 10 || String(n) !== m[2]) err(`invalid register ${t.t}`, t);
      return { n, w: m[1] === 'w', tok: t };
    };
    /** A signed or hex number; returns a bigint. */
    const num = (): bigint => {
      let neg = false;
      if (peek() === '-' || peek() === '+') neg = next().t === '-';
      const t = next();
      if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(t.t)) err(`expected a number, found '${t.t}'`, t);
      const v = BigInt(t.t);
      return neg ? -v : v;
    };
    const imm32 = (): number => {
      const t = toks[p]!;
      const v = num();
      if (v < -0x80000000n || v > 0xffffffffn) err(`immediate ${v} out of 32-bit range`, t);
      return Number(BigInt.asIntN(32, v));
    };
    const off16 = (v: bigint, t: Tok): number => {
      if (v < -32768n || v > 32767n) err(`offset ${v} out of 16-bit range`, t);
      return Number(v);
    };
    const target = (field: 'off' | 'imm'): number => {
      const t = toks[p];
      if (peek() === 'pc') p++;
      if (peek() === '+' || peek() === '-') {
        const v = num();
        return field === 'off' ? off16(v, t!) : Number(BigInt.asIntN(32, v));
      }
      const l = next();
      if (!/^[A-Za-z_.][\w.]*$/.test(l.t)) err(`expected a jump target, found '${l.t}'`, l);
      pending.push({ slot: insns.length, label: l.t, field, line: lineNo, col: l.col });
      return 0;
    };
    /** The offset after a base register: `+ 4`, `-8` (the kernel's printer), `+ -8` (a signed offset added); none is 0. */
    const memOff = (): number => {
      if (peek() !== '+' && peek() !== '-') return 0;
      const t = toks[p]!;
      const neg = next().t === '-';
      const v = num();
      return off16(neg ? -v : v, t);
    };
    /** `*(u32 *)(r1 + 4)` or `(u32 *)(r1 + 4)` after the leading `*`; returns size, base, off, signed. */
    const memRef = (): { size: number; base: number; off: number; signed: boolean } => {
      expect('(');
      const st = next();
      if (!(st.t in SIZE)) err(`expected u8/u16/u32/u64, found '${st.t}'`, st);
      expect('*');
      expect(')');
      expect('(');
      const base = reg();
      const off = memOff();
      expect(')');
      return { size: SIZE[st.t]!, base: base.n, off, signed: st.t.startsWith('s') };
    };
    /** `r1 + 0` / `r1 - 8` (LLVM's cmpxchg/xchg operand). */
    const regOff = (): { base: number; off: number } => {
      const base = reg();
      return { base: base.n, off: memOff() };
    };

    const first = toks[0]!;
    switch (first.t) {
      case 'exit':
        p++;
        end();
        emit(insn(BPF_JMP | BPF_EXIT));
        return;
      case 'may_goto': {
        p++;
        const v = target('off');
        end();
        emit(insn(BPF_JMP | 0xe0, 0, 0, v));
        return;
      }
      case 'goto':
      case 'gotol': {
        p++;
        const cls = first.t === 'gotol' ? BPF_JMP32 : BPF_JMP;
        const v = target(cls === BPF_JMP ? 'off' : 'imm');
        end();
        emit(cls === BPF_JMP ? insn(BPF_JMP | BPF_JA, 0, 0, v) : insn(BPF_JMP32 | BPF_JA, 0, 0, 0, v));
        return;
      }
      case 'if': {
        p++;
        const a = reg();
        const opTok = next();
        const op = JMP_OPS[opTok.t];
        if (op === undefined) err(`unknown comparison '${opTok.t}'`, opTok);
        const cls = a.w ? BPF_JMP32 : BPF_JMP;
        let src = 0;
        let imm = 0;
        let x = false;
        if (isReg(peek())) {
          const b = reg();
          if (b.w !== a.w) err(`mixing ${a.tok.t} and ${b.tok.t}`, b.tok);
          src = b.n;
          x = true;
        } else {
          imm = imm32();
        }
        expect('goto');
        const off = target('off');
        end();
        emit(insn(cls | op! | (x ? BPF_X : BPF_K), a.n, src, off, imm));
        return;
      }
      case 'callx': {
        p++;
        const r = reg();
        end();
        emit(insn(BPF_JMP | BPF_CALL | BPF_X, r.n));
        return;
      }
      case 'call': {
        p++;
        if (peek() === 'pc') {
          const v = target('imm');
          end();
          emit(insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, v));
          return;
        }
        if (/^\d|^0x/.test(peek() ?? '')) {
          const v = imm32();
          end();
          emit(insn(BPF_JMP | BPF_CALL, 0, 0, 0, v));
          return;
        }
        const nameTok = next();
        const name = nameTok.t;
        let id: number | undefined;
        if (peek() === '#') {
          p++;
          id = imm32();
        }
        end();
        if ((labels.has(name) || labelNames.has(name)) && id === undefined) {
          pending.push({ slot: insns.length, label: name, field: 'imm', line: lineNo, col: nameTok.col });
          emit(insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
          return;
        }
        const kf = opts.kfuncId?.(name);
        if (name === 'kernel-function' || (kf !== undefined && helperId(name) === undefined)) {
          const k = id ?? kf;
          if (k === undefined) err(`unknown kfunc '${name}'`, nameTok);
          emit(insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, k));
          return;
        }
        const h = id ?? (name === 'unknown' ? undefined : helperId(name));
        if (h !== undefined) {
          emit(insn(BPF_JMP | BPF_CALL, 0, 0, 0, h));
          return;
        }
        // Not a helper or kfunc: a local function defined further down.
        pending.push({ slot: insns.length, label: name, field: 'imm', line: lineNo, col: nameTok.col });
        emit(insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
        return;
      }
      case 'lock': {
        p++;
        expect('*');
        const m = memRef();
        const opTok = next();
        const op = { '+=': 0x00, '&=': 0x50, '|=': 0x40, '^=': 0xa0 }[opTok.t];
        if (op === undefined) err(`unknown atomic operation '${opTok.t}'`, opTok);
        const s = reg();
        end();
        if (m.size !== BPF_W && m.size !== BPF_DW) err('atomic operations are 32 or 64 bits wide', first);
        emit(insn(BPF_STX | BPF_ATOMIC | m.size, m.base, s.n, m.off, op!));
        return;
      }
      case '*': {
        // store: *(u32 *)(r1 + 4) = r2 | imm
        p++;
        const m = memRef();
        if (m.signed) err('stores take u8/u16/u32/u64', first);
        expect('=');
        if (isReg(peek())) {
          const s = reg();
          end();
          emit(insn(BPF_STX | BPF_MEM | m.size, m.base, s.n, m.off));
        } else {
          const v = imm32();
          end();
          emit(insn(BPF_ST | BPF_MEM | m.size, m.base, 0, m.off, v));
        }
        return;
      }
    }
    if (!isReg(first.t))
      err(/^[rw]\d+$/.test(first.t) ? `invalid register ${first.t}` : `unknown instruction '${first.t}'`, first);
    const d = reg();
    const cls = d.w ? BPF_ALU : BPF_ALU64;
    const opTok = next();
    if (opTok.t in ALU_OPS) {
      const [op, signed] = ALU_OPS[opTok.t]!;
      if (isReg(peek())) {
        const s = reg();
        if (s.w !== d.w) err(`mixing ${d.tok.t} and ${s.tok.t}`, s.tok);
        end();
        emit(insn(cls | op | BPF_X, d.n, s.n, signed));
      } else {
        const v = imm32();
        end();
        emit(insn(cls | op | BPF_K, d.n, 0, signed, v));
      }
      return;
    }
    if (opTok.t !== '=') err(`expected an assignment, found '${opTok.t}'`, opTok);
    const rhs = toks[p];
    if (!rhs) err('missing right-hand side', opTok);
    const r = rhs!.t;
    // Loads.
    if (r === '*') {
      p++;
      const m = memRef();
      end();
      if (m.signed && m.size === BPF_DW) err('no signed 64-bit load', rhs);
      emit(insn(BPF_LDX | (m.signed ? BPF_MEMSX : BPF_MEM) | m.size, d.n, m.base, m.off));
      return;
    }
    // Negation.
    if (r === '-' && isReg(peek(1))) {
      p++;
      const s = reg();
      end();
      if (s.n !== d.n || s.w !== d.w) err('negation is in place: rN = -rN', s.tok);
      emit(insn(cls | BPF_NEG | BPF_K, d.n));
      return;
    }
    // Sign-extending move.
    if (r === '(') {
      p++;
      const t = next();
      const bits = { s8: 8, s16: 16, s32: 32 }[t.t];
      if (bits === undefined) err(`expected s8/s16/s32, found '${t.t}'`, t);
      expect(')');
      const s = reg();
      end();
      if (bits === 32 && d.w) err('w registers take (s8) or (s16)', t);
      emit(insn(cls | 0xb0 | BPF_X, d.n, s.n, bits!));
      return;
    }
    // Byte swaps.
    const sw = /^(be|le|bswap)(16|32|64)$/.exec(r);
    if (sw) {
      p++;
      const s = reg();
      end();
      if (s.n !== d.n) err('byte swaps are in place: rN = be16 rN', s.tok);
      const code =
        sw[1] === 'bswap' ? BPF_ALU64 | BPF_END : BPF_ALU | BPF_END | (sw[1] === 'be' ? BPF_TO_BE : BPF_TO_LE);
      emit(insn(code, d.n, 0, 0, Number(sw[2])));
      return;
    }
    // Atomics with a result.
    const at = /^atomic(64)?_(fetch_(add|and|or|xor)|xchg|cmpxchg)$/.exec(r);
    const llvmAt = /^(cmpxchg|xchg)(32)?_(32|64)$/.exec(r);
    if (at || llvmAt) {
      p++;
      expect('(');
      let base: number, off: number, size: number;
      if (at) {
        const m = memRef();
        base = m.base;
        off = m.off;
        size = m.size;
      } else {
        ({ base, off } = regOff());
        size = llvmAt![3] === '64' ? BPF_DW : BPF_W;
      }
      expect(',');
      const kind = at ? at[2]! : llvmAt![1]!;
      let imm: number;
      if (kind === 'cmpxchg') {
        const r0 = reg();
        if (r0.n !== 0) err('cmpxchg compares with r0', r0.tok);
        expect(',');
        imm = BPF_CMPXCHG;
      } else {
        imm = kind === 'xchg' ? BPF_XCHG : ATOMIC_NAMES[at![3]!]! | BPF_FETCH;
      }
      const s = reg();
      expect(')');
      end();
      if (kind === 'cmpxchg' ? d.n !== 0 : d.n !== s.n)
        err(`the result register must be ${kind === 'cmpxchg' ? 'r0' : s.tok.t}`, d.tok);
      if (size !== BPF_W && size !== BPF_DW) err('atomic operations are 32 or 64 bits wide', rhs);
      emit(insn(BPF_STX | BPF_ATOMIC | size, base, s.n, off, imm));
      return;
    }
    // Register move.
    if (isReg(r)) {
      const s = reg();
      end();
      if (s.w !== d.w) err(`mixing ${d.tok.t} and ${s.tok.t}`, s.tok);
      emit(insn(cls | 0xb0 | BPF_X, d.n, s.n));
      return;
    }
    // 64-bit immediate loads with pseudo sources.
    const ld = (src: number, lo: number, hi: number): void => {
      if (d.w) err('64-bit loads need an r register', d.tok);
      emit(insn(BPF_LD | BPF_IMM | BPF_DW, d.n, src, 0, lo));
      insns.push(insn(0, 0, 0, 0, hi));
      lines.push(0);
    };
    const mp = /^map\[(id|idx):(\d+)\]$/.exec(r);
    if (mp) {
      p++;
      const isIdx = mp[1] === 'idx';
      let valueOff: number | undefined;
      if (peek() === '[') {
        p++;
        expect('0');
        expect(']');
        expect('+');
        valueOff = imm32();
      } else if (peek() === '+') {
        p++;
        valueOff = imm32();
      }
      end();
      const src = isIdx
        ? valueOff === undefined
          ? BPF_PSEUDO_MAP_IDX
          : BPF_PSEUDO_MAP_IDX_VALUE
        : valueOff === undefined
          ? BPF_PSEUDO_MAP_FD
          : BPF_PSEUDO_MAP_VALUE;
      ld(src, Number(mp[2]), valueOff ?? 0);
      return;
    }
    if (r === 'subprog') {
      p++;
      expect('[');
      const v = num();
      expect(']');
      end();
      ld(BPF_PSEUDO_FUNC, Number(BigInt.asIntN(32, v)), 0);
      return;
    }
    if (/^[A-Za-z_.][\w.]*$/.test(r) && r !== 'map') {
      // `r1 = name ll`: a map or a subprogram.
      p++;
      if (peek() === 'll') p++;
      end();
      const fd = opts.mapFd?.(r);
      if (fd !== undefined) {
        ld(BPF_PSEUDO_MAP_FD, fd, 0);
      } else {
        pending.push({ slot: insns.length, label: r, field: 'imm', line: lineNo, col: rhs!.col });
        ld(BPF_PSEUDO_FUNC, 0, 0);
      }
      return;
    }
    // Immediates.
    const v = num();
    let wide = false;
    if (peek() === 'll') {
      p++;
      wide = true;
    }
    if (peek() === 'btf_id') {
      p++;
      end();
      ld(3, Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
      return;
    }
    end();
    if (wide || want18(v)) {
      const u = BigInt.asUintN(64, v);
      if (v < -(1n << 63n) || v > 0xffffffffffffffffn) err(`immediate ${v} out of 64-bit range`, rhs);
      ld(0, Number(BigInt.asIntN(32, u)), Number(BigInt.asIntN(32, u >> 32n)));
      return;
    }
    if (v < -0x80000000n || v > 0xffffffffn) err(`immediate ${v} out of 32-bit range`, rhs);
    emit(insn(cls | 0xb0 | BPF_K, d.n, 0, 0, Number(BigInt.asIntN(32, v))));

    function want18(x: bigint): boolean {
      // Values that do not fit a sign-extended imm32 need lddw; so does a line the log marks as (18).
      if (d.w) return false;
      return x < -0x80000000n || x > 0x7fffffffn || wantCode === 0x18;
    }
  }

  for (const pd of pending) {
    const at = labels.get(pd.label);
    if (at === undefined) throw new BpfAsmError(`unknown label, helper or map '${pd.label}'`, pd.line, pd.col);
    const rel = at - pd.slot - 1;
    const i = insns[pd.slot]!;
    if (pd.field === 'off') {
      if (rel < -32768 || rel > 32767)
        throw new BpfAsmError(`jump to '${pd.label}' out of 16-bit range`, pd.line, pd.col);
      i.off = rel;
    } else {
      i.imm = rel;
    }
  }
  return { insns, lines, labels };
}
