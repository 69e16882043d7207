/**
 * Packet bounds checks (try_match_pkt_pointers(), find_good_pkt_pointers(), mark_pkt_end(),
 * is_pkt_ptr_branch_taken()): pkt + N compared with pkt_end (and pkt_meta + N with pkt) by every conditional jump,
 * both operand orders, 64 and 32 bits, with an access just inside and just past the proven range in either branch,
 * and a second comparison in the branch where the pointer is at or past pkt_end.
 */
const OPS = ['>', '>=', '<', '<=', '==', '!=', 's>', 's<='];
const OFFS = [0, 1, 8, 0xffff, 0x10000];

export interface PktRangeCase {
  name: string;
  asm: string;
}

export function pktRangeCases(): PktRangeCase[] {
  const out: PktRangeCase[] = [];
  // data in r2, data_end in r3, data_meta in r5, r4 = the moved pointer.
  const head = (base: 'r2' | 'r5', n: number): string =>
    `r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr5 = *(u32 *)(r1 +8)\nr4 = ${base}\nr4 += ${n}`;
  for (const [pair, base, end] of [
    ['data', 'r2', 'r3'],
    ['meta', 'r5', 'r2'],
  ] as const)
    for (const op of OPS)
      for (const w of ['r', 'w'])
        for (const swap of [false, true])
          for (const n of pair === 'meta' ? [0, 8] : OFFS) {
            const cond = swap ? `if ${w}${end.slice(1)} ${op} ${w}4` : `if ${w}4 ${op} ${w}${end.slice(1)}`;
            for (const at of [n - 1, n]) {
              if (at < 0) continue;
              // Through the moved pointer (its offset n is in reg->off): r4 - 1 is the last byte pkt + n covers.
              const acc = at < n ? 'r0 = *(u8 *)(r4 -1)' : 'r0 = *(u8 *)(r4 +0)';
              const name = `${pair}: ${cond} (+${n}), u8 at ${at}`;
              out.push({
                name: `${name} fall-through`,
                asm: `${head(base, n)}\n${cond} goto +1\n${acc}\nr0 = 0\nexit`,
              });
              out.push({
                name: `${name} taken`,
                asm: `${head(base, n)}\n${cond} goto +2\nr0 = 0\nexit\n${acc}\nr0 = 0\nexit`,
              });
            }
          }
  // is_pkt_ptr_branch_taken(): after `pkt+8 > end` (taken: beyond) or `pkt+8 >= end` (taken: at), a second comparison
  // whose one side holds an access the range forbids is decided, or not.
  for (const first of ['>', '>='])
    for (const op of OPS.slice(0, 4))
      for (const swap of [false, true]) {
        const cond = swap ? `if r3 ${op} r4` : `if r4 ${op} r3`;
        for (const side of ['fall-through', 'taken']) {
          const second =
            side === 'taken'
              ? `${cond} goto +2\nr0 = 0\nexit\nr0 = *(u8 *)(r2 +0)\nr0 = 0\nexit`
              : `${cond} goto +1\nr0 = *(u8 *)(r2 +0)\nr0 = 0\nexit`;
          out.push({
            name: `past end (r4 ${first} r3 taken): ${cond}, access ${side}`,
            asm: `${head('r2', 8)}\nif r4 ${first} r3 goto +2\nr0 = 0\nexit\n${second}`,
          });
        }
      }
  // A variable offset: the range only holds for pkt + var + N when var is at most MAX_PACKET_OFF.
  for (const mask of [0xff, 0xffff, 0x1ffff])
    for (const at of [7, 8])
      out.push({
        name: `pkt + (x & ${mask}) + 8 > end, u8 at ${at}`,
        asm:
          `r6 = *(u32 *)(r1 +16)\nr6 &= ${mask}\nr2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr2 += r6\nr4 = r2\nr4 += 8\n` +
          `if r4 > r3 goto +1\nr0 = *(u8 *)(r2 +${at})\nr0 = 0\nexit`,
      });
  // The range reaches a spilled copy of the pointer, and a copy made before the check.
  out.push({
    name: 'spilled pkt gets the range',
    asm: `${head('r2', 8)}\n*(u64 *)(r10 -8) = r2\nif r4 > r3 goto +3\nr6 = *(u64 *)(r10 -8)\nr0 = *(u32 *)(r6 +4)\nr0 = 0\nr0 = 0\nexit`,
  });
  return out;
}
