/**
 * Variants of the checks bpf_check() makes before and around its walk (kernel/bpf/verifier.c, Linux 6.18):
 * add_subprog_and_kfunc(), check_subprogs(), resolve_pseudo_ldimm64() (LDX modes, every ld_imm64 form, the
 * opcode table), check_cfg(), and the per-instruction checks of do_check() that only reachable instructions meet.
 * Each variant is a whole program with the maps it names; load-checks.test.ts compares the model's answer with
 * the running kernel's, or with LOAD_CHECKS_KERNEL (load-checks.kernel.ts) where the kernel cannot be asked.
 */
import type { FuzzMap, FuzzProgram } from '../../../oracle/fuzz/generator';
import { KFUNC_BTF_ID } from '../helpers';

/** One variant: its name (the key of the recorded answer) and the program. */
export interface LoadVariant {
  name: string;
  prog: FuzzProgram;
}

type Insn = [code: number, dst: number, src: number, off: number, imm: number];

function bytes(insns: readonly Insn[]): Uint8Array {
  const b = new Uint8Array(insns.length * 8);
  const dv = new DataView(b.buffer);
  insns.forEach(([code, dst, src, off, imm], i) => {
    b[i * 8] = code;
    b[i * 8 + 1] = (src << 4) | dst;
    dv.setInt16(i * 8 + 2, off, true);
    dv.setInt32(i * 8 + 4, imm, true);
  });
  return b;
}

export const MAPS: Record<string, FuzzMap> = {
  hash: { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 4 },
  array4: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 16, max_entries: 4 },
  array1: { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 32, max_entries: 1 },
  ringbuf: { map_type: 'BPF_MAP_TYPE_RINGBUF', key_size: 0, value_size: 0, max_entries: 4096 },
};

const prog = (insns: readonly Insn[], maps: FuzzMap[] = []): FuzzProgram => ({
  bytes: bytes(insns),
  prog_type: 'syscall',
  maps,
  features: [],
});

const R0_0: Insn = [0xb7, 0, 0, 0, 0];
const EXIT: Insn = [0x95, 0, 0, 0, 0];

/**
 * Every ld_imm64 form the oracle may load: a map by fd (src 1/2, which the oracle passes by fd_array index) or by
 * index (src 5/6) of every map type, with second immediates at the boundaries of the map value and of
 * BPF_MAX_VAR_OFF; constants and function addresses (src 0/4); a bad second slot; and the order against an
 * unknown opcode before or after it.
 */
export function ldImm64Variants(): LoadVariant[] {
  const out: LoadVariant[] = [];
  const imm2s = [0, 4, 31, 32, 1 << 28, (1 << 29) - 1, 1 << 29, -1];
  for (const [mname, m] of Object.entries(MAPS)) {
    for (const src of [1, 2, 5, 6]) {
      const imm = src === 1 || src === 2 ? 1 : 0;
      for (const imm2 of imm2s) {
        const ld: Insn[] = [
          [0x18, 1, src, 0, imm],
          [0, 0, 0, 0, imm2],
        ];
        out.push({ name: `ld src${src} ${mname} imm2=${imm2}`, prog: prog([...ld, R0_0, EXIT], [m]) });
        // The lookup runs in resolve_pseudo_ldimm64()'s walk with the opcode check: whichever comes first.
        out.push({
          name: `ld src${src} ${mname} imm2=${imm2} then bad opcode`,
          prog: prog([...ld, [0xff, 0, 0, 0, 0], R0_0, EXIT], [m]),
        });
        out.push({
          name: `bad opcode then ld src${src} ${mname} imm2=${imm2}`,
          prog: prog([R0_0, [0x8f, 0, 0, 0, 0], ...ld, EXIT], [m]),
        });
      }
      // A second slot that is not all zero but its imm, and an ld_imm64 as the last instruction.
      for (const [k, slot] of [
        ['code', [0x07, 0, 0, 0, 0]],
        ['dst', [0, 1, 0, 0, 0]],
        ['src', [0, 0, 1, 0, 0]],
        ['off', [0, 0, 0, 1, 0]],
      ] as const) {
        out.push({
          name: `ld src${src} ${mname} second slot ${k}`,
          prog: prog([[0x18, 1, src, 0, imm], slot as Insn, R0_0, EXIT], [m]),
        });
      }
      out.push({
        name: `ld src${src} ${mname} reserved off`,
        prog: prog([[0x18, 1, src, 1, imm], [0, 0, 0, 0, 0], R0_0, EXIT], [m]),
      });
      out.push({
        name: `ld src${src} ${mname} bad dst`,
        prog: prog([[0x18, 11, src, 0, imm], [0, 0, 0, 0, 0], R0_0, EXIT], [m]),
      });
    }
    // The map pointer or value used: a value read at the start, a map pointer read (not memory).
    out.push({
      name: `ld src2 ${mname} read`,
      prog: prog([[0x18, 1, 2, 0, 1], [0, 0, 0, 0, 0], [0x61, 0, 1, 0, 0], EXIT], [m]),
    });
    out.push({
      name: `ld src1 ${mname} read`,
      prog: prog([[0x18, 1, 1, 0, 1], [0, 0, 0, 0, 0], [0x61, 0, 1, 0, 0], EXIT], [m]),
    });
  }
  for (const imm of [0, 1, 2, 3, -1, 100]) {
    // src 4: a function address; its target must be a subprogram start inside the program.
    out.push({
      name: `ld src4 imm=${imm}`,
      prog: prog([[0x18, 1, 4, 0, imm], [0, 0, 0, 0, 0], R0_0, EXIT, R0_0, EXIT]),
    });
  }
  out.push({ name: 'ld src0 last insn', prog: prog([R0_0, EXIT, [0x18, 1, 0, 0, 0]]) });
  out.push({ name: 'ld src0 second slot code', prog: prog([[0x18, 1, 0, 0, 0], [0x18, 0, 0, 0, 0], R0_0, EXIT]) });
  return out;
}

/** Field variants of one instruction: all zero but the opcode, then one field set (a register past R10 included). */
const FIELDS: readonly [string, (code: number) => Insn][] = [
  ['zero', (c) => [c, 0, 0, 0, 0]],
  ['dst=11', (c) => [c, 11, 0, 0, 0]],
  ['src=11', (c) => [c, 0, 11, 0, 0]],
  ['off=1', (c) => [c, 0, 0, 1, 0]],
  ['imm=1', (c) => [c, 0, 0, 0, 1]],
];

/**
 * Every opcode byte with every field variant, placed where the walk reaches it (after `r0 = 0`, r1 the context)
 * and where it does not (after the exit): what Linux checks before its walk applies to both, what do_check()
 * checks only to the first. An ld_imm64 opcode (0x18) takes its zero second slot.
 */
export function opcodeVariants(): LoadVariant[] {
  const out: LoadVariant[] = [];
  for (let code = 0; code < 256; code++) {
    for (const [fname, mk] of FIELDS) {
      const x = mk(code);
      const tail: Insn[] = code === 0x18 ? [x, [0, 0, 0, 0, 0]] : [x];
      const hex = code.toString(16).padStart(2, '0');
      out.push({ name: `op ${hex} ${fname} reachable`, prog: prog([R0_0, ...tail, R0_0, EXIT]) });
      out.push({ name: `op ${hex} ${fname} unreachable`, prog: prog([R0_0, EXIT, ...tail, EXIT]) });
    }
  }
  return out;
}

/**
 * kfunc calls with an off (add_kfunc_call(), find_kfunc_desc_btf()): a module BTF by its fd in fd_array[off], with
 * no fd_array (no maps), an index that names a map, and one past the maps (the oracle's fd_array holds -1 there).
 */
export function kfuncOffsetVariants(): LoadVariant[] {
  const out: LoadVariant[] = [];
  const id = KFUNC_BTF_ID.bpf_iter_num_destroy;
  const sets: Record<string, FuzzMap[]> = { none: [], one: [MAPS['hash']!], two: [MAPS['hash']!, MAPS['array4']!] };
  for (const [sname, maps] of Object.entries(sets)) {
    for (const off of [-32768, -1, 1, 2, 5, 32767]) {
      out.push({ name: `kfunc off=${off} maps=${sname}`, prog: prog([[0x85, 0, 2, off, id], R0_0, EXIT], maps) });
      out.push({
        name: `kfunc off=${off} maps=${sname} unreachable`,
        prog: prog([R0_0, EXIT, [0x85, 0, 2, off, id], EXIT], maps),
      });
    }
    out.push({ name: `kfunc off=1 bad id maps=${sname}`, prog: prog([[0x85, 0, 2, 1, 7], R0_0, EXIT], maps) });
    out.push({ name: `kfunc off=0 bad id maps=${sname}`, prog: prog([[0x85, 0, 2, 0, 7], R0_0, EXIT], maps) });
    // imm 0: libbpf's poisoned call of an unresolved weak kfunc, refused only where the walk reaches it.
    out.push({ name: `kfunc imm=0 reached maps=${sname}`, prog: prog([R0_0, [0x85, 0, 2, 0, 0], EXIT], maps) });
    out.push({
      name: `kfunc imm=0 dead maps=${sname}`,
      prog: prog([R0_0, [0x15, 0, 0, 1, 0], [0x85, 0, 2, 0, 0], EXIT], maps),
    });
    out.push({ name: `kfunc imm=0 r0 unset maps=${sname}`, prog: prog([[0x85, 0, 2, 0, 0], EXIT], maps) });
    out.push({ name: `kfunc imm=0 off=1 maps=${sname}`, prog: prog([R0_0, [0x85, 0, 2, 1, 0], EXIT], maps) });
  }
  return out;
}

/**
 * check_subprogs() and check_cfg() around an lddw: jumps of every kind (ja, gotol, a conditional jump, may_goto), a
 * bpf-to-bpf call and a function address, to every target from before the program to past its end (into the
 * lddw's second slot too).
 */
export function cfgVariants(): LoadVariant[] {
  const out: LoadVariant[] = [];
  const jumps: Record<string, (t: number) => Insn> = {
    ja: (t) => [0x05, 0, 0, t, 0],
    gotol: (t) => [0x06, 0, 0, 0, t],
    jeq: (t) => [0x15, 0, 0, t, 0],
    may_goto: (t) => [0xe5, 0, 0, t, 0],
    call: (t) => [0x85, 0, 1, 0, t],
  };
  for (let t = -3; t <= 5; t++) {
    for (const [jname, mk] of Object.entries(jumps)) {
      out.push({
        name: `cfg ${jname} ${t}`,
        prog: prog([R0_0, mk(t), [0x18, 0, 0, 0, 0], [0, 0, 0, 0, 0], EXIT, R0_0, EXIT]),
      });
    }
    out.push({ name: `cfg func ${t}`, prog: prog([R0_0, [0x18, 2, 4, 0, t], [0, 0, 0, 0, 0], EXIT, R0_0, EXIT]) });
  }
  return out;
}

/**
 * check_ld_abs() in a socket filter (and in a type without an skb): every BPF_LD mode x size code with each field
 * set, R6 the context, unset, a scalar or the context moved; BPF_IND's source register unset or set.
 */
export function ldAbsVariants(): LoadVariant[] {
  const out: LoadVariant[] = [];
  const r6: Record<string, Insn[]> = {
    ctx: [[0xbf, 6, 1, 0, 0]],
    unset: [],
    scalar: [[0xb7, 6, 0, 0, 1]],
    moved: [
      [0xbf, 6, 1, 0, 0],
      [0x07, 6, 0, 0, 4],
    ],
  };
  for (const code of [0x20, 0x28, 0x30, 0x38, 0x40, 0x48, 0x50, 0x58]) {
    for (const [fname, mk] of FIELDS) {
      for (const [rname, pre] of Object.entries(r6)) {
        for (const srcSet of [false, true]) {
          const x = mk(code);
          if (fname === 'src=11' && srcSet) continue;
          if (srcSet && fname !== 'src=11') x[2] = 2;
          const body: Insn[] = [...pre, ...(srcSet ? [[0xb7, 2, 0, 0, 3] as Insn] : []), x, [0xbf, 0, 0, 0, 0], EXIT];
          body[body.length - 2] = [0xb7, 0, 0, 0, 0];
          const hex = code.toString(16);
          out.push({
            name: `ldabs ${hex} ${fname} r6=${rname}${srcSet ? ' r2=3' : ''}`,
            prog: { ...prog(body), prog_type: 'socket_filter' },
          });
        }
      }
      out.push({
        name: `ldabs ${code.toString(16)} ${fname} xdp`,
        prog: { ...prog([[0xbf, 6, 1, 0, 0], mk(code), R0_0, EXIT]), prog_type: 'xdp' },
      });
    }
  }
  return out;
}
