/**
 * The .BTF.ext section of a BPF object: func_info and line_info per program section, as libbpf's src/btf.c reads
 * them (btf_ext__new(), btf_ext_parse_hdr(), btf_ext_setup_info()), after Documentation/bpf/btf.rst ("BTF.ext
 * section") and struct bpf_func_info / bpf_line_info of include/uapi/linux/bpf.h. In the object file insn_off
 * counts bytes from the start of the section; the loader turns it into an instruction index. The CO-RE relocation
 * records are not modelled (the model has no kernel types to relocate against).
 */
import { KernelError } from '../common/errors';
import { BTF_MAGIC } from './btf';
import type { ObjBtf } from './btf';

/** struct bpf_func_info as the object holds it (insn_off in bytes). */
export interface ObjFuncInfo {
  insn_off: number;
  type_id: number;
}

/** struct bpf_line_info with its strings: the file, the source line's text, line and column. */
export interface ObjLineInfo {
  insn_off: number;
  file_name_off: number;
  line_off: number;
  file: string;
  text: string;
  line: number;
  col: number;
}

/** The records of one program section. */
export interface BtfExtSection {
  func_info: ObjFuncInfo[];
  line_info: ObjLineInfo[];
}

/** Parses .BTF.ext against the object's BTF (its strings); records by section name. */
export function parseBtfExt(bytes: Uint8Array, btf: ObjBtf, section = '.BTF.ext'): Map<string, BtfExtSection> {
  const err = (off: number, what: string): KernelError =>
    new KernelError('EINVAL', `btf: ${section} at offset 0x${off.toString(16)}: ${what}`, { section, offset: off });
  if (bytes.length < 24) throw err(0, `${bytes.length} bytes is shorter than the BTF.ext header (24)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint16(0, true) !== BTF_MAGIC) throw err(0, `magic 0x${dv.getUint16(0, true).toString(16)} is not 0xeb9f`);
  if (bytes[2] !== 1) throw err(2, `version ${bytes[2]} is not 1`);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < 24 || hdrLen > bytes.length) throw err(4, `hdr_len ${hdrLen} does not fit ${bytes.length} bytes`);
  const out = new Map<string, BtfExtSection>();
  const get = (name: string): BtfExtSection => {
    let s = out.get(name);
    if (!s) out.set(name, (s = { func_info: [], line_info: [] }));
    return s;
  };
  const strLen = btf.strings.length;
  const strOf = (off: number, at: number): string => {
    if (off >= strLen) throw err(at, `string offset ${off} is past .BTF's strings (${strLen} bytes)`);
    return btf.str(off);
  };
  // btf_ext_setup_info(): u32 record size, then per section: name, count, records.
  const walk = (
    offField: number,
    what: 'func_info' | 'line_info',
    minRec: number,
    rec: (at: number, s: BtfExtSection, size: number) => void,
  ): void => {
    const off = dv.getUint32(offField, true);
    const len = dv.getUint32(offField + 4, true);
    if (len === 0) return;
    const body = bytes.length - hdrLen;
    if (off > body || len > body - off) throw err(offField, `${what} ${off}+${len} is past the data (${body} bytes)`);
    if (off % 4 !== 0) throw err(offField, `${what} offset ${off} is not 4-byte aligned`);
    let p = hdrLen + off;
    const end = p + len;
    if (len < 4) throw err(p, `${what}: ${len} bytes hold no record size`);
    const recSize = dv.getUint32(p, true);
    if (recSize < minRec || recSize % 4 !== 0)
      throw err(p, `${what} record size ${recSize} (at least ${minRec}, a multiple of 4)`);
    p += 4;
    while (p < end) {
      if (end - p < 8) throw err(p, `${what}: ${end - p} bytes left of a section header`);
      const name = strOf(dv.getUint32(p, true), p);
      const n = dv.getUint32(p + 4, true);
      p += 8;
      if (n === 0) throw err(p - 4, `${what} of section '${name}' has no records`);
      if (n > (end - p) / recSize)
        throw err(p - 4, `${what} of section '${name}': ${n} records of ${recSize} bytes do not fit in ${end - p}`);
      const s = get(name);
      for (let i = 0; i < n; i++, p += recSize) rec(p, s, recSize);
    }
  };
  walk(8, 'func_info', 8, (at, s) => {
    s.func_info.push({ insn_off: dv.getUint32(at, true), type_id: dv.getUint32(at + 4, true) });
  });
  if (hdrLen >= 24) {
    walk(16, 'line_info', 16, (at, s) => {
      const lineCol = dv.getUint32(at + 12, true);
      const fileOff = dv.getUint32(at + 4, true);
      const lineOff = dv.getUint32(at + 8, true);
      s.line_info.push({
        insn_off: dv.getUint32(at, true),
        file_name_off: fileOff,
        line_off: lineOff,
        file: strOf(fileOff, at + 4),
        text: strOf(lineOff, at + 8),
        line: lineCol >>> 10,
        col: lineCol & 0x3ff,
      });
    });
  }
  return out;
}
