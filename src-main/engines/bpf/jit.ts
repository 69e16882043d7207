/**
 * The BPF JIT (arch/x86/net/bpf_jit_comp.c's role): compiles a program into one JavaScript function that V8
 * optimises. Registers become 22 int32 locals (hi/lo halves), basic blocks become `case` labels of a switch in a
 * loop, the instruction budget is charged once per block, and every memory access keeps the interpreter's bounds
 * check (stack accesses through an unmodified r10 with a constant offset are checked at compile time).
 * When the budget cannot cover a whole block the JIT hands the run over to the interpreter, so the count of
 * executed instructions, the results and the faults are identical in both engines.
 */
import * as alu from './alu64';
import { interpExec } from './interpreter';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_CALL,
  BPF_CLASS,
  BPF_EXIT,
  BPF_FETCH,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_ST,
  BPF_MAX_LOOPS,
  BPF_MODE,
  BPF_OP,
  BPF_SIZE,
  BPF_SRC,
  BPF_STX,
  BPF_X,
  MAX_BPF_STACK,
  MAX_CALL_FRAMES,
  bpfSizeBytes,
} from './isa';
import { REGION_HI_BASE } from './memory';
import { CS_WORDS } from './vm';
import type { BpfExecFn, BpfVm, LoadedInsns } from './vm';

/** Largest program the JIT compiles; longer ones run in the interpreter. */
export const JIT_MAX_INSNS = 1 << 16;

const L = (r: number): string => `r${r}l`;
const H = (r: number): string => `r${r}h`;

/** Instructions that start a basic block. */
export function blockLeaders(p: LoadedInsns): Uint8Array {
  const lead = new Uint8Array(p.len + 1);
  lead[0] = 1;
  for (const f of p.funcStarts) lead[f] = 1;
  for (let pc = 0; pc < p.len; pc++) {
    const c = p.code[pc]!;
    const cls = BPF_CLASS(c);
    if (c === (BPF_LD | 0x18)) {
      pc++;
      continue;
    }
    if (cls !== BPF_JMP && cls !== BPF_JMP32) continue;
    lead[pc + 1] = 1;
    const op = BPF_OP(c);
    if (op === BPF_CALL) {
      if (c === 0x85 && p.src[pc] === 1) lead[pc + p.imm[pc]! + 1] = 1;
    } else if (op !== BPF_EXIT) {
      lead[pc + (c === 0x06 ? p.imm[pc]! : p.off[pc]!) + 1] = 1;
    }
  }
  return lead;
}

/** True when no instruction can change r10, so r10 always equals the current frame pointer. */
export function r10ReadOnly(p: LoadedInsns): boolean {
  for (let pc = 0; pc < p.len; pc++) {
    const c = p.code[pc]!;
    const cls = BPF_CLASS(c);
    if ((cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_LDX || c === 0x18) && p.dst[pc] === 10) return false;
    if (cls === BPF_STX && BPF_MODE(c) === 0xc0 && p.imm[pc]! & BPF_FETCH && p.src[pc] === 10) return false;
    if (c === 0x18) pc++;
  }
  return true;
}

function u32(n: number): string {
  return String(n >>> 0);
}

function genAlu(p: LoadedInsns, pc: number): string {
  const c = p.code[pc]!;
  const d = p.dst[pc]!;
  const s = p.src[pc]!;
  const off = p.off[pc]!;
  const imm = p.imm[pc]!;
  const x = BPF_SRC(c) === BPF_X;
  const op = BPF_OP(c);
  const dl = L(d);
  const dh = H(d);
  const bl = x ? L(s) : String(imm);
  const bh = x ? H(s) : String(imm >> 31);
  const blu = x ? `(${L(s)} >>> 0)` : u32(imm);
  if (BPF_CLASS(c) === BPF_ALU64) {
    switch (op) {
      case 0x00:
        return `t = (${dl} >>> 0) + ${blu}; ${dh} = (${dh} + ${bh} + (t > 4294967295 ? 1 : 0)) | 0; ${dl} = t | 0;`;
      case 0x10:
        return `t = ${dl}; ${dl} = (t - ${bl}) | 0; ${dh} = (${dh} - ${bh} - ((t >>> 0) < ${blu} ? 1 : 0)) | 0;`;
      case 0x20:
        return `mul64(${dh}, ${dl}, ${bh}, ${bl}); ${dl} = OUT[0]; ${dh} = OUT[1];`;
      case 0x30:
        return `${off === 1 ? 'sdiv64' : 'udiv64'}(${dh}, ${dl}, ${bh}, ${bl}); ${dl} = OUT[0]; ${dh} = OUT[1];`;
      case 0x90:
        return `${off === 1 ? 'smod64' : 'umod64'}(${dh}, ${dl}, ${bh}, ${bl}); ${dl} = OUT[0]; ${dh} = OUT[1];`;
      case 0x40:
        return `${dl} |= ${bl}; ${dh} |= ${bh};`;
      case 0x50:
        return `${dl} &= ${bl}; ${dh} &= ${bh};`;
      case 0xa0:
        return `${dl} ^= ${bl}; ${dh} ^= ${bh};`;
      case 0x60:
      case 0x70:
      case 0xc0: {
        const fn = op === 0x60 ? 'lsh64' : op === 0x70 ? 'rsh64' : 'arsh64';
        if (x) return `${fn}(${dh}, ${dl}, ${L(s)}); ${dl} = OUT[0]; ${dh} = OUT[1];`;
        const n = imm & 63;
        if (n === 0) return '';
        if (op === 0x60) {
          return n < 32
            ? `${dh} = (${dh} << ${n}) | (${dl} >>> ${32 - n}); ${dl} = ${dl} << ${n};`
            : `${dh} = ${dl} << ${n - 32}; ${dl} = 0;`;
        }
        if (op === 0x70) {
          return n < 32
            ? `${dl} = (${dl} >>> ${n}) | (${dh} << ${32 - n}); ${dh} = ${dh} >>> ${n} | 0;`
            : `${dl} = ${dh} >>> ${n - 32} | 0; ${dh} = 0;`;
        }
        return n < 32
          ? `${dl} = (${dl} >>> ${n}) | (${dh} << ${32 - n}); ${dh} = ${dh} >> ${n};`
          : `${dl} = ${dh} >> ${n - 32}; ${dh} = ${dh} >> 31;`;
      }
      case 0x80:
        return `t = ${dl}; ${dl} = -t | 0; ${dh} = (-${dh} - (t !== 0 ? 1 : 0)) | 0;`;
      case 0xb0:
        if (!x) return `${dl} = ${imm}; ${dh} = ${imm >> 31};`;
        if (off === 0) return d === s ? '' : `${dl} = ${L(s)}; ${dh} = ${H(s)};`;
        if (off === 8) return `${dl} = (${L(s)} << 24) >> 24; ${dh} = ${dl} >> 31;`;
        if (off === 16) return `${dl} = (${L(s)} << 16) >> 16; ${dh} = ${dl} >> 31;`;
        return `${dl} = ${L(s)}; ${dh} = ${dl} >> 31;`;
      case 0xd0:
        if (imm === 16) return `${dl} = bswap16(${dl} & 0xffff); ${dh} = 0;`;
        if (imm === 32) return `${dl} = bswap32(${dl}); ${dh} = 0;`;
        return `t = ${dl}; ${dl} = bswap32(${dh}); ${dh} = bswap32(t);`;
    }
  } else {
    const b = bl;
    let e: string;
    switch (op) {
      case 0x00:
        e = `(${dl} + ${b}) | 0`;
        break;
      case 0x10:
        e = `(${dl} - ${b}) | 0`;
        break;
      case 0x20:
        e = `Math.imul(${dl}, ${b})`;
        break;
      case 0x30:
        e = `${off === 1 ? 'sdiv32' : 'udiv32'}(${dl}, ${b})`;
        break;
      case 0x90:
        e = `${off === 1 ? 'smod32' : 'umod32'}(${dl}, ${b})`;
        break;
      case 0x40:
        e = `${dl} | ${b}`;
        break;
      case 0x50:
        e = `${dl} & ${b}`;
        break;
      case 0xa0:
        e = `${dl} ^ ${b}`;
        break;
      case 0x60:
        e = x ? `${dl} << (${b} & 31)` : `${dl} << ${imm & 31}`;
        break;
      case 0x70:
        e = x ? `(${dl} >>> (${b} & 31)) | 0` : `(${dl} >>> ${imm & 31}) | 0`;
        break;
      case 0xc0:
        e = x ? `${dl} >> (${b} & 31)` : `${dl} >> ${imm & 31}`;
        break;
      case 0x80:
        e = `-${dl} | 0`;
        break;
      case 0xb0:
        e = !x ? String(imm) : off === 8 ? `(${L(s)} << 24) >> 24` : off === 16 ? `(${L(s)} << 16) >> 16` : L(s);
        break;
      default:
        // BPF_END: to-le is a truncation on this little-endian machine, to-be a swap.
        if (BPF_SRC(c) === 0) {
          if (imm === 16) return `${dl} &= 0xffff; ${dh} = 0;`;
          return imm === 32 ? `${dh} = 0;` : '';
        }
        if (imm === 16) return `${dl} = bswap16(${dl} & 0xffff); ${dh} = 0;`;
        if (imm === 32) return `${dl} = bswap32(${dl}); ${dh} = 0;`;
        return `t = ${dl}; ${dl} = bswap32(${dh}); ${dh} = bswap32(t);`;
    }
    return `${dl} = ${e}; ${dh} = 0;`;
  }
  return '';
}

function genCond(p: LoadedInsns, pc: number): string {
  const c = p.code[pc]!;
  const d = p.dst[pc]!;
  const s = p.src[pc]!;
  const imm = p.imm[pc]!;
  const x = BPF_SRC(c) === BPF_X;
  const al = L(d);
  const ah = H(d);
  const bl = x ? L(s) : String(imm);
  const bh = x ? H(s) : String(imm >> 31);
  const alu = `(${al} >>> 0)`;
  const blu = x ? `(${L(s)} >>> 0)` : u32(imm);
  const ahu = `(${ah} >>> 0)`;
  const bhu = x ? `(${H(s)} >>> 0)` : u32(imm >> 31);
  const op = BPF_OP(c);
  if (BPF_CLASS(c) === BPF_JMP32) {
    switch (op) {
      case 0x10:
        return `${al} === ${bl}`;
      case 0x50:
        return `${al} !== ${bl}`;
      case 0x40:
        return `(${al} & ${bl}) !== 0`;
      case 0x20:
        return `${alu} > ${blu}`;
      case 0x30:
        return `${alu} >= ${blu}`;
      case 0xa0:
        return `${alu} < ${blu}`;
      case 0xb0:
        return `${alu} <= ${blu}`;
      case 0x60:
        return `${al} > ${bl}`;
      case 0x70:
        return `${al} >= ${bl}`;
      case 0xc0:
        return `${al} < ${bl}`;
      default:
        return `${al} <= ${bl}`;
    }
  }
  switch (op) {
    case 0x10:
      return `${al} === ${bl} && ${ah} === ${bh}`;
    case 0x50:
      return `${al} !== ${bl} || ${ah} !== ${bh}`;
    case 0x40:
      return `((${al} & ${bl}) | (${ah} & ${bh})) !== 0`;
    case 0x20:
      return `(${ah} === ${bh} ? ${alu} > ${blu} : ${ahu} > ${bhu})`;
    case 0x30:
      return `(${ah} === ${bh} ? ${alu} >= ${blu} : ${ahu} > ${bhu})`;
    case 0xa0:
      return `(${ah} === ${bh} ? ${alu} < ${blu} : ${ahu} < ${bhu})`;
    case 0xb0:
      return `(${ah} === ${bh} ? ${alu} <= ${blu} : ${ahu} < ${bhu})`;
    case 0x60:
      return `(${ah} === ${bh} ? ${alu} > ${blu} : ${ah} > ${bh})`;
    case 0x70:
      return `(${ah} === ${bh} ? ${alu} >= ${blu} : ${ah} > ${bh})`;
    case 0xc0:
      return `(${ah} === ${bh} ? ${alu} < ${blu} : ${ah} < ${bh})`;
    default:
      return `(${ah} === ${bh} ? ${alu} <= ${blu} : ${ah} < ${bh})`;
  }
}

/** Code that leaves the region in `rg` and the offset in `o` for an access of n bytes at base + off, or faults. */
function genAddr(base: number, off: number, n: number, store: boolean, pc: number, fastStack: boolean): string {
  if (fastStack && base === 10) {
    const o = MAX_BPF_STACK + off;
    if (o >= 0 && o + n <= MAX_BPF_STACK) return `rg = stk; o = ${o};`;
  }
  const neg = off < 0 ? 'o < 0 || ' : '';
  const ro = store ? ' || !rg.writable' : '';
  return `o = (${L(base)} >>> 0) + ${off}; rg = regions[(${H(base)} - ${REGION_HI_BASE}) | 0]; if (rg === undefined || ${neg}o + ${n} > rg.size${ro}) { rg = vm.accessCarry(${pc}, ${store}, ${H(base)}, o, ${n}); o = vm.carryOff; }`;
}

function genMem(p: LoadedInsns, pc: number, fastStack: boolean): string {
  const c = p.code[pc]!;
  const d = p.dst[pc]!;
  const s = p.src[pc]!;
  const off = p.off[pc]!;
  const imm = p.imm[pc]!;
  const cls = BPF_CLASS(c);
  const n = bpfSizeBytes(BPF_SIZE(c));
  if (cls === BPF_LDX) {
    const a = genAddr(s, off, n, false, pc, fastStack);
    const dl = L(d);
    const dh = H(d);
    if (BPF_MODE(c) === 0x80) {
      const get = n === 4 ? 'rg.dv.getInt32(o, true)' : n === 2 ? 'rg.dv.getInt16(o, true)' : 'rg.dv.getInt8(o)';
      return `${a} ${dl} = ${get}; ${dh} = ${dl} >> 31;`;
    }
    if (n === 8) return `${a} ${dl} = rg.dv.getInt32(o, true); ${dh} = rg.dv.getInt32(o + 4, true);`;
    const get = n === 4 ? 'rg.dv.getInt32(o, true)' : n === 2 ? 'rg.dv.getUint16(o, true)' : 'rg.u8[o]';
    return `${a} ${dl} = ${get}; ${dh} = 0;`;
  }
  const a = genAddr(d, off, n, true, pc, fastStack);
  if (cls === BPF_STX && BPF_MODE(c) === 0xc0) {
    const sl = L(s);
    const sh = H(s);
    let body = `ol = rg.dv.getInt32(o, true); oh = ${n === 8 ? 'rg.dv.getInt32(o + 4, true)' : '0'}; `;
    switch (imm & 0xf0) {
      case 0x00:
        body += `t = (ol >>> 0) + (${sl} >>> 0); nl = t | 0; nh = (oh + ${sh} + (t > 4294967295 ? 1 : 0)) | 0;`;
        break;
      case 0x40:
        body += `nl = ol | ${sl}; nh = oh | ${sh};`;
        break;
      case 0x50:
        body += `nl = ol & ${sl}; nh = oh & ${sh};`;
        break;
      case 0xa0:
        body += `nl = ol ^ ${sl}; nh = oh ^ ${sh};`;
        break;
      case 0xe0:
        body += `nl = ${sl}; nh = ${sh};`;
        break;
      default: {
        const eq = n === 8 ? `r0l === ol && r0h === oh` : `r0l === ol`;
        body += `if (${eq}) { nl = ${sl}; nh = ${sh}; } else { nl = ol; nh = oh; } r0l = ol; r0h = oh;`;
      }
    }
    body += ` rg.dv.setInt32(o, nl, true);`;
    if (n === 8) body += ` rg.dv.setInt32(o + 4, nh, true);`;
    if (imm & BPF_FETCH && imm !== 0xf1) body += ` ${sl} = ol; ${sh} = oh;`;
    return `${a} ${body}`;
  }
  const vl = cls === BPF_STX ? L(s) : String(imm);
  const vh = cls === BPF_STX ? H(s) : String(imm >> 31);
  if (n === 8) return `${a} rg.dv.setInt32(o, ${vl}, true); rg.dv.setInt32(o + 4, ${vh}, true);`;
  if (n === 4) return `${a} rg.dv.setInt32(o, ${vl}, true);`;
  if (n === 2) return `${a} rg.dv.setInt16(o, ${vl}, true);`;
  return `${a} rg.u8[o] = ${vl};`;
}

const SPILL_ARGS = [1, 2, 3, 4, 5].map((r) => `R[${2 * r}] = ${L(r)}; R[${2 * r + 1}] = ${H(r)};`).join(' ');
/** After a call, r1..r5 as the call left them: unchanged, or garbage in a soundness run (BpfVmOptions.poison). */
/** BPF_EXIT: the program's end, or back to the caller with its r6..r9 and frame. */
const GEN_EXIT =
  `if (depth === 0) { mode = 0; break loop; } depth--; q = depth * ${CS_WORDS}; pc = cs[q];` +
  [6, 7, 8, 9].map((r, k) => ` ${L(r)} = cs[q + ${1 + 2 * k}]; ${H(r)} = cs[q + ${2 + 2 * k}];`).join('') +
  ` stk = stacks[base + depth]; r10l = ${MAX_BPF_STACK}; r10h = fpHis[base + depth]; continue loop;`;
const RELOAD_ARGS = [1, 2, 3, 4, 5].map((r) => `${L(r)} = R[${2 * r}]; ${H(r)} = R[${2 * r + 1}];`).join(' ');

/** Instructions per generated function: V8 stops optimising functions whose bytecode grows past ~60 KB. */
export const JIT_CHUNK_INSNS = 192;

/** Start pcs of the chunks a program is split into (each chunk start is also a block leader). */
function chunkStarts(p: LoadedInsns, lead: Uint8Array): number[] {
  const starts = [0];
  let last = 0;
  for (let pc = 0; pc < p.len; pc++) {
    if (pc - last >= JIT_CHUNK_INSNS && p.code[pc - 1] !== 0x18) {
      starts.push(pc);
      lead[pc] = 1;
      last = pc;
    }
  }
  return starts;
}

/**
 * Generates the body of the function for the chunk [from, to): a switch over its block leaders inside a loop.
 * A jump to a pc outside the chunk leaves through `default` with mode 2, and the dispatcher continues there.
 * Modes: 0 = the invocation's outermost frame exited, 1 = out of budget for a block (hand over to the
 * interpreter), 2 = continue at st[0] in another chunk.
 */
export function jitChunkSource(p: LoadedInsns, lead: Uint8Array, from: number, to: number, fast: boolean): string {
  const out: string[] = [];
  const usesMayGoto = p.code.includes(0xe5);
  const regs = Array.from({ length: 11 }, (_, r) => `${L(r)} = R[${2 * r}], ${H(r)} = R[${2 * r + 1}]`).join(', ');
  out.push(`let ${regs};`);
  out.push(
    'const regions = vm.space.regions; const stacks = vm.stacks; const fpHis = vm.fpHis; const mg = vm.mayGoto;',
  );
  out.push('let depth = st[1], left = vm.left, t = 0, o = 0, ol = 0, oh = 0, nl = 0, nh = 0, q = 0, mode = 2;');
  out.push('let stk = stacks[base + depth], rg = stk;');
  out.push('loop: for (;;) { switch (pc) {');
  for (let pc = from; pc < to; pc++) {
    if (lead[pc]) {
      let n = 0;
      for (let k = pc; k < p.len; k++) {
        if (k > pc && lead[k]) break;
        n++;
        const c = p.code[k]!;
        if (c === 0x18) k++;
        const cls = BPF_CLASS(c);
        if (cls === BPF_JMP || cls === BPF_JMP32) break;
      }
      out.push(`case ${pc}: if (left < ${n}) { pc = ${pc}; mode = 1; break loop; } left -= ${n};`);
    }
    const c = p.code[pc]!;
    const cls = BPF_CLASS(c);
    const d = p.dst[pc]!;
    if (cls === BPF_ALU || cls === BPF_ALU64) {
      out.push(genAlu(p, pc));
    } else if (cls === BPF_LDX || cls === BPF_ST || cls === BPF_STX) {
      out.push(genMem(p, pc, fast));
    } else if (c === 0x18) {
      out.push(`${L(d)} = ${p.lo64[pc]}; ${H(d)} = ${p.hi64[pc]};`);
      pc++;
    } else if (cls === BPF_LD) {
      // BPF_LD_[ABS|IND]: r0 = the packet's bytes, r1..r5 clobbered; outside the packet the frame exits with r0 = 0.
      const srcLo = (c & 0xe0) === 0x40 ? L(p.src[pc]!) : '0';
      out.push(
        `q = vm.ldAbs(${c}, ${H(6)}, ${L(6)}, ${srcLo}, ${p.imm[pc]}); if (vm.poison) { vm.poisonRegs(R, 1, 5); ${RELOAD_ARGS} }` +
          ` r0h = 0; if (q < 0) { r0l = 0; ${GEN_EXIT} } r0l = q | 0;`,
      );
    } else if (cls === BPF_JMP || cls === BPF_JMP32) {
      const op = BPF_OP(c);
      if (c === (BPF_JMP | BPF_EXIT)) {
        out.push(GEN_EXIT);
      } else if (op === BPF_CALL) {
        const s = p.src[pc]!;
        if (c === 0x85 && s === 1) {
          const t = pc + p.imm[pc]! + 1;
          out.push(
            `if (base + depth + 1 >= ${MAX_CALL_FRAMES}) vm.callDepthFault(${pc}, base + depth + 2); q = depth * ${CS_WORDS}; cs[q] = ${pc + 1};` +
              [6, 7, 8, 9].map((r, k) => ` cs[q + ${1 + 2 * k}] = ${L(r)}; cs[q + ${2 + 2 * k}] = ${H(r)};`).join('') +
              ` depth++; stk = stacks[base + depth]; r10l = ${MAX_BPF_STACK}; r10h = fpHis[base + depth];` +
              (usesMayGoto ? ` mg[base + depth] = ${BPF_MAX_LOOPS};` : '') +
              ` pc = ${t}; continue loop;`,
          );
        } else {
          const call =
            c === 0x8d
              ? `vm.callx(${pc}, ${H(d)}, ${L(d)}, R);`
              : s === 0
                ? `vm.callHelper(${pc}, ${p.imm[pc]}, R);`
                : `vm.callKfunc(${pc}, ${p.imm[pc]}, R);`;
          out.push(`${SPILL_ARGS} vm.left = left; ${call} left = vm.left; r0l = R[0]; r0h = R[1]; ${RELOAD_ARGS}`);
        }
      } else if (op === BPF_JA) {
        const t = pc + (cls === BPF_JMP32 ? p.imm[pc]! : p.off[pc]!) + 1;
        out.push(`pc = ${t}; continue loop;`);
      } else if (c === 0xe5) {
        const t = pc + p.off[pc]! + 1;
        out.push(`q = base + depth; if (mg[q] === 0) { pc = ${t}; continue loop; } mg[q]--;`);
      } else {
        const t = pc + p.off[pc]! + 1;
        out.push(`if (${genCond(p, pc)}) { pc = ${t}; continue loop; }`);
      }
    }
  }
  // Falling off the end of the chunk continues in the next one.
  out.push(`pc = ${to}; mode = 2; break loop;`);
  out.push('default: mode = 2; break loop; } }');
  out.push(Array.from({ length: 11 }, (_, r) => `R[${2 * r}] = ${L(r)}; R[${2 * r + 1}] = ${H(r)};`).join(' '));
  out.push('vm.left = left; st[0] = pc; st[1] = depth; return mode;');
  return out.join('\n');
}

/** A compiled chunk: runs from pc, returns a mode and leaves the next pc and depth in st. */
type JitChunk = (vm: BpfVm, R: Int32Array, pc: number, cs: Int32Array, st: Int32Array, base: number) => number;

const runtime: Record<string, unknown> = { ...alu };
const RT_NAMES = Object.keys(runtime);

/** Compiles a program, or returns undefined when it is too long or code generation is unavailable (CSP). */
export function jitCompile(p: LoadedInsns): BpfExecFn | undefined {
  if (p.len > JIT_MAX_INSNS) return undefined;
  const lead = blockLeaders(p);
  const starts = chunkStarts(p, lead);
  const fast = r10ReadOnly(p);
  const chunks: JitChunk[] = [];
  const chunkOf = new Int32Array(p.len + 1);
  try {
    starts.forEach((from, i) => {
      const to = starts[i + 1] ?? p.len;
      chunkOf.fill(i, from, to);
      const body = jitChunkSource(p, lead, from, to, fast);
      const factory = new Function(
        ...RT_NAMES,
        `return function bpf_jit_${i}(vm, R, pc, cs, st, base) {\n${body}\n};`,
      ) as (...rt: unknown[]) => JitChunk;
      chunks.push(factory(...RT_NAMES.map((k) => runtime[k])));
    });
  } catch (e) {
    if (e instanceof EvalError) return undefined; // code generation disallowed (a CSP without 'unsafe-eval')
    throw e;
  }
  chunkOf[p.len] = chunks.length - 1;
  const single = chunks.length === 1 ? chunks[0]! : undefined;
  return (vm, R, pc, cs, depth, base) => {
    const st = new Int32Array(2);
    st[1] = depth;
    for (;;) {
      const mode = single ? single(vm, R, pc, cs, st, base) : chunks[chunkOf[pc]!]!(vm, R, pc, cs, st, base);
      pc = st[0]!;
      if (mode === 2) continue;
      if (mode === 1) interpExec(vm, R, pc, cs, st[1]!, base);
      return;
    }
  };
}

const cache = new WeakMap<LoadedInsns, BpfExecFn>();

/** An exec function that JIT-compiles the program on first use (falling back to the interpreter). */
export const jitExec: BpfExecFn = (vm: BpfVm, regs, pc, cs, depth, base) => {
  let fn = cache.get(vm.prog);
  if (!fn) {
    fn = jitCompile(vm.prog) ?? interpExec;
    cache.set(vm.prog, fn);
  }
  fn(vm, regs, pc, cs, depth, base);
};
