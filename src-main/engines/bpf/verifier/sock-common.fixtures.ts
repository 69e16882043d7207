/**
 * `__sk_buff.sk` (net/core/filter.c bpf_skb_is_valid_access(): a u64 load gives PTR_TO_SOCK_COMMON_OR_NULL) and
 * every use of the register it gives: null checks (JMP and JMP32), loads through it (kernel/bpf/verifier.c
 * check_sock_access() -> bpf_sock_common_is_valid_access()), stores, pointer arithmetic, helper arguments, spills
 * and fills, stores of it into a map or the context, returning it. sock-common.test.ts loads each in the model
 * and (where it can) in the running kernel, as a BPF_PROG_TYPE_SOCKET_FILTER program.
 */
import type { VariantMap } from './helper-args.fixtures';

export interface SockVariant {
  name: string;
  asm: string;
  map?: VariantMap;
}

const SIZES: Record<number, string> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };
const LOAD = 'r0 = *(u64 *)(r1 +168)';
/** After it, r0 is sock_common (the null branch returns 0). */
const NON_NULL = `${LOAD}\nif r0 != 0 goto +2\nr0 = 0\nexit`;
const ARRAY: VariantMap = { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 2 };

/** struct bpf_sock offsets at the edges of its fields, past its end and negative. */
const SOCK_OFFS = [-4, 0, 2, 4, 8, 12, 16, 20, 24, 28, 40, 44, 46, 48, 49, 50, 52, 56, 68, 72, 76, 78, 80];

export function sockCommonVariants(): SockVariant[] {
  const out: SockVariant[] = [
    { name: 'load sk and return it', asm: `${LOAD}\nexit` },
    { name: 'load sk through r6', asm: `r6 = r1\nr0 = *(u64 *)(r6 +168)\nexit` },
    { name: 'load sk then r0 = 0', asm: `${LOAD}\nr0 = 0\nexit` },
    { name: 'load sk into r1 and call tail_call', asm: `r2 = 0\nr1 = *(u64 *)(r1 +168)\ncall 12\nexit` },
    { name: 'ldsx s32 of sk', asm: 'r0 = *(s32 *)(r1 +168)\nr0 = 0\nexit' },
    { name: 'store r2 into sk', asm: 'r2 = 0\n*(u64 *)(r1 +168) = r2\nr0 = 0\nexit' },
    { name: 'st 0 into sk', asm: '*(u64 *)(r1 +168) = 0\nr0 = 0\nexit' },
    { name: 'deref or_null', asm: `${LOAD}\nr0 = *(u32 *)(r0 +4)\nexit` },
    { name: 'jeq 0 then deref', asm: `${LOAD}\nif r0 == 0 goto +1\nr0 = *(u32 *)(r0 +4)\nexit` },
    { name: 'jne 0 then deref', asm: `${NON_NULL}\nr0 = *(u32 *)(r0 +4)\nexit` },
    { name: 'jne 0 then return sock_common', asm: `${NON_NULL}\nexit` },
    { name: 'jeq 0 deref on the null branch', asm: `${LOAD}\nif r0 != 0 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit` },
    { name: 'jeq 0 then the null branch is 0', asm: `${LOAD}\nif r0 != 0 goto +2\nr0 += 1\nexit\nr0 = 0\nexit` },
    { name: 'jeq32 0 then deref', asm: `${LOAD}\nif w0 == 0 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit` },
    { name: 'jne32 0 then deref', asm: `${LOAD}\nif w0 != 0 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit` },
    { name: 'jeq 1 then deref', asm: `${LOAD}\nif r0 == 1 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit` },
    { name: 'jgt 0 then deref', asm: `${LOAD}\nif r0 > 0 goto +1\nexit\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit` },
    { name: 'jeq r2 (0) then deref', asm: `${LOAD}\nr2 = 0\nif r0 == r2 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit` },
    {
      name: 'copy null-checked through r6',
      asm: `${LOAD}\nr6 = r0\nif r6 == 0 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit`,
    },
    {
      name: 'two loads, check one, deref other',
      asm: `${LOAD}\nr6 = *(u64 *)(r1 +168)\nif r0 == 0 goto +1\nr0 = *(u32 *)(r6 +4)\nr0 = 0\nexit`,
    },
    {
      name: 'jeq or_null r6 (another sk) then deref',
      asm: `${LOAD}\nr6 = *(u64 *)(r1 +168)\nif r0 == r6 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit`,
    },
    {
      name: 'jeq32 sock_common then deref',
      asm: `${NON_NULL}\nif w0 == 0 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit`,
    },
    {
      name: 'jeq 0 on sock_common, the branch is dead',
      asm: `${NON_NULL}\nif r0 == 0 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit`,
    },
    { name: 'ldsx s8 through or_null', asm: `${LOAD}\nr0 = *(s8 *)(r0 +4)\nr0 = 0\nexit` },
    {
      name: 'loop over branches with or_null kept',
      asm: `${LOAD}\nr2 = 0\nif r2 == 0 goto +1\nr2 = 1\nif r0 == 0 goto +1\nr0 = *(u32 *)(r0 +72)\nr0 = 0\nexit`,
    },
    {
      name: 'sock_common as map_update value',
      asm: `r6 = *(u64 *)(r1 +168)\nif r6 != 0 goto +2\nr0 = 0\nexit\nr1 = map[id:1]\nr2 = r10\nr2 += -4\n*(u32 *)(r2 +0) = 0\nr3 = r6\nr4 = 0\ncall 2\nr0 = 0\nexit`,
      map: ARRAY,
    },
    { name: 'or_null += 8', asm: `${LOAD}\nr0 += 8\nr0 = 0\nexit` },
    { name: 'or_null += r2', asm: `${LOAD}\nr2 = 0\nr0 += r2\nr0 = 0\nexit` },
    { name: 'or_null -= 8', asm: `${LOAD}\nr0 -= 8\nr0 = 0\nexit` },
    { name: 'r2 += or_null', asm: `${LOAD}\nr2 = 8\nr2 += r0\nr0 = 0\nexit` },
    { name: 'or_null - or_null', asm: `${LOAD}\nr2 = r0\nr2 -= r0\nr0 = 0\nexit` },
    { name: 'or_null &= 1', asm: `${LOAD}\nr0 &= 1\nexit` },
    { name: 'or_null <<= 1', asm: `${LOAD}\nr0 <<= 1\nexit` },
    { name: 'or_null neg', asm: `${LOAD}\nr0 = -r0\nexit` },
    { name: 'or_null w0 += 1', asm: `${LOAD}\nw0 += 1\nexit` },
    { name: 'or_null w2 = w0', asm: `${LOAD}\nw2 = w0\nr0 = 0\nexit` },
    { name: 'sock_common += 8', asm: `${NON_NULL}\nr0 += 8\nr0 = 0\nexit` },
    { name: 'sock_common += r2', asm: `${NON_NULL}\nr2 = 0\nr0 += r2\nr0 = 0\nexit` },
    { name: 'sock_common &= 1', asm: `${NON_NULL}\nr0 &= 1\nexit` },
    { name: 'sock_common w0 += 1', asm: `${NON_NULL}\nw0 += 1\nexit` },
    { name: 'sock_common store r2', asm: `${NON_NULL}\nr2 = 0\n*(u32 *)(r0 +4) = r2\nr0 = 0\nexit` },
    { name: 'sock_common st 0', asm: `${NON_NULL}\n*(u32 *)(r0 +4) = 0\nr0 = 0\nexit` },
    { name: 'sock_common atomic add', asm: `${NON_NULL}\nr2 = 1\nlock *(u32 *)(r0 +4) += r2\nr0 = 0\nexit` },
    { name: 'or_null atomic add', asm: `${LOAD}\nr2 = 1\nlock *(u32 *)(r0 +4) += r2\nr0 = 0\nexit` },
    { name: 'or_null store r2', asm: `${LOAD}\nr2 = 0\n*(u32 *)(r0 +4) = r2\nr0 = 0\nexit` },
    { name: 'sock_common ldsx s16 off 48', asm: `${NON_NULL}\nr0 = *(s16 *)(r0 +48)\nr0 = 0\nexit` },
    { name: 'sock_common ldsx s32 off 4', asm: `${NON_NULL}\nr0 = *(s32 *)(r0 +4)\nr0 = 0\nexit` },
    {
      name: 'spill and fill or_null, then check',
      asm: `${LOAD}\n*(u64 *)(r10 -8) = r0\nr0 = *(u64 *)(r10 -8)\nif r0 == 0 goto +1\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit`,
    },
    {
      name: 'spill, check, fill and deref',
      asm: `${LOAD}\n*(u64 *)(r10 -8) = r0\nif r0 == 0 goto +2\nr0 = *(u64 *)(r10 -8)\nr0 = *(u32 *)(r0 +4)\nr0 = 0\nexit`,
    },
    { name: 'spill u32 of or_null', asm: `${LOAD}\n*(u32 *)(r10 -8) = r0\nr0 = 0\nexit` },
    { name: 'fill u32 of spilled or_null', asm: `${LOAD}\n*(u64 *)(r10 -8) = r0\nr0 = *(u32 *)(r10 -8)\nr0 = 0\nexit` },
    { name: 'store or_null into ctx cb', asm: `${LOAD}\n*(u64 *)(r1 +48) = r0\nr0 = 0\nexit` },
    { name: 'store or_null into ctx cb u32', asm: `${LOAD}\n*(u32 *)(r1 +48) = r0\nr0 = 0\nexit` },
    {
      name: 'store or_null into a map value',
      asm: `r6 = *(u64 *)(r1 +168)\nr1 = map[id:1]\nr2 = r10\nr2 += -4\n*(u32 *)(r2 +0) = 0\ncall 1\nif r0 == 0 goto +1\n*(u64 *)(r0 +0) = r6\nr0 = 0\nexit`,
      map: ARRAY,
    },
    {
      name: 'or_null as a map key',
      asm: `r2 = *(u64 *)(r1 +168)\nr1 = map[id:1]\ncall 1\nr0 = 0\nexit`,
      map: ARRAY,
    },
    {
      name: 'sock_common as a map key',
      asm: `r2 = *(u64 *)(r1 +168)\nif r2 != 0 goto +2\nr0 = 0\nexit\nr1 = map[id:1]\ncall 1\nr0 = 0\nexit`,
      map: ARRAY,
    },
    {
      name: 'or_null as tail_call ctx',
      asm: `r1 = *(u64 *)(r1 +168)\nr2 = map[id:1]\nr3 = 0\ncall 12\nr0 = 0\nexit`,
      map: ARRAY,
    },
    {
      name: 'sock_common as tail_call ctx',
      asm: `r1 = *(u64 *)(r1 +168)\nif r1 != 0 goto +2\nr0 = 0\nexit\nr2 = map[id:1]\nr3 = 0\ncall 12\nr0 = 0\nexit`,
      map: ARRAY,
    },
    {
      name: 'sock_common as probe_read_kernel dst',
      asm: `r1 = *(u64 *)(r1 +168)\nif r1 != 0 goto +2\nr0 = 0\nexit\nr2 = 8\nr3 = 0\ncall 113\nr0 = 0\nexit`,
    },
    {
      name: 'or_null as probe_read_kernel src',
      asm: `r3 = *(u64 *)(r1 +168)\nr1 = r10\nr1 += -8\nr2 = 8\ncall 113\nr0 = 0\nexit`,
    },
  ];
  for (const off of SOCK_OFFS) {
    for (const size of [1, 2, 4, 8]) {
      out.push({
        name: `sock_common load ${SIZES[size]} off ${off}`,
        asm: `${NON_NULL}\nr0 = *(${SIZES[size]} *)(r0 ${off < 0 ? '' : '+'}${off})\nr0 = 0\nexit`,
      });
    }
  }
  return out;
}
