/**
 * resolve_pseudo_ldimm64() (kernel/bpf/verifier.c, Linux 6.18) for one program load: what each ld_imm64 naming a
 * map (by fd or fd_array index), a map value or a kernel BTF id loads, with the kernel's errors in its order.
 */
import { KernelError } from '../common/errors';
import type { Errno } from '../common/errors';
import { ArrayMap, PercpuArrayMap } from './maps';
import type { BpfMap } from './maps';
import { regionHi } from './memory';
import { BPF_PSEUDO_BTF_ID, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE } from './isa';
import type { LdImm64Resolver } from './prog';

/**
 * resolve_pseudo_ldimm64() for one load: a map by fd (src 1/2) or by its fd_array index (src 5/6) -> the map
 * pointer, or (map value) the address of value 0 + off; a kernel BTF FUNC (src 3) -> its address. Errors in
 * the kernel's order: fd_array, the fd, the count of maps, then the offset and the map type's direct value access.
 */
export function resolve_pseudo_ldimm64(
  maps: ReadonlyMap<number, BpfMap>,
  fdArray: readonly number[] | undefined,
  resolveBtfId: (imm: number, btfFd: number, fail: (errno: Errno, msg: string) => never) => [number, number],
): LdImm64Resolver {
  const used = new Set<number>();
  return (src, imm, nextImm, pc) => {
    const fail = (errno: Errno, msg: string): never => {
      throw new KernelError(errno, msg, { insn: pc });
    };
    if (src === BPF_PSEUDO_BTF_ID) return resolveBtfId(imm, nextImm, fail);
    let fd = imm;
    if (src === BPF_PSEUDO_MAP_IDX || src === BPF_PSEUDO_MAP_IDX_VALUE) {
      if (!fdArray) fail('EPROTO', 'fd_idx without fd_array is invalid');
      fd = fdArrayEntry(fdArray!, imm >>> 0);
    }
    const map = maps.get(fd);
    if (!map) return fail('EBADF', `fd ${fd} is not pointing to valid bpf_map`);
    used.add(map.id);
    if (used.size > MAX_USED_MAPS)
      fail('E2BIG', `The total number of maps per program has reached the limit of ${MAX_USED_MAPS}`);
    if (src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_IDX) return map.objectAddr();
    const off = nextImm >>> 0;
    if (off >= BPF_MAX_VAR_OFF) fail('EINVAL', `direct value offset of ${off} is not allowed`);
    // map_direct_value_addr: only BPF_MAP_TYPE_ARRAY's ops have it (array_map_direct_value_addr()).
    if (!(map instanceof ArrayMap) || map instanceof PercpuArrayMap)
      fail('EINVAL', 'no direct value access support for this map type');
    // array_map_direct_value_addr(): a single-element (global data) array, an offset inside its value.
    if (map.max_entries !== 1)
      fail('ENOTSUPP', `invalid access to map value pointer, value_size=${map.value_size} off=${off}`);
    if (off >= map.value_size)
      fail('EINVAL', `invalid access to map value pointer, value_size=${map.value_size} off=${off}`);
    return [regionHi((map as ArrayMap).values), nextImm];
  };
}

/** fd_array[idx]. Departure (6.18): past the array's end Linux copies whatever follows it in the loader's memory; the model reads -1 (no fd). */
export function fdArrayEntry(fdArray: readonly number[], idx: number): number {
  return fdArray[idx] ?? -1;
}

/** MAX_USED_MAPS (include/linux/bpf.h): distinct maps one program may name. */
const MAX_USED_MAPS = 64;
/** BPF_MAX_VAR_OFF (include/linux/bpf_verifier.h): the largest direct value offset, exclusive. */
const BPF_MAX_VAR_OFF = 1 << 29;
