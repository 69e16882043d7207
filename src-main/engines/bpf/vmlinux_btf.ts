/**
 * The model's own vmlinux BTF: the types its kernel kfuncs need, numbered as pahole numbers a kernel's BTF
 * (include/uapi/linux/btf.h: type ids count from 1 in emission order, 0 is void; a FUNC's id is what a kfunc
 * call's imm holds). A kernel build has its own numbering (bpf_iter_num_new is some 64-thousandth type of a
 * distribution's vmlinux, another number on the next build); the model is one more build, whose BTF holds only
 * these types, so its ids are small. The declarations are those of Linux 6.18: struct bpf_iter_num
 * (include/uapi/linux/bpf.h), struct bpf_iter_bits and the six kfuncs (kernel/bpf/bpf_iter.c, kernel/bpf/helpers.c),
 * each FUNC tagged `bpf_kfunc` as pahole tags __bpf_kfunc functions. Comparisons with a running kernel map the
 * kfuncs by name through that kernel's BTF; boot({ btf: 'host' }) takes the host's ids instead. The same build's
 * layouts of struct bpf_map and the map types' structs, which a map_ptr load reads, are in map_btf.ts (as layouts:
 * no id of them is ever shown).
 */

/** One type of the model's BTF (the kind-specific tail as plain fields). */
export type ModelBtfType =
  | { kind: 'INT'; name: string; size: number; signed?: boolean }
  | { kind: 'TYPEDEF' | 'PTR' | 'CONST'; name?: string; type: number }
  | { kind: 'ARRAY'; type: number; index_type: number; nelems: number }
  | { kind: 'STRUCT'; name: string; size: number; members: readonly { name: string; type: number; offset: number }[] }
  | { kind: 'FUNC_PROTO'; ret: number; params: readonly { name: string; type: number }[] }
  | { kind: 'FUNC'; name: string; proto: number }
  | { kind: 'DECL_TAG'; name: string; type: number };

/** The types in emission order: MODEL_BTF[i] has type id i + 1. */
export const MODEL_BTF: readonly ModelBtfType[] = [
  /* 1 */ { kind: 'INT', name: 'int', size: 4, signed: true },
  /* 2 */ { kind: 'INT', name: 'unsigned int', size: 4 },
  /* 3 */ { kind: 'INT', name: 'long long unsigned int', size: 8 },
  /* 4 */ { kind: 'INT', name: '__ARRAY_SIZE_TYPE__', size: 4 },
  /* 5 */ { kind: 'TYPEDEF', name: '__u64', type: 3 },
  /* 6 */ { kind: 'TYPEDEF', name: 'u64', type: 5 },
  /* 7 */ { kind: 'TYPEDEF', name: '__u32', type: 2 },
  /* 8 */ { kind: 'TYPEDEF', name: 'u32', type: 7 },
  /* 9 */ { kind: 'PTR', type: 1 }, // int *
  /* 10 */ { kind: 'ARRAY', type: 5, index_type: 4, nelems: 1 },
  /* 11 */ { kind: 'STRUCT', name: 'bpf_iter_num', size: 8, members: [{ name: '__opaque', type: 10, offset: 0 }] },
  /* 12 */ { kind: 'PTR', type: 11 },
  /* 13 */ {
    kind: 'FUNC_PROTO',
    ret: 1,
    params: [
      { name: 'it', type: 12 },
      { name: 'start', type: 1 },
      { name: 'end', type: 1 },
    ],
  },
  /* 14 */ { kind: 'FUNC', name: 'bpf_iter_num_new', proto: 13 },
  /* 15 */ { kind: 'FUNC_PROTO', ret: 9, params: [{ name: 'it', type: 12 }] },
  /* 16 */ { kind: 'FUNC', name: 'bpf_iter_num_next', proto: 15 },
  /* 17 */ { kind: 'FUNC_PROTO', ret: 0, params: [{ name: 'it', type: 12 }] },
  /* 18 */ { kind: 'FUNC', name: 'bpf_iter_num_destroy', proto: 17 },
  /* 19 */ { kind: 'ARRAY', type: 5, index_type: 4, nelems: 2 },
  /* 20 */ { kind: 'STRUCT', name: 'bpf_iter_bits', size: 16, members: [{ name: '__opaque', type: 19, offset: 0 }] },
  /* 21 */ { kind: 'PTR', type: 20 },
  /* 22 */ { kind: 'CONST', type: 6 },
  /* 23 */ { kind: 'PTR', type: 22 }, // const u64 *
  /* 24 */ {
    kind: 'FUNC_PROTO',
    ret: 1,
    params: [
      { name: 'it', type: 21 },
      { name: 'unsafe_ptr__ign', type: 23 },
      { name: 'nr_words', type: 8 },
    ],
  },
  /* 25 */ { kind: 'FUNC', name: 'bpf_iter_bits_new', proto: 24 },
  /* 26 */ { kind: 'FUNC_PROTO', ret: 9, params: [{ name: 'it', type: 21 }] },
  /* 27 */ { kind: 'FUNC', name: 'bpf_iter_bits_next', proto: 26 },
  /* 28 */ { kind: 'FUNC_PROTO', ret: 0, params: [{ name: 'it', type: 21 }] },
  /* 29 */ { kind: 'FUNC', name: 'bpf_iter_bits_destroy', proto: 28 },
  /* 30 */ { kind: 'DECL_TAG', name: 'bpf_kfunc', type: 14 },
  /* 31 */ { kind: 'DECL_TAG', name: 'bpf_kfunc', type: 16 },
  /* 32 */ { kind: 'DECL_TAG', name: 'bpf_kfunc', type: 18 },
  /* 33 */ { kind: 'DECL_TAG', name: 'bpf_kfunc', type: 25 },
  /* 34 */ { kind: 'DECL_TAG', name: 'bpf_kfunc', type: 27 },
  /* 35 */ { kind: 'DECL_TAG', name: 'bpf_kfunc', type: 29 },
];

/** The kernel kfuncs the BPF engine models. */
export const KFUNC_NAMES = [
  'bpf_iter_num_new',
  'bpf_iter_num_next',
  'bpf_iter_num_destroy',
  'bpf_iter_bits_new',
  'bpf_iter_bits_next',
  'bpf_iter_bits_destroy',
] as const;
export type KfuncName = (typeof KFUNC_NAMES)[number];

/** The FUNC type id of `name` in the model's BTF (btf_find_by_name_kind(BTF_KIND_FUNC)), or undefined. */
export function modelFuncId(name: string): number | undefined {
  const i = MODEL_BTF.findIndex((t) => t.kind === 'FUNC' && t.name === name);
  return i < 0 ? undefined : i + 1;
}

/** The kfuncs' BTF ids in the model's BTF: 14, 16, 18, 25, 27, 29. */
export const MODEL_KFUNC_BTF_ID = Object.fromEntries(KFUNC_NAMES.map((n) => [n, modelFuncId(n)!])) as Readonly<
  Record<KfuncName, number>
>;

const KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  TYPEDEF: 8,
  CONST: 10,
  FUNC: 12,
  FUNC_PROTO: 13,
  DECL_TAG: 17,
} as const;
const BTF_INT_SIGNED = 1;
const BTF_FUNC_GLOBAL = 1;

/** The model's BTF as the kernel publishes one at /sys/kernel/btf/vmlinux (little-endian, version 1). */
export function modelBtfBlob(): Uint8Array {
  const strs: string[] = [''];
  const strOff = new Map<string, number>([['', 0]]);
  let strLen = 1;
  const str = (s: string | undefined): number => {
    if (!s) return 0;
    let off = strOff.get(s);
    if (off === undefined) {
      off = strLen;
      strOff.set(s, off);
      strs.push(s);
      strLen += new TextEncoder().encode(s).length + 1;
    }
    return off;
  };
  const words: number[] = [];
  const head = (name: string | undefined, kind: number, vlen: number, sizeType: number, kflag = 0): void => {
    words.push(str(name), ((kflag & 1) << 31) | (kind << 24) | vlen, sizeType);
  };
  for (const t of MODEL_BTF) {
    switch (t.kind) {
      case 'INT':
        head(t.name, KIND.INT, 0, t.size);
        words.push(((t.signed ? BTF_INT_SIGNED : 0) << 24) | (t.size * 8)); // encoding, offset 0, bits
        break;
      case 'TYPEDEF':
      case 'PTR':
      case 'CONST':
        head(t.name, KIND[t.kind], 0, t.type);
        break;
      case 'ARRAY':
        head(undefined, KIND.ARRAY, 0, 0);
        words.push(t.type, t.index_type, t.nelems);
        break;
      case 'STRUCT':
        head(t.name, KIND.STRUCT, t.members.length, t.size);
        for (const m of t.members) words.push(str(m.name), m.type, m.offset * 8);
        break;
      case 'FUNC_PROTO':
        head(undefined, KIND.FUNC_PROTO, t.params.length, t.ret);
        for (const p of t.params) words.push(str(p.name), p.type);
        break;
      case 'FUNC':
        head(t.name, KIND.FUNC, BTF_FUNC_GLOBAL, t.proto);
        break;
      case 'DECL_TAG':
        head(t.name, KIND.DECL_TAG, 0, t.type);
        words.push(0xffffffff); // component_idx -1: the function itself
        break;
    }
  }
  const typeLen = words.length * 4;
  const strBytes = new TextEncoder().encode(strs.map((s) => `${s}\0`).join(''));
  const out = new Uint8Array(24 + typeLen + strBytes.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xeb9f, true); // BTF_MAGIC
  out[2] = 1; // BTF_VERSION
  dv.setUint32(4, 24, true); // hdr_len
  dv.setUint32(8, 0, true); // type_off
  dv.setUint32(12, typeLen, true);
  dv.setUint32(16, typeLen, true); // str_off
  dv.setUint32(20, strBytes.length, true);
  words.forEach((w, i) => dv.setUint32(24 + i * 4, w >>> 0, true));
  out.set(strBytes, 24 + typeLen);
  return out;
}

export { MAP_BTF_STRUCT, MAP_STRUCTS } from './map_btf';
