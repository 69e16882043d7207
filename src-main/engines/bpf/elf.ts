/**
 * ELF64 little-endian reading for BPF object files, as libbpf's src/libbpf.c reads them through libelf
 * (bpf_object__elf_init(), bpf_object__elf_collect()): the file header, the section headers and their names,
 * the symbol table and SHT_REL relocation tables (include/uapi/linux/elf.h, the System V gABI). Every offset and
 * size is checked against the file before it is read; a bad object is a KernelError naming the section and the
 * file offset. Departure: libbpf reports a malformed ELF as -LIBBPF_ERRNO__FORMAT (4003), no kernel errno; the
 * model says EINVAL.
 */
import { KernelError } from '../common/errors';

export const EM_BPF = 247;
export const ET_REL = 1;
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
/** BPF relocation types (Documentation/bpf/llvm_reloc.rst). */
export const R_BPF_NONE = 0;
export const R_BPF_64_64 = 1;
export const R_BPF_64_ABS64 = 2;
export const R_BPF_64_ABS32 = 3;
export const R_BPF_64_NODYLD32 = 4;
export const R_BPF_64_32 = 10;

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;

/** One section header (Elf64_Shdr) with its bytes (empty for SHT_NOBITS). */
export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  /** sh_offset: where the section's bytes start in the file. */
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
  data: Uint8Array;
}

/** One symbol (Elf64_Sym). */
export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  bind: number;
  type: number;
  shndx: number;
}

/** One SHT_REL entry (Elf64_Rel). */
export interface ElfRel {
  offset: number;
  type: number;
  sym: number;
}

/** A parsed object file. */
export interface ElfObject {
  sections: ElfSection[];
  symbols: ElfSymbol[];
  /** The symbol table's section index (0 when there is none). */
  symtab: number;
  /** The file. */
  bytes: Uint8Array;
}

/** The error of a malformed object: names the section (or the header) and the file offset. */
export function elfError(where: string, offset: number, what: string): KernelError {
  return new KernelError('EINVAL', `elf: ${where} at offset 0x${offset.toString(16)}: ${what}`, {
    section: where,
    offset,
  });
}

/** A u64 field as a safe integer, or an error when it cannot be an offset or size of this file. */
function u64(dv: DataView, at: number, where: string, what: string): number {
  const hi = dv.getUint32(at + 4, true);
  const lo = dv.getUint32(at, true);
  if (hi >= 0x200000)
    throw elfError(where, at, `${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is out of range`);
  return hi * 0x100000000 + lo;
}

/** NUL-terminated string at `off` of a string table section. */
function strAt(tab: ElfSection | undefined, off: number, where: string, at: number): string {
  if (!tab) throw elfError(where, at, 'no string table');
  if (off >= tab.data.length)
    throw elfError(
      where,
      at,
      `name offset ${off} is past the end of ${tab.name || 'the string table'} (${tab.data.length} bytes)`,
    );
  let end = off;
  while (end < tab.data.length && tab.data[end] !== 0) end++;
  if (end === tab.data.length)
    throw elfError(where, at, `name at ${off} of ${tab.name || 'the string table'} is not NUL-terminated`);
  return latin1(tab.data.subarray(off, end));
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** Parses an ELF64 little-endian EM_BPF relocatable object (bpf_object__elf_init() and the section walk). */
export function parseElf(bytes: Uint8Array): ElfObject {
  if (!(bytes instanceof Uint8Array)) throw new KernelError('EINVAL', 'elf: the object must be bytes (a Uint8Array)');
  if (bytes.length < EHDR_SIZE)
    throw elfError('ELF header', 0, `file of ${bytes.length} bytes is shorter than the 64-byte ELF64 header`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    throw elfError('ELF header', 0, 'no ELF magic (\\x7fELF)');
  if (bytes[4] !== 2) throw elfError('ELF header', 4, `EI_CLASS ${bytes[4]} is not ELFCLASS64`);
  // libbpf: "elf: endianness mismatch" — the model is a little-endian host.
  if (bytes[5] !== 1) throw elfError('ELF header', 5, `EI_DATA ${bytes[5]} is not ELFDATA2LSB (endianness mismatch)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eType = dv.getUint16(16, true);
  const eMachine = dv.getUint16(18, true);
  // libbpf: "elf: %s is not a valid eBPF object file".
  if (eType !== ET_REL) throw elfError('ELF header', 16, `e_type ${eType} is not ET_REL: not a valid eBPF object file`);
  if (eMachine !== EM_BPF)
    throw elfError('ELF header', 18, `e_machine ${eMachine} is not EM_BPF (247): not a valid eBPF object file`);
  const shoff = u64(dv, 40, 'ELF header', 'e_shoff');
  const shentsize = dv.getUint16(58, true);
  let shnum = dv.getUint16(60, true);
  let shstrndx = dv.getUint16(62, true);
  if (shoff === 0) throw elfError('ELF header', 40, 'no section header table (e_shoff 0)');
  if (shentsize !== SHDR_SIZE) throw elfError('ELF header', 58, `e_shentsize ${shentsize} is not 64`);
  if (shoff > bytes.length - SHDR_SIZE)
    throw elfError(
      'ELF header',
      40,
      `section headers at 0x${shoff.toString(16)} are past the end of the file (${bytes.length} bytes)`,
    );
  // Extended numbering: e_shnum 0 and SHN_XINDEX keep the real values in section 0's sh_size and sh_link.
  if (shnum === 0) shnum = u64(dv, shoff + 32, 'section 0', 'sh_size (extended e_shnum)');
  if (shstrndx === SHN_XINDEX) shstrndx = dv.getUint32(shoff + 40, true);
  if (shnum === 0 || shoff + shnum * SHDR_SIZE > bytes.length) {
    throw elfError(
      'ELF header',
      60,
      `${shnum} section headers at 0x${shoff.toString(16)} do not fit in the file (${bytes.length} bytes)`,
    );
  }
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * SHDR_SIZE;
    const where = `section ${i}`;
    const type = dv.getUint32(at + 4, true);
    const flags = u64(dv, at + 8, where, 'sh_flags');
    const offset = u64(dv, at + 24, where, 'sh_offset');
    const size = u64(dv, at + 32, where, 'sh_size');
    const s: ElfSection = {
      index: i,
      name: '',
      type,
      flags,
      offset,
      size,
      link: dv.getUint32(at + 40, true),
      info: dv.getUint32(at + 44, true),
      entsize: u64(dv, at + 56, where, 'sh_entsize'),
      data: new Uint8Array(0),
    };
    // Section 0 of an extended-numbering file carries counts, not a section.
    if (i > 0 && type !== SHT_NOBITS && type !== SHT_NULL) {
      if (offset > bytes.length || size > bytes.length - offset) {
        throw elfError(
          where,
          at + 24,
          `sh_offset 0x${offset.toString(16)} + sh_size 0x${size.toString(16)} is past the end of the file (${bytes.length} bytes)`,
        );
      }
      s.data = bytes.subarray(offset, offset + size);
    }
    sections.push(s);
  }
  // libbpf: "elf: failed to get section names section index".
  const shstr = sections[shstrndx];
  if (!shstr || shstr.type !== SHT_STRTAB)
    throw elfError('ELF header', 62, `e_shstrndx ${shstrndx} is not a string table section`);
  for (const s of sections)
    if (s.index > 0)
      s.name = strAt(
        shstr,
        dv.getUint32(shoff + s.index * SHDR_SIZE, true),
        `section ${s.index}`,
        shoff + s.index * SHDR_SIZE,
      );
  for (const s of sections) if (s.index > 0) s.name ||= `section ${s.index}`;

  // One symbol table ("elf: multiple symbol tables in %s" otherwise).
  const tabs = sections.filter((s) => s.type === SHT_SYMTAB);
  if (tabs.length > 1) throw elfError(tabs[1]!.name, tabs[1]!.offset, 'multiple symbol tables');
  const symbols: ElfSymbol[] = [];
  const symtab = tabs[0];
  if (symtab) {
    if (symtab.entsize !== SYM_SIZE || symtab.size % SYM_SIZE !== 0)
      throw elfError(
        symtab.name,
        symtab.offset,
        `symbol table of ${symtab.size} bytes, entries of ${symtab.entsize}: not Elf64_Sym (24 bytes)`,
      );
    const strtab = sections[symtab.link];
    if (!strtab || strtab.type !== SHT_STRTAB || symtab.link === 0)
      throw elfError(symtab.name, symtab.offset, `sh_link ${symtab.link} is not a string table`);
    for (let i = 0; i < symtab.size / SYM_SIZE; i++) {
      const at = symtab.offset + i * SYM_SIZE;
      const info = bytes[at + 4]!;
      symbols.push({
        index: i,
        name: strAt(strtab, dv.getUint32(at, true), `${symtab.name} symbol ${i}`, at),
        bind: info >> 4,
        type: info & 0xf,
        shndx: dv.getUint16(at + 6, true),
        value: u64(dv, at + 8, `${symtab.name} symbol ${i}`, 'st_value'),
        size: u64(dv, at + 16, `${symtab.name} symbol ${i}`, 'st_size'),
      });
    }
  }
  return { sections, symbols, symtab: symtab?.index ?? 0, bytes };
}

/** The entries of an SHT_REL section, each symbol index checked against the symbol table. */
export function relEntries(obj: ElfObject, rel: ElfSection): ElfRel[] {
  if (rel.entsize !== REL_SIZE || rel.size % REL_SIZE !== 0)
    throw elfError(
      rel.name,
      rel.offset,
      `relocation section of ${rel.size} bytes, entries of ${rel.entsize}: not Elf64_Rel (16 bytes)`,
    );
  if (rel.link !== obj.symtab || obj.symtab === 0)
    throw elfError(rel.name, rel.offset, `sh_link ${rel.link} is not the symbol table`);
  const dv = new DataView(obj.bytes.buffer, obj.bytes.byteOffset, obj.bytes.byteLength);
  const out: ElfRel[] = [];
  for (let i = 0; i < rel.size / REL_SIZE; i++) {
    const at = rel.offset + i * REL_SIZE;
    const sym = dv.getUint32(at + 12, true);
    if (sym >= obj.symbols.length)
      throw elfError(rel.name, at, `relocation ${i} names symbol ${sym}, the table has ${obj.symbols.length}`);
    out.push({ offset: u64(dv, at, `${rel.name} relocation ${i}`, 'r_offset'), type: dv.getUint32(at + 8, true), sym });
  }
  return out;
}
