/**
 * Reading the BPF Type Format of an object file's .BTF section, as libbpf's src/btf.c does (btf_parse_hdr(),
 * btf_parse_str_sec(), btf_parse_type_sec(), btf__resolve_size()), after the layout in Documentation/bpf/btf.rst
 * and include/uapi/linux/btf.h: a header, then the types (ids count from 1; 0 is void), then the strings. Every
 * read is bounds-checked; a malformed blob is a KernelError naming the section and the offset in it.
 */
import { KernelError } from '../common/errors';

export const BTF_MAGIC = 0xeb9f;

/** BTF_KIND_* (include/uapi/linux/btf.h). */
export const BTF_KIND = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

/** One type: the common header and its kind-specific tail. */
export interface BtfType {
  id: number;
  kind: number;
  name: string;
  vlen: number;
  kflag: boolean;
  /** size (INT, STRUCT, UNION, ENUM, DATASEC, FLOAT, ENUM64) or type (PTR, TYPEDEF, modifiers, FUNC, FUNC_PROTO's return, VAR). */
  sizeOrType: number;
  /** ARRAY: element type, index type, nelems. */
  array?: { type: number; index_type: number; nelems: number };
  /** STRUCT/UNION members (offset in bits), FUNC_PROTO params (offset 0), DATASEC vars (offset and size in bytes). */
  members?: { name: string; type: number; offset: number; size: number }[];
  /** VAR linkage, FUNC linkage (vlen) as given. */
  linkage?: number;
}

/** Bytes of the kind-specific tail after the 12-byte header. */
function tailSize(kind: number, vlen: number): number | undefined {
  switch (kind) {
    case BTF_KIND.INT:
    case BTF_KIND.VAR:
    case BTF_KIND.DECL_TAG:
      return 4;
    case BTF_KIND.PTR:
    case BTF_KIND.FWD:
    case BTF_KIND.TYPEDEF:
    case BTF_KIND.VOLATILE:
    case BTF_KIND.CONST:
    case BTF_KIND.RESTRICT:
    case BTF_KIND.FUNC:
    case BTF_KIND.FLOAT:
    case BTF_KIND.TYPE_TAG:
      return 0;
    case BTF_KIND.ARRAY:
      return 12;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
    case BTF_KIND.DATASEC:
    case BTF_KIND.ENUM64:
      return vlen * 12;
    case BTF_KIND.ENUM:
    case BTF_KIND.FUNC_PROTO:
      return vlen * 8;
    default:
      return undefined;
  }
}

/** A parsed BTF blob. */
export class ObjBtf {
  /** types[id]; types[0] is void. */
  readonly types: BtfType[] = [];
  /** The raw string section (the .BTF.ext records name strings in it). */
  readonly strings: Uint8Array;
  readonly bytes: Uint8Array;

  constructor(
    bytes: Uint8Array,
    readonly section = '.BTF',
  ) {
    this.bytes = bytes;
    const err = (off: number, what: string): KernelError =>
      new KernelError('EINVAL', `btf: ${section} at offset 0x${off.toString(16)}: ${what}`, { section, offset: off });
    if (bytes.length < 24) throw err(0, `${bytes.length} bytes is shorter than the BTF header (24)`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint16(0, true) !== BTF_MAGIC)
      throw err(0, `magic 0x${dv.getUint16(0, true).toString(16)} is not 0xeb9f (or not little-endian)`);
    if (bytes[2] !== 1) throw err(2, `version ${bytes[2]} is not 1`);
    const hdrLen = dv.getUint32(4, true);
    if (hdrLen < 24 || hdrLen > bytes.length) throw err(4, `hdr_len ${hdrLen} does not fit ${bytes.length} bytes`);
    const typeOff = dv.getUint32(8, true);
    const typeLen = dv.getUint32(12, true);
    const strOff = dv.getUint32(16, true);
    const strLen = dv.getUint32(20, true);
    const body = bytes.length - hdrLen;
    if (typeOff > body || typeLen > body - typeOff)
      throw err(8, `type section ${typeOff}+${typeLen} is past the data (${body} bytes)`);
    if (strOff > body || strLen > body - strOff)
      throw err(16, `string section ${strOff}+${strLen} is past the data (${body} bytes)`);
    if (typeOff % 4 !== 0) throw err(8, `type section offset ${typeOff} is not 4-byte aligned`);
    // btf_parse_str_sec(): the strings start with "" and end with a NUL.
    this.strings = bytes.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
    if (strLen === 0 || this.strings[0] !== 0 || this.strings[strLen - 1] !== 0)
      throw err(hdrLen + strOff, 'string section does not start with "" and end with NUL');
    const str = (off: number, at: number): string => {
      if (off >= strLen) throw err(at, `name offset ${off} is past the string section (${strLen} bytes)`);
      return this.str(off);
    };
    this.types.push({ id: 0, kind: 0, name: '', vlen: 0, kflag: false, sizeOrType: 0 });
    let p = hdrLen + typeOff;
    const end = p + typeLen;
    while (p < end) {
      if (end - p < 12) throw err(p, `type ${this.types.length}: ${end - p} bytes left of a 12-byte header`);
      const info = dv.getUint32(p + 4, true);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      const tail = tailSize(kind, vlen);
      if (tail === undefined) throw err(p + 4, `type ${this.types.length}: unknown kind ${kind}`);
      if (end - p - 12 < tail)
        throw err(
          p,
          `type ${this.types.length}: kind ${kind} with vlen ${vlen} needs ${tail} bytes, ${end - p - 12} left`,
        );
      const t: BtfType = {
        id: this.types.length,
        kind,
        name: str(dv.getUint32(p, true), p),
        vlen,
        kflag: info >>> 31 === 1,
        sizeOrType: dv.getUint32(p + 8, true),
      };
      const q = p + 12;
      if (kind === BTF_KIND.ARRAY)
        t.array = {
          type: dv.getUint32(q, true),
          index_type: dv.getUint32(q + 4, true),
          nelems: dv.getUint32(q + 8, true),
        };
      else if (kind === BTF_KIND.VAR) t.linkage = dv.getUint32(q, true);
      else if (kind === BTF_KIND.FUNC) t.linkage = vlen;
      else if (kind === BTF_KIND.STRUCT || kind === BTF_KIND.UNION) {
        t.members = [];
        for (let i = 0; i < vlen; i++) {
          const m = q + i * 12;
          const off = dv.getUint32(m + 8, true);
          // kflag: bitfield size in the top 8 bits, bit offset in the low 24.
          t.members.push({
            name: str(dv.getUint32(m, true), m),
            type: dv.getUint32(m + 4, true),
            offset: t.kflag ? off & 0xffffff : off,
            size: t.kflag ? off >>> 24 : 0,
          });
        }
      } else if (kind === BTF_KIND.FUNC_PROTO) {
        t.members = [];
        for (let i = 0; i < vlen; i++)
          t.members.push({
            name: str(dv.getUint32(q + i * 8, true), q + i * 8),
            type: dv.getUint32(q + i * 8 + 4, true),
            offset: 0,
            size: 0,
          });
      } else if (kind === BTF_KIND.DATASEC) {
        t.members = [];
        for (let i = 0; i < vlen; i++) {
          const m = q + i * 12;
          t.members.push({
            name: '',
            type: dv.getUint32(m, true),
            offset: dv.getUint32(m + 4, true),
            size: dv.getUint32(m + 8, true),
          });
        }
      }
      this.types.push(t);
      p = q + tail;
    }
    // Every referenced type id must exist (btf_sanity_check()'s btf_validate_id()).
    const n = this.types.length;
    const check = (id: number, t: BtfType): void => {
      if (id >= n) throw err(0, `type ${t.id} (${t.name || 'anon'}) refers to type ${id}, there are ${n - 1}`);
    };
    for (const t of this.types.slice(1)) {
      if (
        [
          BTF_KIND.PTR,
          BTF_KIND.TYPEDEF,
          BTF_KIND.VOLATILE,
          BTF_KIND.CONST,
          BTF_KIND.RESTRICT,
          BTF_KIND.FUNC,
          BTF_KIND.FUNC_PROTO,
          BTF_KIND.VAR,
          BTF_KIND.DECL_TAG,
          BTF_KIND.TYPE_TAG,
        ].includes(t.kind as 2)
      )
        check(t.sizeOrType, t);
      if (t.array) {
        check(t.array.type, t);
        check(t.array.index_type, t);
      }
      if (t.kind !== BTF_KIND.ENUM && t.kind !== BTF_KIND.ENUM64) for (const m of t.members ?? []) check(m.type, t);
    }
  }

  /** The string at `off` of the string section ('' when out of range). */
  str(off: number): string {
    if (off >= this.strings.length) return '';
    let e = off;
    while (e < this.strings.length && this.strings[e] !== 0) e++;
    let s = '';
    for (let i = off; i < e; i++) s += String.fromCharCode(this.strings[i]!);
    return s;
  }

  type(id: number): BtfType | undefined {
    return this.types[id];
  }

  /** Skips typedefs and modifiers (btf__resolve_type() without the size), at most 32 deep. */
  skipMods(id: number): BtfType | undefined {
    for (let depth = 0; depth < 32; depth++) {
      const t = this.types[id];
      if (!t) return undefined;
      if (
        ![BTF_KIND.TYPEDEF, BTF_KIND.VOLATILE, BTF_KIND.CONST, BTF_KIND.RESTRICT, BTF_KIND.TYPE_TAG].includes(
          t.kind as 8,
        )
      )
        return t;
      id = t.sizeOrType;
    }
    return undefined;
  }

  /** btf__resolve_size(): the type's size in bytes, or undefined (void, functions, loops, overflow). */
  resolveSize(id: number): number | undefined {
    let nelems = 1;
    for (let depth = 0; depth < 32; depth++) {
      const t = this.types[id];
      if (!t) return undefined;
      switch (t.kind) {
        case BTF_KIND.INT:
        case BTF_KIND.STRUCT:
        case BTF_KIND.UNION:
        case BTF_KIND.ENUM:
        case BTF_KIND.DATASEC:
        case BTF_KIND.FLOAT:
        case BTF_KIND.ENUM64: {
          const size = nelems * t.sizeOrType;
          return size > 0xffffffff ? undefined : size;
        }
        case BTF_KIND.PTR:
          return nelems * 8;
        case BTF_KIND.TYPEDEF:
        case BTF_KIND.VOLATILE:
        case BTF_KIND.CONST:
        case BTF_KIND.RESTRICT:
        case BTF_KIND.VAR:
        case BTF_KIND.DECL_TAG:
        case BTF_KIND.TYPE_TAG:
          id = t.sizeOrType;
          break;
        case BTF_KIND.ARRAY:
          nelems *= t.array!.nelems;
          if (nelems > 0xffffffff) return undefined;
          id = t.array!.type;
          break;
        default:
          return undefined;
      }
    }
    return undefined;
  }

  /** The first type of `kind` named `name` (btf__find_by_name_kind()). */
  find(name: string, kind: number): BtfType | undefined {
    return this.types.find((t) => t.kind === kind && t.name === name);
  }
}
