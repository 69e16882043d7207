/**
 * The engine's loader for BPF object files (`clang --target=bpf -O2 -g -c`), following what libbpf's
 * src/libbpf.c does between bpf_object__open_mem() and bpf_object__load(): programs from the executable
 * sections, their types from the section name (the SEC() table, section_defs[] and sec_def_matches()), the
 * `license` section, BTF-defined maps in `.maps` (parse_btf_map_def()), `.data`/`.rodata`/`.bss` as single-element
 * array maps (bpf_object__init_internal_map()), relocations (bpf_program__record_reloc(),
 * bpf_object__reloc_code(), bpf_object__relocate_data(): map and global-data ld_imm64, calls and addresses of
 * subprograms appended from `.text`, `.ksyms` kfunc externs resolved by name against the engine's BTF), and
 * .BTF/.BTF.ext func_info and line_info carried to each linked program. Documentation/bpf/llvm_reloc.rst,
 * Documentation/bpf/btf.rst and Documentation/bpf/libbpf/program_types.rst describe the formats and names.
 * Written for this project from those descriptions, not from libbpf's code.
 *
 * Departures from libbpf 1.5 on Linux 6.18: no CO-RE relocations, no struct_ops, no extern variables (kconfig,
 * typed ksyms), no map pinning or map-in-map; a malformed object is EINVAL (libbpf: -LIBBPF_ERRNO__FORMAT/RELOC).
 */
import { KernelError } from '../common/errors';
import type { Errno } from '../common/errors';
import { BTF_KIND, ObjBtf } from './btf';
import type { BtfType } from './btf';
import { parseBtfExt } from './btf_ext';
import type { BtfExtSection, ObjLineInfo } from './btf_ext';
import {
  elfError,
  parseElf,
  relEntries,
  R_BPF_64_32,
  R_BPF_64_64,
  SHF_EXECINSTR,
  SHN_ABS,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHT_NOBITS,
  SHT_PROGBITS,
  SHT_REL,
  STB_GLOBAL,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_SECTION,
} from './elf';
import type { ElfObject, ElfSection, ElfSymbol } from './elf';
import {
  BPF_CALL,
  BPF_JMP,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
} from './isa';
import type { BpfInsn } from './isa';
import { BPF_F_RDONLY_PROG, BPF_MAP_TYPE } from './maps';

const BPF_INSN_SZ = 8;
const BPF_OBJ_NAME_LEN = 16;
/** libbpf's POISON_CALL_KFUNC_BASE: an unresolved weak kfunc's call becomes `call POISON + extern index`. */
export const POISON_CALL_KFUNC_BASE = 2002000000;
const BPF_F_SLEEPABLE = 1 << 4;
const BPF_LD_IMM64 = 0x18;

/** One SEC() definition: the section name or prefix, the program type, libbpf's flags that matter here. */
interface SecDef {
  sec: string;
  type: string;
  sleepable?: boolean;
}

/**
 * libbpf's section_defs[] (Documentation/bpf/libbpf/program_types.rst): `name+` is `name` or `name/...`, `name/`
 * needs the `/...`, anything else is exact. The first match wins, as libbpf searches the table in order.
 */
const SEC_DEFS: readonly SecDef[] = [
  { sec: 'socket', type: 'SOCKET_FILTER' },
  { sec: 'sk_reuseport/migrate', type: 'SK_REUSEPORT' },
  { sec: 'sk_reuseport', type: 'SK_REUSEPORT' },
  { sec: 'kprobe+', type: 'KPROBE' },
  { sec: 'uprobe+', type: 'KPROBE' },
  { sec: 'uprobe.s+', type: 'KPROBE', sleepable: true },
  { sec: 'kretprobe+', type: 'KPROBE' },
  { sec: 'uretprobe+', type: 'KPROBE' },
  { sec: 'uretprobe.s+', type: 'KPROBE', sleepable: true },
  { sec: 'kprobe.multi+', type: 'KPROBE' },
  { sec: 'kretprobe.multi+', type: 'KPROBE' },
  { sec: 'kprobe.session+', type: 'KPROBE' },
  { sec: 'uprobe.multi+', type: 'KPROBE' },
  { sec: 'uretprobe.multi+', type: 'KPROBE' },
  { sec: 'uprobe.session+', type: 'KPROBE' },
  { sec: 'ksyscall+', type: 'KPROBE' },
  { sec: 'kretsyscall+', type: 'KPROBE' },
  { sec: 'usdt+', type: 'KPROBE' },
  { sec: 'usdt.s+', type: 'KPROBE', sleepable: true },
  { sec: 'tc/ingress', type: 'SCHED_CLS' },
  { sec: 'tc/egress', type: 'SCHED_CLS' },
  { sec: 'tcx/ingress', type: 'SCHED_CLS' },
  { sec: 'tcx/egress', type: 'SCHED_CLS' },
  { sec: 'tc', type: 'SCHED_CLS' },
  { sec: 'classifier', type: 'SCHED_CLS' },
  { sec: 'action', type: 'SCHED_ACT' },
  { sec: 'netkit/primary', type: 'SCHED_CLS' },
  { sec: 'netkit/peer', type: 'SCHED_CLS' },
  { sec: 'tracepoint+', type: 'TRACEPOINT' },
  { sec: 'tp+', type: 'TRACEPOINT' },
  { sec: 'raw_tracepoint+', type: 'RAW_TRACEPOINT' },
  { sec: 'raw_tp+', type: 'RAW_TRACEPOINT' },
  { sec: 'raw_tracepoint.w+', type: 'RAW_TRACEPOINT_WRITABLE' },
  { sec: 'raw_tp.w+', type: 'RAW_TRACEPOINT_WRITABLE' },
  { sec: 'tp_btf+', type: 'TRACING' },
  { sec: 'fentry+', type: 'TRACING' },
  { sec: 'fmod_ret+', type: 'TRACING' },
  { sec: 'fexit+', type: 'TRACING' },
  { sec: 'fentry.s+', type: 'TRACING', sleepable: true },
  { sec: 'fmod_ret.s+', type: 'TRACING', sleepable: true },
  { sec: 'fexit.s+', type: 'TRACING', sleepable: true },
  { sec: 'freplace+', type: 'EXT' },
  { sec: 'lsm+', type: 'LSM' },
  { sec: 'lsm.s+', type: 'LSM', sleepable: true },
  { sec: 'lsm_cgroup+', type: 'LSM' },
  { sec: 'iter+', type: 'TRACING' },
  { sec: 'iter.s+', type: 'TRACING', sleepable: true },
  { sec: 'syscall', type: 'SYSCALL', sleepable: true },
  { sec: 'xdp.frags/devmap', type: 'XDP' },
  { sec: 'xdp/devmap', type: 'XDP' },
  { sec: 'xdp.frags/cpumap', type: 'XDP' },
  { sec: 'xdp/cpumap', type: 'XDP' },
  { sec: 'xdp.frags', type: 'XDP' },
  { sec: 'xdp', type: 'XDP' },
  { sec: 'perf_event', type: 'PERF_EVENT' },
  { sec: 'lwt_in', type: 'LWT_IN' },
  { sec: 'lwt_out', type: 'LWT_OUT' },
  { sec: 'lwt_xmit', type: 'LWT_XMIT' },
  { sec: 'lwt_seg6local', type: 'LWT_SEG6LOCAL' },
  { sec: 'sockops', type: 'SOCK_OPS' },
  { sec: 'sk_skb/stream_parser', type: 'SK_SKB' },
  { sec: 'sk_skb/stream_verdict', type: 'SK_SKB' },
  { sec: 'sk_skb/verdict', type: 'SK_SKB' },
  { sec: 'sk_skb', type: 'SK_SKB' },
  { sec: 'sk_msg', type: 'SK_MSG' },
  { sec: 'lirc_mode2', type: 'LIRC_MODE2' },
  { sec: 'flow_dissector', type: 'FLOW_DISSECTOR' },
  { sec: 'cgroup_skb/ingress', type: 'CGROUP_SKB' },
  { sec: 'cgroup_skb/egress', type: 'CGROUP_SKB' },
  { sec: 'cgroup/skb', type: 'CGROUP_SKB' },
  { sec: 'cgroup/sock_create', type: 'CGROUP_SOCK' },
  { sec: 'cgroup/sock_release', type: 'CGROUP_SOCK' },
  { sec: 'cgroup/sock', type: 'CGROUP_SOCK' },
  { sec: 'cgroup/post_bind4', type: 'CGROUP_SOCK' },
  { sec: 'cgroup/post_bind6', type: 'CGROUP_SOCK' },
  { sec: 'cgroup/bind4', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/bind6', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/connect4', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/connect6', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/connect_unix', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/sendmsg4', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/sendmsg6', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/sendmsg_unix', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/recvmsg4', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/recvmsg6', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/recvmsg_unix', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/getpeername4', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/getpeername6', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/getpeername_unix', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/getsockname4', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/getsockname6', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/getsockname_unix', type: 'CGROUP_SOCK_ADDR' },
  { sec: 'cgroup/sysctl', type: 'CGROUP_SYSCTL' },
  { sec: 'cgroup/getsockopt', type: 'CGROUP_SOCKOPT' },
  { sec: 'cgroup/setsockopt', type: 'CGROUP_SOCKOPT' },
  { sec: 'cgroup/dev', type: 'CGROUP_DEVICE' },
  { sec: 'struct_ops+', type: 'STRUCT_OPS' },
  { sec: 'struct_ops.s+', type: 'STRUCT_OPS', sleepable: true },
  { sec: 'sk_lookup', type: 'SK_LOOKUP' },
  { sec: 'netfilter', type: 'NETFILTER' },
];

/** The program types the engine's verifier models (verifier/prog-types.ts). */
const MODELLED_TYPES = new Set(['SOCKET_FILTER', 'RAW_TRACEPOINT', 'TRACEPOINT', 'XDP', 'SYSCALL']);

/** find_sec_def(): the SEC() definition a section name matches, or undefined. */
export function findSecDef(sec: string): SecDef | undefined {
  for (const d of SEC_DEFS) {
    const s = d.sec;
    if (s.endsWith('/')) {
      if (sec.startsWith(s)) return d;
    } else if (s.endsWith('+')) {
      const p = s.slice(0, -1);
      if (sec.startsWith(p) && (sec.length === p.length || sec[p.length] === '/')) return d;
    } else if (sec === s) return d;
  }
  return undefined;
}

/** A program of the object (struct bpf_program before load). */
export interface BpfObjProgram {
  /** The function's name (the program's name, truncated to 15 characters at load as the kernel keeps it). */
  name: string;
  /** The ELF section (SEC()) it came from. */
  section: string;
  /** BPF_PROG_TYPE_* from the section name, or undefined when libbpf would not recognise it. */
  prog_type: string | undefined;
  /** Whether load() loads it (a `?` before the section name turns autoload off). */
  autoload: boolean;
  /** BPF_F_SLEEPABLE for `syscall`, `*.s` sections. */
  sleepable: boolean;
  /** Instructions in the section (before relocation). */
  insn_cnt: number;
}

/** A map of the object (struct bpf_map before creation). */
export interface BpfObjMap {
  name: string;
  /** `.maps` for BTF-defined maps, or the data section of a global-data map. */
  section: string;
  map_type: string;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags: number;
  /** Global data: the section's initial bytes (absent for .bss, whose map starts zeroed). */
  initial?: Uint8Array;
}

/** A program after linking: its instructions, func_info and line_info in instruction indexes. */
export interface LinkedProgram {
  insns: BpfInsn[];
  func_info: { insn_off: number; type_id: number }[];
  line_info: (ObjLineInfo & { insn_idx: number })[];
}

/** Internal record of a function in an executable section. */
interface Func {
  name: string;
  sec: ElfSection;
  /** Instruction offset in the section and count. */
  off: number;
  cnt: number;
  sym: ElfSymbol;
  isSubprog: boolean;
}

/** A relocation attached to one instruction of a section. */
type Reloc =
  | { kind: 'map'; map: number }
  | { kind: 'data'; map: number; off: number }
  | { kind: 'call'; target: number; sec: ElfSection }
  | { kind: 'func_addr'; target: number; sec: ElfSection }
  | { kind: 'kfunc'; name: string; weak: boolean; ext: number };

const isData = (n: string): 'data' | 'rodata' | 'bss' | undefined =>
  n === '.data' || n.startsWith('.data.')
    ? 'data'
    : n === '.rodata' || n.startsWith('.rodata.')
      ? 'rodata'
      : n === '.bss' || n.startsWith('.bss.')
        ? 'bss'
        : undefined;

/** The loader of one object file. */
export class BpfObject {
  /** The object's name (the file name up to its first '.', as libbpf names it). */
  readonly name: string;
  readonly license: string;
  readonly kern_version: number;
  readonly programs: BpfObjProgram[] = [];
  readonly mapDefs: BpfObjMap[] = [];
  readonly btf: ObjBtf | undefined;
  private readonly ext = new Map<string, BtfExtSection>();
  private readonly elf: ElfObject;
  private readonly funcs: Func[] = [];
  /** Relocations by section index and instruction index in that section. */
  private readonly relocs = new Map<number, Map<number, Reloc>>();
  /** Map index by `.maps` offset, and by data section index. */
  private readonly mapAtOffset = new Map<number, number>();
  private readonly dataMap = new Map<number, number>();
  private readonly textIdx: number;
  private readonly externs: string[] = [];
  /** The externs every reference of which is weak (libbpf's ext->is_weak). */
  private readonly weakExterns = new Set<string>();

  constructor(bytes: Uint8Array, opts: { name?: string } = {}) {
    this.elf = parseElf(bytes);
    const { sections, symbols } = this.elf;
    this.name = (opts.name ?? 'bpf_object').replace(/^.*\//, '').split('.')[0]!.slice(0, 63) || 'bpf_object';
    const byName = (n: string): ElfSection | undefined => sections.find((s) => s.name === n);
    const lic = byName('license');
    // bpf_object__init_license(): the string up to the first NUL, at most 63 characters.
    this.license = lic ? cstr(lic.data).slice(0, 63) : '';
    const ver = byName('version');
    if (ver && ver.size !== 4) throw elfError('version', ver.offset, `invalid kver section size ${ver.size}`);
    this.kern_version = ver ? new DataView(ver.data.buffer, ver.data.byteOffset, 4).getUint32(0, true) : 0;
    const btfSec = byName('.BTF');
    this.btf = btfSec ? new ObjBtf(btfSec.data) : undefined;
    const extSec = byName('.BTF.ext');
    if (extSec && this.btf) for (const [k, v] of parseBtfExt(extSec.data, this.btf)) this.ext.set(k, v);
    this.textIdx = byName('.text')?.index ?? -1;
    if (!symbols.length) throw elfError('ELF header', 0, 'no symbol table (a BPF object needs one)');

    // Programs: every function symbol of an executable section (bpf_object__add_programs()).
    for (const s of sections) {
      if (s.type !== SHT_PROGBITS || !(s.flags & SHF_EXECINSTR)) continue;
      if (s.size % BPF_INSN_SZ !== 0)
        throw elfError(s.name, s.offset, `section size ${s.size} is not a multiple of ${BPF_INSN_SZ}`);
      const fs = symbols.filter((y) => y.shndx === s.index && y.type === STT_FUNC);
      for (const y of fs) {
        if (y.value % BPF_INSN_SZ !== 0 || y.size % BPF_INSN_SZ !== 0 || y.value + y.size > s.size || y.size === 0) {
          throw elfError(
            s.name,
            s.offset + Math.min(y.value, s.size),
            `program '${y.name}' at ${y.value} of ${y.size} bytes crosses the section boundary or is misaligned`,
          );
        }
        const isSubprog = s.index === this.textIdx;
        if (!isSubprog && y.bind === STB_LOCAL)
          throw new KernelError('EOPNOTSUPP', `sec '${s.name}': program '${y.name}' is static and not supported`, {
            section: s.name,
            offset: s.offset + y.value,
          });
        this.funcs.push({
          name: y.name,
          sec: s,
          off: y.value / BPF_INSN_SZ,
          cnt: y.size / BPF_INSN_SZ,
          sym: y,
          isSubprog,
        });
        if (!isSubprog) {
          const auto = !s.name.startsWith('?');
          const secName = auto ? s.name : s.name.slice(1);
          const def = findSecDef(secName);
          this.programs.push({
            name: y.name,
            section: s.name,
            prog_type: def ? `BPF_PROG_TYPE_${def.type}` : undefined,
            autoload: auto,
            sleepable: !!def?.sleepable,
            insn_cnt: y.size / BPF_INSN_SZ,
          });
        }
      }
    }
    this.initMaps();
    this.collectRelos();
  }

  /** `.maps` (parse_btf_map_def()) and the data sections (bpf_object__init_global_data_maps()). */
  private initMaps(): void {
    const { sections, symbols } = this.elf;
    const mapsSec = sections.find((s) => s.name === '.maps');
    if (mapsSec) {
      const btf = this.btf;
      if (!btf) throw elfError('.maps', mapsSec.offset, 'BTF-defined maps need .BTF');
      const ds = btf.find('.maps', BTF_KIND.DATASEC);
      if (!ds) throw elfError('.maps', mapsSec.offset, "DATASEC '.maps' not found in .BTF");
      for (const v of ds.members ?? []) {
        const varT = btf.type(v.type);
        if (!varT || varT.kind !== BTF_KIND.VAR)
          throw elfError('.maps', mapsSec.offset + v.offset, `DATASEC member type ${v.type} is not a VAR`);
        const name = varT.name;
        // The map's place comes from its ELF symbol (libbpf fixes DATASEC offsets from the symbols).
        const sym = symbols.find((y) => y.shndx === mapsSec.index && y.name === name);
        const off = sym ? sym.value : v.offset;
        const def = this.parseMapDef(name, varT, off + mapsSec.offset);
        this.mapAtOffset.set(off, this.mapDefs.length);
        this.mapDefs.push({ ...def, section: '.maps' });
      }
    }
    for (const s of sections) {
      const kind = isData(s.name);
      if (!kind || !(s.type === SHT_PROGBITS || s.type === SHT_NOBITS) || s.size === 0) continue;
      // bpf_map_mmap_sz() limits aside, one element holds the whole section.
      const flags = kind === 'rodata' ? BPF_F_RDONLY_PROG : 0; // departure: no BPF_F_MMAPABLE, no freeze in the model
      this.dataMap.set(s.index, this.mapDefs.length);
      this.mapDefs.push({
        name: internalMapName(this.name, s.name),
        section: s.name,
        map_type: 'BPF_MAP_TYPE_ARRAY',
        key_size: 4,
        value_size: s.size,
        max_entries: 1,
        map_flags: flags,
        // .bss has no bytes in the file: the array map starts zeroed (and a corrupt size allocates nothing here).
        ...(s.type === SHT_NOBITS ? {} : { initial: Uint8Array.from(s.data) }),
      });
    }
  }

  /** parse_btf_map_def(): the fields of a `.maps` struct. */
  private parseMapDef(name: string, varT: BtfType, at: number): Omit<BpfObjMap, 'section'> {
    const btf = this.btf!;
    const st = btf.skipMods(varT.sizeOrType);
    if (!st || st.kind !== BTF_KIND.STRUCT) throw elfError('.maps', at, `map '${name}': def is not a struct`);
    const def: Omit<BpfObjMap, 'section'> = {
      name,
      map_type: '',
      key_size: 0,
      value_size: 0,
      max_entries: 0,
      map_flags: 0,
    };
    let typeNum: number | undefined;
    let keySize: number | undefined;
    let valueSize: number | undefined;
    const uintField = (m: { name: string; type: number }): number => {
      // __uint(name, val): int (*name)[val].
      const p = btf.skipMods(m.type);
      const arr = p?.kind === BTF_KIND.PTR ? btf.skipMods(p.sizeOrType) : undefined;
      if (!arr || arr.kind !== BTF_KIND.ARRAY)
        throw elfError('.maps', at, `map '${name}': attr '${m.name}': expected PTR -> ARRAY`);
      return arr.array!.nelems;
    };
    const typeField = (m: { name: string; type: number }): number => {
      const p = btf.skipMods(m.type);
      if (!p || p.kind !== BTF_KIND.PTR) throw elfError('.maps', at, `map '${name}': ${m.name} spec is not PTR`);
      const size = btf.resolveSize(p.sizeOrType);
      if (size === undefined)
        throw elfError('.maps', at, `map '${name}': can't determine ${m.name} size for type [${p.sizeOrType}]`);
      return size;
    };
    for (const m of st.members ?? []) {
      switch (m.name) {
        case 'type':
          typeNum = uintField(m);
          break;
        case 'max_entries':
          def.max_entries = uintField(m);
          break;
        case 'map_flags':
          def.map_flags = uintField(m);
          break;
        case 'numa_node':
        case 'map_extra':
          uintField(m);
          break;
        case 'key_size':
        case 'value_size': {
          const sz = uintField(m);
          const prev = m.name === 'key_size' ? keySize : valueSize;
          if (prev !== undefined && prev !== sz)
            throw elfError('.maps', at, `map '${name}': conflicting ${m.name} ${prev} != ${sz}`);
          if (m.name === 'key_size') keySize = sz;
          else valueSize = sz;
          break;
        }
        case 'key':
        case 'value': {
          const sz = typeField(m);
          const prev = m.name === 'key' ? keySize : valueSize;
          if (prev !== undefined && prev !== sz)
            throw elfError('.maps', at, `map '${name}': conflicting ${m.name} size ${prev} != ${sz}`);
          if (m.name === 'key') keySize = sz;
          else valueSize = sz;
          break;
        }
        case 'pinning':
          if (uintField(m) !== 0)
            throw new KernelError('EOPNOTSUPP', `map '${name}': pinning is not modelled`, {
              section: '.maps',
              offset: at,
            });
          break;
        case 'values':
          throw new KernelError(
            'EOPNOTSUPP',
            `map '${name}': map-in-map and prog-array initial values are not modelled`,
            { section: '.maps', offset: at },
          );
        default:
          // libbpf without relaxed_maps: "map '%s': unknown field '%s'." and -ENOTSUP.
          throw new KernelError('EOPNOTSUPP', `map '${name}': unknown field '${m.name}'.`, {
            section: '.maps',
            offset: at,
          });
      }
    }
    if (typeNum === undefined) throw elfError('.maps', at, `map '${name}': has no type`);
    def.map_type =
      (Object.keys(BPF_MAP_TYPE) as (keyof typeof BPF_MAP_TYPE)[]).find((k) => BPF_MAP_TYPE[k] === typeNum) ??
      String(typeNum);
    def.key_size = keySize ?? 0;
    def.value_size = valueSize ?? 0;
    return def;
  }

  /** bpf_object__collect_relos() and bpf_program__record_reloc(). */
  private collectRelos(): void {
    const { sections, symbols } = this.elf;
    for (const rel of sections) {
      if (rel.type !== SHT_REL) continue;
      const target = sections[rel.info];
      // Relocations of non-program sections (.BTF, DWARF) are not the loader's.
      if (!target || target.type !== SHT_PROGBITS || !(target.flags & SHF_EXECINSTR)) continue;
      const bySlot = new Map<number, Reloc>();
      this.relocs.set(target.index, bySlot);
      const dv = new DataView(target.data.buffer, target.data.byteOffset, target.data.byteLength);
      for (const r of relEntries(this.elf, rel)) {
        const sym = symbols[r.sym]!;
        const where = (what: string, errno: Errno = 'EINVAL'): KernelError =>
          new KernelError(
            errno,
            `elf: ${rel.name} at offset 0x${target.offset.toString(16)}+0x${r.offset.toString(16)}: ${what}`,
            { section: rel.name, offset: target.offset + r.offset },
          );
        if (r.offset % BPF_INSN_SZ !== 0 || r.offset + BPF_INSN_SZ > target.size)
          throw where(`relocation at ${r.offset} is not an instruction of '${target.name}'`);
        const idx = r.offset / BPF_INSN_SZ;
        const code = target.data[r.offset]!;
        const srcReg = target.data[r.offset + 1]! >> 4;
        const imm = dv.getInt32(r.offset + 4, true);
        const symName = sym.type === STT_SECTION ? (sections[sym.shndx]?.name ?? '') : sym.name;
        if (r.type !== R_BPF_64_64 && r.type !== R_BPF_64_32)
          throw where(`relo #${r.offset / 8} of '${symName}': unsupported relocation type ${r.type}`);
        const isCall = code === (BPF_JMP | BPF_CALL);
        if (isCall) {
          if (srcReg !== BPF_PSEUDO_CALL)
            throw where(`call at insn ${idx} to '${symName}' is not a pseudo call (src_reg ${srcReg})`);
          if (sym.shndx === SHN_UNDEF) {
            // An extern function: a kfunc declared __ksym (libbpf: "extern (func ksym)").
            if (sym.bind !== STB_GLOBAL && sym.bind !== STB_WEAK) throw where(`extern '${sym.name}' is not global`);
            let ext = this.externs.indexOf(sym.name);
            if (ext < 0) {
              ext = this.externs.push(sym.name) - 1;
              if (sym.bind === STB_WEAK) this.weakExterns.add(sym.name);
            }
            bySlot.set(idx, { kind: 'kfunc', name: sym.name, weak: sym.bind === STB_WEAK, ext });
            continue;
          }
          if (sym.shndx !== this.textIdx)
            throw where(`call at insn ${idx} to '${symName}' in section ${sym.shndx}, not .text`);
          if (sym.value % BPF_INSN_SZ !== 0) throw where(`bad call relo against '${symName}' at offset ${sym.value}`);
          bySlot.set(idx, { kind: 'call', target: sym.value / BPF_INSN_SZ + imm + 1, sec: sections[this.textIdx]! });
          continue;
        }
        // libbpf: "invalid relo for insns[%d].code 0x%x".
        if (code !== BPF_LD_IMM64 || r.offset + 2 * BPF_INSN_SZ > target.size)
          throw where(`invalid relo for insns[${idx}].code 0x${code.toString(16)}`);
        if (sym.shndx === SHN_UNDEF)
          throw where(`extern variable '${sym.name}' (kconfig or typed ksym) is not modelled`, 'EOPNOTSUPP');
        if (sym.shndx >= SHN_LORESERVE || sym.shndx === SHN_ABS)
          throw where(`relo against '${symName}' in special section 0x${sym.shndx.toString(16)}`);
        if (sym.shndx === this.textIdx) {
          if (sym.value % BPF_INSN_SZ !== 0)
            throw where(`bad subprog addr relo against '${symName}' at offset ${sym.value}`);
          bySlot.set(idx, {
            kind: 'func_addr',
            target: sym.value / BPF_INSN_SZ + imm / BPF_INSN_SZ,
            sec: sections[this.textIdx]!,
          });
          continue;
        }
        const mapsSec = sections[sym.shndx];
        if (mapsSec?.name === '.maps') {
          const m = this.mapAtOffset.get(sym.value);
          if (m === undefined) throw where(`failed to find map at offset ${sym.value} of .maps ('${symName}')`);
          bySlot.set(idx, { kind: 'map', map: m });
          continue;
        }
        const m = this.dataMap.get(sym.shndx);
        if (m === undefined)
          throw where(
            `relo against '${symName}' of section '${mapsSec?.name ?? sym.shndx}', which is no map or data section`,
          );
        const off = sym.value + imm;
        if (off < 0 || off >= this.mapDefs[m]!.value_size)
          throw where(`'${symName}' + ${imm} is outside '${mapsSec!.name}' (${this.mapDefs[m]!.value_size} bytes)`);
        bySlot.set(idx, { kind: 'data', map: m, off });
      }
    }
  }

  /**
   * bpf_object__resolve_externs() for kfuncs: every extern the object's code calls, whichever program calls it
   * and whether that program is loaded, must resolve unless it is weak ("not found in kernel or module BTFs").
   */
  resolveExterns(kfuncId: (name: string) => number | undefined): void {
    for (const name of this.externs)
      if (kfuncId(name) === undefined && !this.weakExterns.has(name))
        throw new KernelError('ESRCH', `extern (func ksym) '${name}': not found in kernel or module BTFs`);
  }

  /** The function of section `sec` holding instruction `idx`. */
  private funcAt(sec: ElfSection, idx: number): Func | undefined {
    return this.funcs.find((f) => f.sec.index === sec.index && idx >= f.off && idx < f.off + f.cnt);
  }

  /**
   * bpf_object__reloc_code() and bpf_object__relocate_data(): the program's instructions with the subprograms it
   * calls appended, maps and data given as `fds[map index]`, kfunc calls as BTF ids of `kfuncId`.
   */
  link(progName: string, fds: readonly number[], kfuncId: (name: string) => number | undefined): LinkedProgram {
    const main = this.funcs.find((f) => !f.isSubprog && f.name === progName);
    if (!main) throw new KernelError('ENOENT', `prog '${progName}': no such program in the object`);
    const out: BpfInsn[] = [];
    const placed = new Map<Func, number>();
    const funcInfo: LinkedProgram['func_info'] = [];
    const lineInfo: LinkedProgram['line_info'] = [];
    const queue: Func[] = [];
    const place = (f: Func): number => {
      let at = placed.get(f);
      if (at !== undefined) return at;
      at = out.length;
      placed.set(f, at);
      const dv = new DataView(f.sec.data.buffer, f.sec.data.byteOffset, f.sec.data.byteLength);
      for (let i = 0; i < f.cnt; i++) {
        const p = (f.off + i) * BPF_INSN_SZ;
        const b = f.sec.data[p + 1]!;
        out.push({
          code: f.sec.data[p]!,
          dst_reg: b & 0xf,
          src_reg: b >> 4,
          off: dv.getInt16(p + 2, true),
          imm: dv.getInt32(p + 4, true),
        });
      }
      const ext = this.ext.get(f.sec.name);
      // The records of this function, their byte offsets made instruction indexes of the linked program.
      // adjust_prog_btf_ext_info(): a u32 division, so a byte offset inside an instruction names that instruction.
      for (const fi of ext?.func_info ?? []) {
        const i = Math.floor(fi.insn_off / BPF_INSN_SZ);
        if (i >= f.off && i < f.off + f.cnt) funcInfo.push({ insn_off: at + i - f.off, type_id: fi.type_id });
      }
      for (const li of ext?.line_info ?? []) {
        const i = Math.floor(li.insn_off / BPF_INSN_SZ);
        if (i >= f.off && i < f.off + f.cnt) lineInfo.push({ ...li, insn_idx: at + i - f.off });
      }
      queue.push(f);
      return at;
    };
    place(main);
    while (queue.length) {
      const f = queue.shift()!;
      const base = placed.get(f)!;
      const rel = this.relocs.get(f.sec.index);
      for (let i = 0; i < f.cnt; i++) {
        const pc = base + i;
        const insn = out[pc]!;
        const r = rel?.get(f.off + i);
        const isCall = insn.code === (BPF_JMP | BPF_CALL) && insn.src_reg === BPF_PSEUDO_CALL;
        if (r?.kind === 'kfunc') {
          const id = kfuncId(r.name);
          if (id !== undefined) {
            out[pc] = { ...insn, src_reg: BPF_PSEUDO_KFUNC_CALL, imm: id, off: 0 };
          } else if (r.weak) {
            // poison_kfunc_call(): the verifier rejects it only if the call is reachable.
            out[pc] = { code: BPF_JMP | BPF_CALL, dst_reg: 0, src_reg: 0, off: 0, imm: POISON_CALL_KFUNC_BASE + r.ext };
          } else {
            throw new KernelError('ESRCH', `extern (func ksym) '${r.name}': not found in kernel or module BTFs`);
          }
        } else if (r?.kind === 'call' || r?.kind === 'func_addr' || (isCall && !r)) {
          // A call or address within the function's own section carries no relocation: imm is pc-relative.
          const sec = r ? r.sec : f.sec;
          const target = r ? r.target : f.off + i + insn.imm + 1;
          const callee = this.funcAt(sec, target);
          if (!callee)
            throw new KernelError(
              'EINVAL',
              `prog '${progName}': no subprogram at insn ${target} of '${sec.name}' (called from insn ${pc})`,
              { section: sec.name, offset: sec.offset + Math.max(0, target) * BPF_INSN_SZ },
            );
          const at = place(callee) + target - callee.off;
          if (r?.kind === 'func_addr') {
            out[pc] = { ...insn, src_reg: BPF_PSEUDO_FUNC, imm: at - pc - 1 };
            out[pc + 1] = { ...out[pc + 1]!, imm: 0 };
          } else {
            out[pc] = { ...insn, imm: at - pc - 1 };
          }
        } else if (r?.kind === 'map') {
          out[pc] = { ...insn, src_reg: BPF_PSEUDO_MAP_FD, imm: fds[r.map]! };
        } else if (r?.kind === 'data') {
          out[pc] = { ...insn, src_reg: BPF_PSEUDO_MAP_VALUE, imm: fds[r.map]! };
          out[pc + 1] = { ...out[pc + 1]!, imm: r.off };
        }
      }
    }
    funcInfo.sort((a, b) => a.insn_off - b.insn_off);
    lineInfo.sort((a, b) => a.insn_idx - b.insn_idx);
    return { insns: out, func_info: funcInfo, line_info: lineInfo };
  }
}

/** The string of `b` up to its first NUL. */
function cstr(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * internal_map_name(): up to 8 characters of the object's name, then the section's (`prog.bss`), sanitised; a
 * custom section (`.data.counters`) keeps its own name alone.
 */
export function internalMapName(obj: string, sec: string): string {
  const sfx = Math.max(7, sec.length);
  const pfx = sec.indexOf('.', 1) >= 0 ? 0 : Math.min(BPF_OBJ_NAME_LEN - sfx - 1, obj.length);
  return `${obj.slice(0, Math.max(0, pfx))}${sec.slice(0, sfx)}`
    .slice(0, BPF_OBJ_NAME_LEN - 1)
    .replace(/[^A-Za-z0-9_.]/g, '_');
}

export { MODELLED_TYPES, BPF_F_SLEEPABLE };

/** What a C compile gives (the host's clang in the main process, src-main/clang/bpf-clang.ts): an object for BpfObject. */
export type BpfCompileResult =
  | { ok: true; object: Uint8Array; diagnostics: BpfCompileDiagnostic[]; log: string }
  | { ok: false; diagnostics: BpfCompileDiagnostic[]; log: string; why: string };

/** One compiler diagnostic at its file, line and column. */
export interface BpfCompileDiagnostic {
  file: string;
  line: number;
  col: number;
  severity: 'error' | 'warning' | 'note' | 'fatal error';
  message: string;
}
