/**
 * XDP test runs (bpf_prog_test_run_xdp(), xdp_convert_ctx_access()): the model's retval and data_out against the
 * running kernel's for the same data_in and ctx_in, on the interpreter and the JIT.
 */
import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../oracle/test-util';
import { createBpf } from './index';

const PROGS: Record<string, string> = {
  'packet length': 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr0 = r3\nr0 -= r2\nexit',
  'bounds-checked read and write':
    'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +4)\nr4 = r2\nr4 += 8\nr0 = 1\nif r4 > r3 goto +3\n' +
    'r0 = *(u32 *)(r2 +2)\n*(u16 *)(r2 +0) = 0x1234\nr0 &= 0xffff\nexit',
  'metadata length': 'r2 = *(u32 *)(r1 +0)\nr3 = *(u32 *)(r1 +8)\nr0 = r2\nr0 -= r3\nexit',
  'ingress_ifindex and rx_queue_index': 'r0 = *(u32 *)(r1 +12)\nr2 = *(u32 *)(r1 +16)\nr0 <<= 8\nr0 += r2\nexit',
};
const DATA = Uint8Array.from({ length: 60 }, (_, i) => (i * 7 + 3) & 0xff);
/** struct xdp_md: 4 bytes of metadata, data_end = 60, ingress_ifindex 1 (lo). */
const MD = Uint8Array.from([4, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const INPUTS: Record<string, { data_in: Uint8Array; ctx_in?: Uint8Array }> = {
  '60 bytes': { data_in: DATA },
  '60 bytes with 4 of metadata': { data_in: DATA, ctx_in: MD },
  '10 bytes (shorter than ETH_HLEN)': { data_in: DATA.slice(0, 10) },
};

type Answer = { ok: true; retval: number; out: string } | { ok: false; errno: string };
const hex = (b: Uint8Array | undefined): string => Array.from(b ?? [], (x) => x.toString(16).padStart(2, '0')).join('');

function model(asm: string, input: { data_in: Uint8Array; ctx_in?: Uint8Array }, jit: boolean): Answer {
  const e = createBpf();
  try {
    const r = e.prog_test_run(e.prog_load({ asm, prog_type: 'xdp', jit }), input);
    return { ok: true, retval: r.retval, out: hex(r.data_out) };
  } catch (err) {
    return { ok: false, errno: String((err as { errno?: string }).errno) };
  }
}

describe('XDP test runs in the model', () => {
  it('the program sees the packet, its metadata and lo as the ingress device', () => {
    for (const jit of [false, true]) {
      expect(model(PROGS['packet length']!, INPUTS['60 bytes']!, jit)).toEqual({
        ok: true,
        retval: 60,
        out: hex(DATA),
      });
      // data_out runs from data_meta: the metadata bytes are the first 4 of data_in.
      expect(model(PROGS['metadata length']!, INPUTS['60 bytes with 4 of metadata']!, jit)).toMatchObject({
        retval: 4,
        out: hex(DATA),
      });
      expect(model(PROGS['packet length']!, INPUTS['60 bytes with 4 of metadata']!, jit)).toMatchObject({ retval: 56 });
      expect(model(PROGS['ingress_ifindex and rx_queue_index']!, INPUTS['60 bytes']!, jit)).toMatchObject({
        retval: 0x100,
      });
      const w = model(PROGS['bounds-checked read and write']!, INPUTS['60 bytes']!, jit);
      expect(w).toMatchObject({ ok: true, retval: 0x1811 });
      if (w.ok) expect(w.out.slice(0, 4)).toBe('3412');
      expect(model(PROGS['packet length']!, INPUTS['10 bytes (shorter than ETH_HLEN)']!, jit)).toEqual({
        ok: false,
        errno: 'EINVAL',
      });
    }
  });
});

const { oracle, skip } = kernelForTests('XDP test runs against the running kernel');

describe.skipIf(skip)('XDP test runs against the running kernel', () => {
  it('retval and data_out are the kernel’s', () => {
    const wrong: string[] = [];
    for (const [pn, asm] of Object.entries(PROGS))
      for (const [iname, input] of Object.entries(INPUTS)) {
        const k = oracle.kernel_test_run({ asm, prog_type: 'xdp' }, input);
        if (k.verdict.refused !== undefined) continue;
        const want: Answer = k.ok
          ? { ok: true, retval: Number(k.retval), out: hex(k.data_out) }
          : { ok: false, errno: 'EINVAL' };
        for (const jit of [false, true]) {
          const got = model(asm, input, jit);
          if (JSON.stringify(got) !== JSON.stringify(want))
            wrong.push(
              `${pn} / ${iname} (${jit ? 'jit' : 'interp'}): kernel ${JSON.stringify(want)} | model ${JSON.stringify(got)}`,
            );
        }
      }
    expect(wrong).toEqual([]);
  });
});
