/**
 * A reader of the kernel's BTF (/sys/kernel/btf/vmlinux; format of include/uapi/linux/btf.h and
 * Documentation/bpf/btf.rst): the header, the type section (struct btf_type records with their kind-specific
 * tails) and the string section. Type ids count from 1 in file order (0 is void). Enough to resolve a kfunc's
 * name to the id of its FUNC type (the imm of a `call` with src_reg = BPF_PSEUDO_KFUNC_CALL) and to tell whether
 * the kernel tags it as a kfunc.
 */
import { readFileSync } from 'node:fs';

// The uapi numbers are the engine's (its object loader reads the same format).
import { BTF_KIND, BTF_MAGIC } from '../engines/bpf';

export { BTF_KIND, BTF_MAGIC };

const KIND_NAME = Object.fromEntries(Object.entries(BTF_KIND).map(([k, v]) => [v, k])) as Record<number, string>;

/** One struct btf_type record. */
export interface BtfType {
  id: number;
  kind: number;
  kind_name: string;
  name: string;
  /** btf_type.info: vlen in bits 0-15, kind in bits 24-28, kind_flag in bit 31. */
  vlen: number;
  kind_flag: boolean;
  /** btf_type.size / btf_type.type (the union). */
  size_type: number;
  /** Byte offset of the record in the type section. */
  offset: number;
}

/** Size of the tail that follows a btf_type of the given kind (btf_type_size() in the kernel). */
function tailSize(kind: number, vlen: number): number {
  switch (kind) {
    case BTF_KIND.INT:
    case BTF_KIND.VAR:
    case BTF_KIND.DECL_TAG:
      return 4;
    case BTF_KIND.ARRAY:
      return 12;
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
    case BTF_KIND.DATASEC:
    case BTF_KIND.ENUM64:
      return 12 * vlen;
    case BTF_KIND.ENUM:
    case BTF_KIND.FUNC_PROTO:
      return 8 * vlen;
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
    default:
      return -1;
  }
}

/** A parsed BTF blob (vmlinux or any base BTF). Throws Error with a one-line message on a malformed blob. */
export class Btf {
  readonly version: number;
  readonly flags: number;
  /** Number of types (the largest type id). */
  readonly nr_types: number;
  private readonly view: DataView;
  private readonly le: boolean;
  private readonly typeStart: number;
  private readonly strStart: number;
  private readonly strLen: number;
  private readonly offsets: Uint32Array;
  private readonly decoder = new TextDecoder();
  private funcsByName?: Map<string, number>;
  private kfuncTagged?: Set<number>;

  constructor(bytes: Uint8Array) {
    if (bytes.length < 24) throw new Error(`BTF blob of ${bytes.length} bytes is shorter than its header`);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const magicLe = this.view.getUint16(0, true);
    if (magicLe === BTF_MAGIC) this.le = true;
    else if (this.view.getUint16(0, false) === BTF_MAGIC) this.le = false;
    else throw new Error(`bad BTF magic 0x${magicLe.toString(16)}`);
    this.version = bytes[2]!;
    this.flags = bytes[3]!;
    const hdrLen = this.u32(4);
    const typeOff = this.u32(8);
    const typeLen = this.u32(12);
    const strOff = this.u32(16);
    this.strLen = this.u32(20);
    this.typeStart = hdrLen + typeOff;
    this.strStart = hdrLen + strOff;
    if (this.typeStart + typeLen > bytes.length || this.strStart + this.strLen > bytes.length) {
      throw new Error('BTF sections run past the end of the blob');
    }
    const offs: number[] = [0];
    let p = 0;
    while (p < typeLen) {
      const info = this.u32(this.typeStart + p + 4);
      const kind = (info >>> 24) & 0x1f;
      const tail = tailSize(kind, info & 0xffff);
      if (tail < 0) throw new Error(`unknown BTF kind ${kind} at type id ${offs.length}`);
      offs.push(p);
      p += 12 + tail;
    }
    if (p !== typeLen) throw new Error('BTF type section does not end on a type boundary');
    this.offsets = Uint32Array.from(offs);
    this.nr_types = offs.length - 1;
  }

  private u32(at: number): number {
    return this.view.getUint32(at, this.le);
  }

  /** The NUL-terminated string at name_off in the string section (btf_name_by_offset()). */
  str(off: number): string {
    if (off >= this.strLen) return '';
    const start = this.strStart + off;
    let end = start;
    while (end < this.strStart + this.strLen && this.view.getUint8(end) !== 0) end++;
    return this.decoder.decode(new Uint8Array(this.view.buffer, this.view.byteOffset + start, end - start));
  }

  /** The type with the given id (btf_type_by_id()); undefined for 0 (void) and out-of-range ids. */
  type(id: number): BtfType | undefined {
    if (!Number.isInteger(id) || id < 1 || id > this.nr_types) return undefined;
    const off = this.offsets[id]!;
    const at = this.typeStart + off;
    const info = this.u32(at + 4);
    const kind = (info >>> 24) & 0x1f;
    return {
      id,
      kind,
      kind_name: KIND_NAME[kind] ?? `KIND_${kind}`,
      name: this.str(this.u32(at)),
      vlen: info & 0xffff,
      kind_flag: info >>> 31 === 1,
      size_type: this.u32(at + 8),
      offset: off,
    };
  }

  /** The id of the first type of `kind` named `name` (btf_find_by_name_kind()), or undefined. */
  findByNameKind(name: string, kind: number): number | undefined {
    if (kind === BTF_KIND.FUNC) return this.funcIndex().get(name);
    for (let id = 1; id <= this.nr_types; id++) {
      const at = this.typeStart + this.offsets[id]!;
      if (((this.u32(at + 4) >>> 24) & 0x1f) === kind && this.str(this.u32(at)) === name) return id;
    }
    return undefined;
  }

  /** The FUNC type id of a function: what a kfunc call's imm must hold on this kernel. */
  funcId(name: string): number | undefined {
    return this.funcIndex().get(name);
  }

  /** Whether `name` is a function the kernel marks as a kfunc (a `bpf_kfunc` DECL_TAG on its FUNC). */
  isKfunc(name: string): boolean {
    const id = this.funcId(name);
    return id !== undefined && this.kfuncTags().has(id);
  }

  /** Number of functions tagged `bpf_kfunc` (0 when the kernel's pahole did not emit the tags). */
  kfuncCount(): number {
    return this.kfuncTags().size;
  }

  private funcIndex(): Map<string, number> {
    if (!this.funcsByName) {
      const m = new Map<string, number>();
      for (let id = 1; id <= this.nr_types; id++) {
        const at = this.typeStart + this.offsets[id]!;
        if (((this.u32(at + 4) >>> 24) & 0x1f) !== BTF_KIND.FUNC) continue;
        const name = this.str(this.u32(at));
        if (!m.has(name)) m.set(name, id);
      }
      this.funcsByName = m;
    }
    return this.funcsByName;
  }

  private kfuncTags(): Set<number> {
    if (!this.kfuncTagged) {
      const s = new Set<number>();
      const isKfuncTag = new Map<number, boolean>(); // by name_off: tag strings are usually deduplicated
      for (let id = 1; id <= this.nr_types; id++) {
        const at = this.typeStart + this.offsets[id]!;
        if (((this.u32(at + 4) >>> 24) & 0x1f) !== BTF_KIND.DECL_TAG) continue;
        // struct btf_decl_tag { __s32 component_idx; } follows: -1 tags the function itself.
        if (this.view.getInt32(at + 12, this.le) !== -1) continue;
        const nameOff = this.u32(at);
        let tagged = isKfuncTag.get(nameOff);
        if (tagged === undefined) isKfuncTag.set(nameOff, (tagged = this.str(nameOff) === 'bpf_kfunc'));
        if (tagged) s.add(this.u32(at + 8));
      }
      this.kfuncTagged = s;
    }
    return this.kfuncTagged;
  }
}

/** Where the running kernel publishes its BTF. */
export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

let vmlinux: Btf | undefined;

/** The running kernel's BTF, read once. Throws Error with a one-line reason when it is missing or malformed. */
export function vmlinuxBtf(path = VMLINUX_BTF): Btf {
  if (path === VMLINUX_BTF && vmlinux) return vmlinux;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new Error(
      `no kernel BTF at ${path} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'}: the kernel needs CONFIG_DEBUG_INFO_BTF)`,
    );
  }
  const btf = new Btf(bytes);
  if (path === VMLINUX_BTF) vmlinux = btf;
  return btf;
}
