/**
 * Struct layouts read from a kernel's BTF in the form the model's map_ptr walk uses (engines/bpf/map_btf.ts):
 * member offsets, sizes, bitfields, arrays and which members are pointers (to a struct or not). No type ids, so
 * two builds with the same layout compare equal. Used to check the model's Linux 6.18 x86-64 layouts against
 * the running kernel's /sys/kernel/btf/vmlinux.
 */
import { BTF_KIND, Btf } from './btf';
import type { LayoutStruct, LayoutType } from '../engines/bpf';

/** The layouts of the named structs in `blob` (a BTF blob such as /sys/kernel/btf/vmlinux). */
export function btfMapLayouts(blob: Uint8Array, names: readonly string[]): Record<string, LayoutStruct> {
  const b = new Btf(blob);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const typeBase = dv.getUint32(4, true) + dv.getUint32(8, true);
  const MODS: number[] = [BTF_KIND.TYPEDEF, BTF_KIND.CONST, BTF_KIND.VOLATILE, BTF_KIND.RESTRICT, BTF_KIND.TYPE_TAG];
  const skip = (id: number): number => {
    for (let t = b.type(id); t && MODS.includes(t.kind); t = b.type(id)) id = t.size_type;
    return id;
  };
  const struct = (id: number): LayoutStruct => {
    const t = b.type(id)!;
    const at = typeBase + t.offset + 12;
    const members = [];
    for (let i = 0; i < t.vlen; i++) {
      const raw = dv.getUint32(at + i * 12 + 8, true);
      const bits = t.kind_flag ? raw >>> 24 : 0;
      const m = {
        name: b.str(dv.getUint32(at + i * 12, true)),
        bitOff: t.kind_flag ? raw & 0xffffff : raw,
        type: conv(dv.getUint32(at + i * 12 + 4, true)),
      };
      members.push(bits ? { ...m, bits } : m);
    }
    return { name: t.name, union: t.kind === BTF_KIND.UNION, size: t.size_type, members };
  };
  const conv = (id0: number): LayoutType => {
    const id = skip(id0);
    const t = b.type(id);
    if (!t) return { k: 'void' };
    switch (t.kind) {
      case BTF_KIND.INT:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.FLOAT:
        return { k: 'int', size: t.size_type };
      case BTF_KIND.PTR: {
        const p = b.type(skip(t.size_type));
        return { k: 'ptr', to: p && (p.kind === BTF_KIND.STRUCT || p.kind === BTF_KIND.UNION) ? p.name : null };
      }
      case BTF_KIND.ARRAY: {
        const a = typeBase + t.offset + 12;
        return { k: 'array', elem: conv(dv.getUint32(a, true)), nelems: dv.getUint32(a + 8, true) };
      }
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        return { k: 'struct', s: struct(id) };
      default:
        return { k: 'void' };
    }
  };
  return Object.fromEntries(names.map((n) => [n, struct(b.findByNameKind(n, BTF_KIND.STRUCT)!)]));
}
