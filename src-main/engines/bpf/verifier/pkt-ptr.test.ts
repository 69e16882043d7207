/**
 * XDP packet pointers against Linux 6.18: loads of xdp_md data / data_end / data_meta give pkt / pkt_end / pkt_meta
 * (xdp_is_valid_access()), arithmetic on them follows adjust_ptr_min_max_vals() and check_reg_sane_offset(), and an
 * access before any bounds check is refused by check_packet_access().
 */
import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { createBpf } from '../index';
import { pktPtrCases } from './pkt-ptr.fixtures';

/** Linux 6.18's answers (XDP, privileged): `ok` or `<errno> <first line>`. */
const KERNEL: Record<string, string> = {
  'data: r2 += 4': 'ok',
  'data: r2 += -4': 'ok',
  'data: r2 -= 4': 'ok',
  'data: r2 += 0x20000000': 'EINVAL math between pkt pointer and 536870912 is not allowed',
  'data: r2 += r3': 'ok',
  'data: r2 *= 2': 'EACCES R2 pointer arithmetic with *= operator prohibited',
  'data: r2 &= 1': 'EACCES R2 bitwise operator &= on pointer prohibited',
  'data: w2 += 1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'data: load u8 at 0': 'EACCES invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)',
  'data: load u8 at 2': 'EACCES invalid access to packet, off=2 size=1, R2(id=0,off=2,r=0)',
  'data: load u8 at -1': 'EACCES invalid access to packet, off=-1 size=1, R2(id=0,off=-1,r=0)',
  'data: load u16 at 0': 'EACCES invalid access to packet, off=0 size=2, R2(id=0,off=0,r=0)',
  'data: load u16 at 2': 'EACCES invalid access to packet, off=2 size=2, R2(id=0,off=2,r=0)',
  'data: load u16 at -1': 'EACCES invalid access to packet, off=-1 size=2, R2(id=0,off=-1,r=0)',
  'data: load u32 at 0': 'EACCES invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)',
  'data: load u32 at 2': 'EACCES invalid access to packet, off=2 size=4, R2(id=0,off=2,r=0)',
  'data: load u32 at -1': 'EACCES invalid access to packet, off=-1 size=4, R2(id=0,off=-1,r=0)',
  'data: load u64 at 0': 'EACCES invalid access to packet, off=0 size=8, R2(id=0,off=0,r=0)',
  'data: load u64 at 2': 'EACCES invalid access to packet, off=2 size=8, R2(id=0,off=2,r=0)',
  'data: load u64 at -1': 'EACCES invalid access to packet, off=-1 size=8, R2(id=0,off=-1,r=0)',
  'data: store u32 at 0': 'EACCES invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)',
  'data: return it': 'ok',
  'data: atomic add u64 at 0': 'EACCES BPF_ATOMIC stores into R2 pkt is not allowed',
  'data: atomic fetch_add u32 at 0': 'EACCES BPF_ATOMIC stores into R2 pkt is not allowed',
  'data_end: r2 += 4': 'EACCES R2 pointer arithmetic on pkt_end prohibited',
  'data_end: r2 += -4': 'EACCES R2 pointer arithmetic on pkt_end prohibited',
  'data_end: r2 -= 4': 'EACCES R2 pointer arithmetic on pkt_end prohibited',
  'data_end: r2 += 0x20000000': 'EACCES R2 pointer arithmetic on pkt_end prohibited',
  'data_end: r2 += r3': 'EACCES R2 pointer arithmetic on pkt_end prohibited',
  'data_end: r2 *= 2': 'EACCES R2 pointer arithmetic on pkt_end prohibited',
  'data_end: r2 &= 1': 'EACCES R2 pointer arithmetic on pkt_end prohibited',
  'data_end: w2 += 1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'data_end: load u8 at 0': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u8 at 2': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u8 at -1': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u16 at 0': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u16 at 2': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u16 at -1': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u32 at 0': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u32 at 2': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u32 at -1': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u64 at 0': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u64 at 2': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: load u64 at -1': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: store u32 at 0': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: return it': 'ok',
  'data_end: atomic add u64 at 0': "EACCES R2 invalid mem access 'pkt_end'",
  'data_end: atomic fetch_add u32 at 0': "EACCES R2 invalid mem access 'pkt_end'",
  'data_meta: r2 += 4': 'ok',
  'data_meta: r2 += -4': 'ok',
  'data_meta: r2 -= 4': 'ok',
  'data_meta: r2 += 0x20000000': 'EINVAL math between pkt_meta pointer and 536870912 is not allowed',
  'data_meta: r2 += r3': 'ok',
  'data_meta: r2 *= 2': 'EACCES R2 pointer arithmetic with *= operator prohibited',
  'data_meta: r2 &= 1': 'EACCES R2 bitwise operator &= on pointer prohibited',
  'data_meta: w2 += 1': 'EACCES R2 32-bit pointer arithmetic prohibited',
  'data_meta: load u8 at 0': 'EACCES invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)',
  'data_meta: load u8 at 2': 'EACCES invalid access to packet, off=2 size=1, R2(id=0,off=2,r=0)',
  'data_meta: load u8 at -1': 'EACCES invalid access to packet, off=-1 size=1, R2(id=0,off=-1,r=0)',
  'data_meta: load u16 at 0': 'EACCES invalid access to packet, off=0 size=2, R2(id=0,off=0,r=0)',
  'data_meta: load u16 at 2': 'EACCES invalid access to packet, off=2 size=2, R2(id=0,off=2,r=0)',
  'data_meta: load u16 at -1': 'EACCES invalid access to packet, off=-1 size=2, R2(id=0,off=-1,r=0)',
  'data_meta: load u32 at 0': 'EACCES invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)',
  'data_meta: load u32 at 2': 'EACCES invalid access to packet, off=2 size=4, R2(id=0,off=2,r=0)',
  'data_meta: load u32 at -1': 'EACCES invalid access to packet, off=-1 size=4, R2(id=0,off=-1,r=0)',
  'data_meta: load u64 at 0': 'EACCES invalid access to packet, off=0 size=8, R2(id=0,off=0,r=0)',
  'data_meta: load u64 at 2': 'EACCES invalid access to packet, off=2 size=8, R2(id=0,off=2,r=0)',
  'data_meta: load u64 at -1': 'EACCES invalid access to packet, off=-1 size=8, R2(id=0,off=-1,r=0)',
  'data_meta: store u32 at 0': 'EACCES invalid access to packet, off=0 size=4, R2(id=0,off=0,r=0)',
  'data_meta: return it': 'ok',
  'data_meta: atomic add u64 at 0': 'EACCES BPF_ATOMIC stores into R2 pkt_meta is not allowed',
  'data_meta: atomic fetch_add u32 at 0': 'EACCES BPF_ATOMIC stores into R2 pkt_meta is not allowed',
  'data - data_end': 'ok',
  'data + 4, load at 0': 'EACCES invalid access to packet, off=4 size=1, R2(id=0,off=4,r=0)',
  'data + var, load': 'EACCES invalid access to packet, off=1 size=1, R2(id=1,off=1,r=0)',
  'data: call 1': 'EACCES R1 type=pkt expected=map_ptr',
  'data: call 2': 'EACCES R1 type=pkt expected=map_ptr',
  'data: call 3': 'EACCES R1 type=pkt expected=map_ptr',
  'data: call 16': 'EACCES helper access to the packet is not allowed',
  'data: call 112': 'EACCES helper access to the packet is not allowed',
  'data: call 130': 'EACCES helper access to the packet is not allowed',
  'data: call 131': 'EACCES helper access to the packet is not allowed',
  'data: call 181': 'EACCES helper access to the packet is not allowed',
  'data_meta: call 1': 'EACCES R1 type=pkt_meta expected=map_ptr',
  'data_meta: call 2': 'EACCES R1 type=pkt_meta expected=map_ptr',
  'data_meta: call 3': 'EACCES R1 type=pkt_meta expected=map_ptr',
  'data_meta: call 16': 'EACCES helper access to the packet is not allowed',
  'data_meta: call 112': 'EACCES helper access to the packet is not allowed',
  'data_meta: call 130': 'EACCES helper access to the packet is not allowed',
  'data_meta: call 131': 'EACCES helper access to the packet is not allowed',
  'data_meta: call 181': 'EACCES helper access to the packet is not allowed',
};

function model(asm: string): string {
  const v = createBpf().verify({ asm, prog_type: 'xdp', log_level: 1 });
  return v.ok ? 'ok' : `${v.errors[0]?.errno} ${v.errors[0]?.message}`;
}

describe('XDP packet pointers against Linux 6.18 recorded answers', () => {
  it('every field × arithmetic × access size and offset', () => {
    const wrong = pktPtrCases()
      .filter((c) => model(c.asm) !== KERNEL[c.name])
      .map((c) => `${c.name}: ${model(c.asm)} (kernel ${KERNEL[c.name]})`);
    expect(wrong).toEqual([]);
  });

  it('the log prints pkt(r=…), pkt_end() and pkt_meta(r=…)', () => {
    const asm = 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = *(u32 *)(r1 +8)\nr2 += 14\nr0 = 0\nexit';
    const v = createBpf().verify({ asm, prog_type: 'xdp', log_level: 2 });
    expect(v.ok).toBe(true);
    expect(v.log).toMatch(/R2=pkt\(r=0\)/);
    expect(v.log).toMatch(/R3=pkt_end\(\)/);
    expect(v.log).toMatch(/R4=pkt_meta\(r=0\)/);
    expect(v.log).toMatch(/R2=pkt\(off=14,r=0\)/);
  });
});

const { oracle, skip } = kernelForTests('XDP packet pointers against the running kernel');

describe.skipIf(skip)('XDP packet pointers against the running kernel', () => {
  it('the recorded answers are the running kernel’s and the model agrees', () => {
    const wrong: string[] = [];
    for (const c of pktPtrCases()) {
      const v = oracle.verify(c.asm, { prog_type: 'xdp', log_level: 1 });
      const k = v.ok ? 'ok' : `${v.errno_name} ${v.first_error}`;
      if (k !== KERNEL[c.name]) wrong.push(`${c.name}: kernel now ${k}, recorded ${KERNEL[c.name]}`);
      if (model(c.asm) !== k) wrong.push(`${c.name}: kernel ${k} | model ${model(c.asm)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('the log lines of packet pointers are the kernel’s', () => {
    const asm = 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = *(u32 *)(r1 +8)\nr2 += 14\nr0 = 0\nexit';
    const k = oracle.verify(asm, { prog_type: 'xdp', log_level: 2 });
    const m = createBpf().verify({ asm, prog_type: 'xdp', log_level: 2 });
    const pick = (log: string) => log.split('\n').filter((l) => /pkt/.test(l));
    expect(pick(m.log)).toEqual(pick(k.log));
  });
});
