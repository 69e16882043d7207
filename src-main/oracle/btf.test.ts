import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KFUNC_BTF_ID, KFUNC_NAMES, MODEL_BTF, modelBtfBlob } from '../engines/bpf';
import { Btf, BTF_KIND, VMLINUX_BTF, vmlinuxBtf } from './btf';
import { oracleDisabled } from './index';

/** A tiny BTF blob: 1 INT "int", 2 FUNC_PROTO int(int a), 3 FUNC "my_kfunc", 4 DECL_TAG "bpf_kfunc" on 3, 5 FUNC "plain". */
function tinyBtf(): Uint8Array {
  const strs = ['', 'int', 'a', 'my_kfunc', 'bpf_kfunc', 'plain'];
  const off: Record<string, number> = {};
  let strBytes: number[] = [];
  for (const s of strs) {
    off[s] = strBytes.length;
    strBytes = strBytes.concat([...new TextEncoder().encode(s)], [0]);
  }
  const words: number[] = [];
  const info = (kind: number, vlen: number): number => ((kind << 24) | vlen) >>> 0;
  words.push(off['int']!, info(BTF_KIND.INT, 0), 4, 32); // INT: size 4, 32 bits
  words.push(0, info(BTF_KIND.FUNC_PROTO, 1), 1, off['a']!, 1); // proto returns type 1, one param of type 1
  words.push(off['my_kfunc']!, info(BTF_KIND.FUNC, 1), 2); // global linkage
  words.push(off['bpf_kfunc']!, info(BTF_KIND.DECL_TAG, 0), 3, 0xffffffff); // component_idx -1
  words.push(off['plain']!, info(BTF_KIND.FUNC, 1), 2);
  const typeLen = words.length * 4;
  const buf = new Uint8Array(24 + typeLen + strBytes.length);
  const dv = new DataView(buf.buffer);
  dv.setUint16(0, 0xeb9f, true);
  buf[2] = 1;
  dv.setUint32(4, 24, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, typeLen, true);
  dv.setUint32(16, typeLen, true);
  dv.setUint32(20, strBytes.length, true);
  words.forEach((w, i) => dv.setUint32(24 + 4 * i, w, true));
  buf.set(strBytes, 24 + typeLen);
  return buf;
}

describe('Btf (synthetic blob)', () => {
  const btf = new Btf(tinyBtf());

  it('counts types from 1 and decodes their records', () => {
    expect(btf.nr_types).toBe(5);
    expect(btf.type(1)).toMatchObject({ kind: BTF_KIND.INT, kind_name: 'INT', name: 'int', size_type: 4 });
    expect(btf.type(2)).toMatchObject({ kind_name: 'FUNC_PROTO', name: '', vlen: 1, size_type: 1 });
    expect(btf.type(3)).toMatchObject({ kind_name: 'FUNC', name: 'my_kfunc', vlen: 1, size_type: 2 });
    expect(btf.type(0)).toBeUndefined();
    expect(btf.type(6)).toBeUndefined();
  });

  it('resolves function names to FUNC ids and reads the bpf_kfunc tag', () => {
    expect(btf.funcId('my_kfunc')).toBe(3);
    expect(btf.funcId('plain')).toBe(5);
    expect(btf.funcId('int')).toBeUndefined(); // an INT, not a FUNC
    expect(btf.isKfunc('my_kfunc')).toBe(true);
    expect(btf.isKfunc('plain')).toBe(false);
    expect(btf.kfuncCount()).toBe(1);
    expect(btf.findByNameKind('int', BTF_KIND.INT)).toBe(1);
  });

  it('refuses a blob with a bad magic or a truncated section, in one line', () => {
    const bad = tinyBtf();
    bad[0] = 0;
    expect(() => new Btf(bad)).toThrow(/^bad BTF magic 0x/);
    expect(() => new Btf(tinyBtf().subarray(0, 40))).toThrow('BTF sections run past the end of the blob');
  });
});

describe("the model's own vmlinux BTF (engines/bpf/vmlinux_btf.ts)", () => {
  const btf = new Btf(modelBtfBlob());

  it("is a BTF blob the reader takes, whose FUNC ids are the engine's kfunc ids, each tagged bpf_kfunc", () => {
    expect(btf.nr_types).toBe(MODEL_BTF.length);
    for (const name of KFUNC_NAMES) {
      expect(btf.funcId(name), name).toBe(KFUNC_BTF_ID[name]);
      expect(btf.isKfunc(name), name).toBe(true);
      expect(btf.type(btf.type(KFUNC_BTF_ID[name])!.size_type)!.kind_name).toBe('FUNC_PROTO');
    }
    expect(btf.kfuncCount()).toBe(KFUNC_NAMES.length);
    expect(KFUNC_BTF_ID).toEqual({
      bpf_iter_num_new: 14,
      bpf_iter_num_next: 16,
      bpf_iter_num_destroy: 18,
      bpf_iter_bits_new: 25,
      bpf_iter_bits_next: 27,
      bpf_iter_bits_destroy: 29,
    });
  });

  it("gives the iterator structs the kernel's sizes (struct bpf_iter_num 8 bytes, bpf_iter_bits 16)", () => {
    expect(btf.type(btf.findByNameKind('bpf_iter_num', BTF_KIND.STRUCT)!)!.size_type).toBe(8);
    expect(btf.type(btf.findByNameKind('bpf_iter_bits', BTF_KIND.STRUCT)!)!.size_type).toBe(16);
    expect(btf.str(0)).toBe('');
  });
});

const off = oracleDisabled();
const haveVmlinux = !off && existsSync(VMLINUX_BTF);
if (!haveVmlinux) console.log(`btf: real-kernel tests skipped (${off ?? `no ${VMLINUX_BTF}`})`);

describe.skipIf(!haveVmlinux)('Btf (this kernel)', () => {
  it("declares the model's kfuncs as this kernel does: a FUNC of the same name, as many parameters, the structs' sizes", () => {
    const host = vmlinuxBtf();
    const model = new Btf(modelBtfBlob());
    for (const name of KFUNC_NAMES) {
      const h = host.funcId(name);
      expect(h, name).toBeTypeOf('number');
      expect(host.type(host.type(h!)!.size_type)!.vlen, name).toBe(
        model.type(model.type(KFUNC_BTF_ID[name])!.size_type)!.vlen,
      );
    }
    for (const s of ['bpf_iter_num', 'bpf_iter_bits']) {
      expect(host.type(host.findByNameKind(s, BTF_KIND.STRUCT)!)!.size_type, s).toBe(
        model.type(model.findByNameKind(s, BTF_KIND.STRUCT)!)!.size_type,
      );
    }
  });

  it('finds the bpf_iter_num kfuncs as tagged FUNCs whose prototypes take the iterator first', () => {
    const btf = vmlinuxBtf();
    for (const name of ['bpf_iter_num_new', 'bpf_iter_num_next', 'bpf_iter_num_destroy']) {
      const id = btf.funcId(name);
      expect(id, name).toBeTypeOf('number');
      const t = btf.type(id!)!;
      expect(t.kind_name).toBe('FUNC');
      expect(t.name).toBe(name);
      expect(btf.type(t.size_type)!.kind_name).toBe('FUNC_PROTO');
      expect(btf.isKfunc(name)).toBe(true);
    }
    expect(btf.type(btf.type(btf.funcId('bpf_iter_num_new')!)!.size_type)!.vlen).toBe(3); // (it, start, end)
    expect(btf.funcId('bpf_iter_num_does_not_exist')).toBeUndefined();
    expect(btf.isKfunc('bpf_map_lookup_elem')).toBe(false); // a helper's kernel function, not a kfunc
    expect(btf.findByNameKind('bpf_iter_num', BTF_KIND.STRUCT)).toBeTypeOf('number');
    expect(btf.type(btf.findByNameKind('bpf_iter_num', BTF_KIND.STRUCT)!)!.size_type).toBe(8);
  });
});
