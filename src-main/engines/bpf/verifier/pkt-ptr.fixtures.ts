/**
 * XDP packet pointers (xdp_is_valid_access(), adjust_ptr_min_max_vals(), check_packet_access()): the loads of
 * data / data_end / data_meta, arithmetic on each of them, and accesses of every size at a few offsets before any
 * bounds check (range 0).
 */
const FIELDS: [string, number][] = [
  ['data', 0],
  ['data_end', 4],
  ['data_meta', 8],
];
const ARITH = ['r2 += 4', 'r2 += -4', 'r2 -= 4', 'r2 += 0x20000000', 'r2 += r3', 'r2 *= 2', 'r2 &= 1', 'w2 += 1'];
const SIZES: [string, number][] = [
  ['u8', 1],
  ['u16', 2],
  ['u32', 4],
  ['u64', 8],
];

export function pktPtrCases(): { name: string; asm: string }[] {
  const out: { name: string; asm: string }[] = [];
  for (const [f, off] of FIELDS) {
    const load = `r2 = *(u32 *)(r1 +${off})`;
    for (const a of ARITH) out.push({ name: `${f}: ${a}`, asm: `r3 = 7\n${load}\n${a}\nr0 = 0\nexit` });
    for (const [sz] of SIZES)
      for (const o of [0, 2, -1])
        out.push({
          name: `${f}: load ${sz} at ${o}`,
          asm: `${load}\nr0 = *(${sz} *)(r2 ${o < 0 ? '-' : '+'}${Math.abs(o)})\nr0 = 0\nexit`,
        });
    out.push({ name: `${f}: store u32 at 0`, asm: `${load}\n*(u32 *)(r2 +0) = 1\nr0 = 0\nexit` });
    out.push({ name: `${f}: return it`, asm: `${load}\nr0 = r2\nexit` });
    // atomic_ptr_type_ok(): no atomic access through a packet pointer, whatever its range.
    out.push({ name: `${f}: atomic add u64 at 0`, asm: `r3 = 1\n${load}\nlock *(u64 *)(r2 +0) += r3\nr0 = 0\nexit` });
    out.push({
      name: `${f}: atomic fetch_add u32 at 0`,
      asm: `r3 = 1\n${load}\nr3 = atomic_fetch_add((u32 *)(r2 +0), r3)\nr0 = 0\nexit`,
    });
  }
  out.push({ name: 'data - data_end', asm: 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr2 -= r3\nr0 = 0\nexit' });
  out.push({ name: 'data + 4, load at 0', asm: 'r2 = *(u32 *)(r1 +0)\nr2 += 4\nr0 = *(u8 *)(r2 +0)\nr0 = 0\nexit' });
  out.push({
    name: 'data + var, load',
    asm: 'r3 = *(u32 *)(r1 +16)\nr3 &= 15\nr2 = *(u32 *)(r1 +0)\nr2 += r3\nr0 = *(u8 *)(r2 +1)\nr0 = 0\nexit',
  });
  // check_func_arg(): a packet pointer in every argument register, to helpers with and without pkt_access.
  for (const [f, off] of [
    ['data', 0],
    ['data_meta', 8],
  ] as const)
    for (const id of [1, 2, 3, 16, 112, 130, 131, 181]) {
      const regs = ['r1', 'r3', 'r4', 'r5'].map((r) => `${r} = r2`).join('\n');
      out.push({ name: `${f}: call ${id}`, asm: `r2 = *(u32 *)(r1 +${off})\n${regs}\ncall ${id}\nr0 = 0\nexit` });
    }
  return out;
}
