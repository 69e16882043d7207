/**
 * Programs that vary, one class at a time, what outside checks found the verifier getting wrong against Linux
 * 6.18: BPF_K shift amounts, ALU32 result ranges, a pointer moved below its region and back by the offset, the
 * order of kfunc argument checks, instruction encodings, and the small printing/assembler ones. alu-classes.test.ts
 * loads each in the model and (where it can) in the running kernel; the kernel's answers are recorded there.
 */
import { createBpf } from '../index';
import type { BpfInsn } from '../isa';

/** One program: assembly (kernel syntax, `map[id:1]` names the test's array map) or instruction records. */
export interface ClassVariant {
  name: string;
  prog: string | readonly BpfInsn[];
  /** log_level 2, and the state line the kernel prints after this instruction is what is compared. */
  stateOf?: number;
}

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): BpfInsn => ({
  code,
  dst_reg: dst,
  src_reg: src,
  off,
  imm,
});
const MOV0 = I(0xb7);
const EXIT = I(0x95);

/** The test's map (fd/id 1): what `map[id:1]` names, in the kernel and in the model. */
export const ARRAY_MAP = { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 16, max_entries: 1 } as const;

/** 1. BPF_K shifts: LSH, RSH, ARSH × ALU, ALU64 × amounts at the boundaries. */
export function shiftVariants(): ClassVariant[] {
  const out: ClassVariant[] = [];
  for (const [op, name] of [
    [0x60, 'lsh'],
    [0x70, 'rsh'],
    [0xc0, 'arsh'],
  ] as const) {
    for (const [cls, w] of [
      [0x04, 32],
      [0x07, 64],
    ] as const) {
      for (const imm of [-1, 0, 31, 32, 63, 64, -0x80000000, 0x7fffffff]) {
        out.push({ name: `${name}${w} ${imm}`, prog: [MOV0, I(cls | op, 0, 0, 0, imm), EXIT] });
      }
    }
  }
  return out;
}

const ALU_OPS = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', '%=', '^=', 's>>=', 's/=', 's%='] as const;

/**
 * 2. Every ALU32 op × source kind on an unknown 32-bit value (r6) and a masked one (r7): an immediate, a register
 * holding a constant (in and out of shift range), an unknown register, and one whose low half only is known (r9).
 */
export function alu32Variants(): ClassVariant[] {
  const pre =
    'call bpf_get_prandom_u32\nr6 = r0\ncall bpf_get_prandom_u32\nr7 = r0\nr7 &= 7\nr9 = -1\nr9 <<= 40\nr9 |= 12\n';
  const out: ClassVariant[] = [];
  for (const op of ALU_OPS) {
    for (const d of ['w6', 'w7']) {
      for (const src of ['3', 'c2', 'c40', 'w7', 'w9']) {
        if (src === `w${d.slice(1)}`) continue;
        const extra = src.startsWith('c') ? `r1 = ${src.slice(1)}\n` : '';
        const s = src.startsWith('c') ? 'w1' : src;
        const asm = `${pre}${extra}${d} ${op} ${s}\nr0 = 0\nexit`;
        out.push({
          name: `${d} ${op} ${s}${extra ? ` (=${src.slice(1)})` : ''}`,
          prog: asm,
          stateOf: asm.split('\n').length - 3,
        });
      }
    }
  }
  return out;
}

/**
 * 2b. NEG, byte swaps, sign-extending and plain moves, division by zero constants, self-operations, on scalars of
 * several shapes (unknown, masked, negative, constants, a signed range) and on pointers.
 */
export function unaryVariants(): ClassVariant[] {
  const srcs: Record<string, string> = {
    unknown: 'call bpf_get_prandom_u32\nr6 = r0\n',
    masked: 'call bpf_get_prandom_u32\nr6 = r0\nr6 &= 0xff0\n',
    negative: 'call bpf_get_prandom_u32\nr6 = r0\nr6 |= -256\n',
    small: 'call bpf_get_prandom_u32\nr6 = r0\nr6 &= 7\nr6 -= 3\n',
    range: 'call bpf_get_prandom_u32\nr6 = r0\nr6 s>>= 40\n',
    const: 'r6 = 0x1234\n',
    fp: 'r6 = r10\nr6 += -8\n',
    ctx: 'r6 = r1\n',
  };
  const ops = [
    'r6 = -r6',
    'w6 = -w6',
    'r6 = be16 r6',
    'r6 = be32 r6',
    'r6 = be64 r6',
    'r6 = le16 r6',
    'r6 = le32 r6',
    'r6 = le64 r6',
    'r6 = bswap16 r6',
    'r6 = bswap32 r6',
    'r6 = bswap64 r6',
    'r7 = (s8)r6',
    'r7 = (s16)r6',
    'r7 = (s32)r6',
    'w7 = (s8)w6',
    'w7 = (s16)w6',
    'w7 = w6',
    'r7 = r6',
    'r6 s/= -1',
    'w6 s%= -1',
    'r6 /= r8',
    'w6 %= w8',
    'r6 -= r6',
    'r6 ^= r6',
    'r6 *= -1',
  ];
  const out: ClassVariant[] = [];
  for (const [kind, setup] of Object.entries(srcs)) {
    for (const op of ops) {
      const asm = `r8 = 0\n${setup}${op}\nr0 = 0\nexit`;
      out.push({ name: `${kind}: ${op}`, prog: asm, stateOf: asm.split('\n').length - 3 });
    }
  }
  return out;
}

/** 3. A map value / stack / ctx pointer moved out of its region by the register, and back by the instruction's offset. */
export function belowRegionVariants(): ClassVariant[] {
  const look =
    'r1 = 0\n*(u32 *)(r10 -4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall bpf_map_lookup_elem\nif r0 == 0 goto l\nr1 = r0\n';
  const out: ClassVariant[] = [];
  const sgn = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
  for (const [add, off] of [
    [-8, 8],
    [-8, 0],
    [-16, 16],
    [-1, 1],
    [8, -8],
    [20, -8],
    [-8, 20],
    [-24, 24],
  ] as const) {
    out.push({
      name: `map_value ${add} then load ${sgn(off)}`,
      prog: `${look}r1 += ${add}\nr0 = *(u64 *)(r1 ${sgn(off)})\nl:\nr0 = 0\nexit`,
    });
    out.push({
      name: `map_value ${add} then store ${sgn(off)}`,
      prog: `${look}r1 += ${add}\n*(u64 *)(r1 ${sgn(off)}) = r0\nl:\nr0 = 0\nexit`,
    });
  }
  const rnd = `${look}r6 = r0\ncall bpf_get_prandom_u32\nr1 = r6\nr0 &= 7\n`;
  for (const [setup, off] of [
    ['r0 = -r0', 8],
    ['r0 -= 8', 8],
    ['r0 -= 8', 16],
    ['r0 -= 7', 7],
  ] as const) {
    out.push({
      name: `map_value variable (${setup}) then load ${sgn(off)}`,
      prog: `${rnd}${setup}\nr1 += r0\nr0 = *(u8 *)(r1 ${sgn(off)})\nl:\nr0 = 0\nexit`,
    });
  }
  for (const [add, off] of [
    [-520, 8],
    [-520, 16],
    [8, -16],
    [-600, 100],
  ] as const) {
    out.push({
      name: `fp ${add} then store ${sgn(off)}`,
      prog: `r1 = r10\nr1 += ${add}\nr0 = 0\n*(u64 *)(r1 ${sgn(off)}) = r0\nexit`,
    });
  }
  for (const [add, off] of [
    [-8, 8],
    [8, -8],
  ] as const) {
    out.push({ name: `ctx ${add} then load ${sgn(off)}`, prog: `r1 += ${add}\nr0 = *(u64 *)(r1 ${sgn(off)})\nexit` });
  }
  return out;
}

/** Argument kinds put in register `r`, for the kfunc variants. r6 holds the context. */
const ARG_KINDS: Record<string, (r: string) => string> = {
  uninit: () => 'call bpf_get_prandom_u32\n', // clobbers r1-r5
  zero: (r) => `${r} = 0\n`,
  const5: (r) => `${r} = 5\n`,
  unknown: (r) => `call bpf_get_prandom_u32\n${r} = r0\n`,
  ctx: (r) => `${r} = r6\n`,
  ctx8: (r) => `${r} = r6\n${r} += 8\n`,
  fp8: (r) => `${r} = r10\n${r} += -8\n`,
  fp4: (r) => `${r} = r10\n${r} += -4\n`,
  fp0: (r) => `${r} = r10\n`,
  fpvar: (r) => `call bpf_get_prandom_u32\nr0 &= 8\n${r} = r10\n${r} += -16\n${r} += r0\n`,
  mapptr: (r) => `${r} = map[id:1]\n`,
  mapval: (r) =>
    `r1 = 0\n*(u32 *)(r10 -4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall bpf_map_lookup_elem\nif r0 == 0 goto out\n${r} = r0\n`,
  mapvalnull: (r) =>
    `r1 = 1\n*(u32 *)(r10 -4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall bpf_map_lookup_elem\n${r} = r0\n`,
};

/** 4. bpf_iter_num_{new,next,destroy} and bpf_iter_bits_new with each argument of each kind, the others valid. */
export function kfuncArgVariants(): ClassVariant[] {
  const tail = 'out:\nr0 = 0\nexit';
  const out: ClassVariant[] = [];
  for (const [kind, mk] of Object.entries(ARG_KINDS)) {
    for (const arg of [1, 2, 3]) {
      const valid: Record<number, string> = { 1: 'r1 = r10\nr1 += -16\n', 2: 'r2 = 0\n', 3: 'r3 = 3\n' };
      let s = `r6 = r1\n${mk(`r${arg}`)}`;
      for (const a of [1, 2, 3]) if (a !== arg) s += valid[a];
      out.push({
        name: `bpf_iter_num_new arg${arg} ${kind}`,
        prog: `${s}call bpf_iter_num_new\nr1 = r10\nr1 += -16\ncall bpf_iter_num_destroy\n${tail}`,
      });
    }
    for (const fn of ['next', 'destroy']) {
      const init = 'r1 = r10\nr1 += -16\nr2 = 0\nr3 = 3\ncall bpf_iter_num_new\n';
      out.push({
        name: `bpf_iter_num_${fn} arg1 ${kind}`,
        prog: `r6 = r1\n${init}${mk('r1')}call bpf_iter_num_${fn}\nr1 = r10\nr1 += -16\ncall bpf_iter_num_destroy\n${tail}`,
      });
    }
    for (const arg of [1, 3]) {
      const valid: Record<number, string> = { 1: 'r1 = r10\nr1 += -16\n', 2: 'r2 = r10\nr2 += -24\n', 3: 'r3 = 1\n' };
      let s = `r6 = r1\nr7 = 0\n*(u64 *)(r10 -24) = r7\n${mk(`r${arg}`)}`;
      for (const a of [1, 2, 3]) if (a !== arg) s += valid[a];
      out.push({
        name: `bpf_iter_bits_new arg${arg} ${kind}`,
        prog: `${s}call bpf_iter_bits_new\nr1 = r10\nr1 += -16\ncall bpf_iter_bits_destroy\n${tail}`,
      });
    }
  }
  // Two bad arguments: the kernel checks them in order, the iterator first.
  out.push({ name: 'bpf_iter_num_new ctx iterator and unset r2', prog: 'r3 = 3\ncall bpf_iter_num_new\nr0 = 0\nexit' });
  out.push({
    name: 'bpf_iter_num_new unset r2 and r3',
    prog: 'r1 = r10\nr1 += -16\ncall bpf_iter_num_new\nr0 = 0\nexit',
  });
  return out;
}

/** 5. Encodings: register numbers past r10, r10 written, reserved fields, unknown opcodes, jump and call targets. */
export function encodingVariants(): ClassVariant[] {
  const out: ClassVariant[] = [];
  const add = (name: string, ...ins: BpfInsn[]): void => void out.push({ name, prog: [MOV0, ...ins, EXIT] });
  for (const d of [10, 11, 15]) {
    add(`mov64 K dst=${d}`, I(0xb7, d, 0, 0, 1));
    add(`mov32 K dst=${d}`, I(0xb4, d, 0, 0, 1));
    add(`add64 K dst=${d}`, I(0x07, d, 0, 0, 1));
    add(`add64 X dst=${d}`, I(0x0f, d, 1, 0, 0));
    add(`neg64 dst=${d}`, I(0x87, d));
    add(`ldxdw dst=${d}`, I(0x79, d, 10, -8));
    add(`stdw dst=${d}`, I(0x7a, d, 0, -8));
    add(`stxdw dst=${d}`, I(0x7b, d, 0, -8));
    add(`jeq K dst=${d}`, I(0x15, d));
    add(`ldimm64 dst=${d}`, I(0x18, d, 0, 0, 1), I(0));
  }
  for (const s of [11, 15]) {
    add(`mov64 X src=${s}`, I(0xbf, 1, s));
    add(`add64 X src=${s}`, I(0x0f, 0, s));
    add(`ldxdw src=${s}`, I(0x79, 1, s));
    add(`stxdw src=${s}`, I(0x7b, 10, s, -8));
    add(`jeq X src=${s}`, I(0x1d, 0, s));
  }
  add('add64 K src=1', I(0x07, 0, 1, 0, 1));
  add('add64 K off=1', I(0x07, 0, 0, 1, 1));
  add('sdiv64 K off=1', I(0x37, 0, 0, 1, 1));
  add('add64 X imm=1', I(0x0f, 0, 1, 0, 1));
  add('mov64 K off=1', I(0xb7, 0, 0, 1, 1));
  add('mov64 X off=3', I(0xbf, 0, 0, 3));
  add('mov32 X off=32', I(0xbc, 0, 0, 32));
  add('neg64 imm=1', I(0x87, 0, 0, 0, 1));
  add('neg64 X', I(0x8f));
  add('end imm=8', I(0xd4, 0, 0, 0, 8));
  add('bswap64 X', I(0xdf, 0, 0, 0, 16));
  add('ldxdw imm=1', I(0x79, 0, 10, -8, 1));
  add('ldx mode imm', I(0x01, 0, 10));
  add('ldx memsx dw', I(0x99, 0, 10, -8));
  add('stdw src=1', I(0x7a, 10, 1, -8));
  add('stxdw imm=1', I(0x7b, 10, 0, -8, 1));
  add('jeq K src=1', I(0x15, 0, 1));
  add('jeq X imm=1', I(0x1d, 0, 0, 0, 1));
  add('ja imm=1', I(0x05, 0, 0, 0, 1));
  add('call dst=1', I(0x85, 1, 0, 0, 7));
  add('exit src=1', I(0x95, 0, 1));
  add('opcode 0xff', I(0xff));
  add('jmp32 call', I(0x86, 0, 0, 0, 7));
  add('ld abs', I(0x20));
  add('may_goto imm=1', I(0xe5, 0, 0, 0, 1));
  add('may_goto src=1', I(0xe5, 0, 1));
  add('ldimm64 off=1', I(0x18, 0, 0, 1, 1), I(0));
  add('ldimm64 src=7', I(0x18, 0, 7, 0, 1), I(0));
  add('ja out of range', I(0x05, 0, 0, 5));
  add('ja back out of range', I(0x05, 0, 0, -5));
  add('call pc out of range', I(0x85, 0, 1, 0, 100));
  add('unknown opcode then jump out', I(0xff), I(0x05, 0, 0, 9));
  add('kfunc btf_id 1', I(0x85, 0, 2, 0, 1));
  add('kfunc btf_id 1 then jump out', I(0x85, 0, 2, 0, 1), I(0x05, 0, 0, 9));
  add('helper 9999', I(0x85, 0, 0, 0, 9999));
  add('call src=3', I(0x85, 0, 3, 0, 1));
  out.push({ name: 'ja into an ldimm64', prog: [MOV0, I(0x05, 0, 0, 1), I(0x18, 0, 0, 0, 1), I(0), EXIT] });
  out.push({ name: 'ldimm64 last', prog: [MOV0, EXIT, I(0x18, 0, 0, 0, 1)] });
  out.push({
    name: 'jump into the next subprogram',
    prog: [I(0x85, 0, 1, 0, 2), MOV0, EXIT, I(0x05, 0, 0, -3), MOV0, EXIT],
  });
  out.push({ name: 'last insn not an exit', prog: [MOV0, MOV0] });
  return out;
}

/** 6. Pointer comparisons with 0 (which pointers reg_not_null() knows) and an array lookup with a constant key. */
/**
 * Pointer offsets past BPF_MAX_VAR_OFF (check_reg_sane_offset() on the scalar, the pointer and the result of
 * adjust_ptr_min_max_vals()): ctx, stack and map-value pointers moved by constants and by bounded, unsigned and
 * negated scalars near 2^28 and 2^29, once and twice.
 */
export function ptrOffsetVariants(): ClassVariant[] {
  const look =
    'r1 = 0\n*(u32 *)(r10 -4) = r1\nr2 = r10\nr2 += -4\nr1 = map[id:1]\ncall bpf_map_lookup_elem\nif r0 == 0 goto l\n';
  const bases: Record<string, string> = {
    ctx: 'r7 = *(u64 *)(r1 +0)\nr6 = r1\n',
    fp: 'r7 = *(u64 *)(r1 +0)\nr6 = r10\n',
    map_value: `r7 = *(u64 *)(r1 +0)\n${look}r6 = r0\n`,
  };
  const scalars: Record<string, string> = {
    u32: 'w3 = w7\n',
    '-u32': 'w3 = w7\nr3 = -r3\n',
    'byte+268435456': 'r3 = r7\nr3 &= 255\nr3 += 268435456\n',
    'byte+536870000': 'r3 = r7\nr3 &= 255\nr3 += 536870000\n',
    'byte+536870912': 'r3 = r7\nr3 &= 255\nr3 += 536870912\n',
    'byte-805306368': 'r3 = r7\nr3 &= 255\nr3 -= 805306368\n',
    'u32<<28': 'w3 = w7\nr3 <<= 28\n',
  };
  const out: ClassVariant[] = [];
  for (const [b, setup] of Object.entries(bases)) {
    for (const [k, sc] of Object.entries(scalars))
      for (const op of ['+= r3', '-= r3', '+= r3 twice'])
        out.push({
          name: `${b} ${op.replace('r3', k)}`,
          prog: `${setup}${sc}r6 ${op.replace(' twice', '')}\n${op.endsWith('twice') ? `r6 ${op.replace(' twice', '')}\n` : ''}l:\nr0 = 0\nexit`,
        });
    for (const c of [
      '+= 536870911 twice',
      '+= 536870912',
      '+= -536870912',
      '-= 536870911 twice',
      '+= -268435456 twice',
    ])
      out.push({
        name: `${b} ${c}`,
        prog: `${setup}r6 ${c.replace(' twice', '')}\n${c.endsWith('twice') ? `r6 ${c.replace(' twice', '')}\n` : ''}l:\nr0 = 0\nexit`,
      });
  }
  return out;
}

export function smallVariants(): ClassVariant[] {
  return [
    { name: 'fp == 0', prog: 'if r10 == 0 goto +0\nr0 = 0\nexit' },
    { name: 'ctx == 0', prog: 'if r1 == 0 goto +1\nr0 = 0\nr0 = 0\nexit' },
    { name: 'map_ptr == 0', prog: 'r2 = map[id:1]\nif r2 == 0 goto +1\nr0 = 0\nr0 = 0\nexit' },
    {
      name: 'array lookup, key 0 zeroed',
      prog: '*(u32 *)(r10 -4) = 0\nr1 = map[id:1]\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr0 = *(u32 *)(r0 +0)\nexit',
    },
    {
      name: 'array lookup, key 0 spilled',
      prog: 'r1 = 0\n*(u32 *)(r10 -4) = r1\nr1 = map[id:1]\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr0 = *(u32 *)(r0 +0)\nexit',
    },
    {
      name: 'array lookup, key past max_entries',
      prog: 'r1 = 1\n*(u32 *)(r10 -4) = r1\nr1 = map[id:1]\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr0 = *(u32 *)(r0 +0)\nexit',
    },
    {
      name: 'array lookup, unknown key',
      prog: 'call bpf_get_prandom_u32\n*(u32 *)(r10 -4) = r0\nr1 = map[id:1]\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem\nr0 = *(u32 *)(r0 +0)\nexit',
    },
    {
      name: 'r6 s>>= 40 (32-bit bounds from the 64-bit ones)',
      prog: 'call bpf_get_prandom_u32\nr6 = r0\nr6 <<= 32\nr6 |= r0\nr1 = 40\nr6 s>>= r1\nr0 = 0\nexit',
      stateOf: 5,
    },
    {
      name: 'tnum_mul of two ranges',
      prog: 'call bpf_get_prandom_u32\nr8 = r0\nr8 |= -16\nr9 = -1\nr9 <<= 40\nr9 |= 12\nr9 *= r8\nr0 = 0\nexit',
      stateOf: 6,
    },
  ];
}

/** What a load said, in one string: `ok`, `ERRNO first error line`, or for a stateOf variant the state printed after it. */
export function answerOf(
  v: ClassVariant,
  r: { ok: boolean; errno?: string | undefined; first?: string | undefined; log: string },
): string {
  if (!r.ok) return `${r.errno} ${r.first}`;
  if (v.stateOf === undefined) return 'ok';
  const line = r.log.split('\n').find((l) => l.startsWith(`${v.stateOf}: (`));
  return line?.includes('; ') ? line.slice(line.indexOf('; ') + 2) : `no state line for insn ${v.stateOf}`;
}

/** The model's answer (BpfEngine.verify with the test's array map as map 1). */
export function modelAnswer(v: ClassVariant): string {
  const bpf = createBpf();
  bpf.map_create({ ...ARRAY_MAP });
  const attr = typeof v.prog === 'string' ? { asm: v.prog } : { insns: v.prog };
  const r = bpf.verify({ ...attr, prog_type: 'raw_tp', log_level: v.stateOf === undefined ? 1 : 2 });
  return answerOf(v, { ok: r.ok, errno: r.errors[0]?.errno, first: r.errors[0]?.message, log: r.log });
}
