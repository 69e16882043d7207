import { describe, expect, it } from 'vitest';
import { boot, type Kernel } from './kernel';
import { BPF_UBLK_REQ_SIZE, BPF_UBLK_REQ_STARTED, readUblkReq, type BpfUblkReq } from './bpf_iter_ublk_req';
import type { ScriptIo } from './ublk/index';

const env = { seed: 1, log: () => {} };
const IT = -48; // struct bpf_iter_ublk_req: 6 slots

const NEW = (dev: string, flags = '0') =>
  `r1 = r10\nr1 += ${IT}\nr2 = ${dev}\nr3 = ${flags}\ncall bpf_iter_ublk_req_new\n`;
const NEXT = `r1 = r10\nr1 += ${IT}\ncall bpf_iter_ublk_req_next\n`;
const DESTROY = `r1 = r10\nr1 += ${IT}\ncall bpf_iter_ublk_req_destroy\n`;

/**
 * Copies each record into slot q_id * 8 + tag of the map `out` (a slot from the record, so that the verifier needs
 * no precise counter and converges at once); returns their count, or new()'s error.
 */
function copyProg(dev: number, flags = '0'): string {
  let copy = '';
  for (let o = 0; o < BPF_UBLK_REQ_SIZE; o += 8) copy += `r4 = *(u64 *)(r6 + ${o})\n*(u64 *)(r3 + ${o}) = r4\n`;
  return `r8 = 0
*(u32 *)(r10 - 4) = 0
r1 = out ll
r2 = r10
r2 += -4
call bpf_map_lookup_elem
if r0 == 0 goto out
r9 = r0
${NEW(String(dev), flags)}if r0 != 0 goto err
loop:
${NEXT}if r0 == 0 goto done
r6 = r0
r3 = *(u16 *)(r6 + 0)
r3 <<= 3
r4 = *(u16 *)(r6 + 2)
r3 += r4
r3 &= 63
r3 *= ${BPF_UBLK_REQ_SIZE}
r3 += r9
${copy}r8 += 1
goto loop
err:
r8 = r0
done:
${DESTROY}out:
r0 = r8
exit
`;
}

function loadCopy(k: Kernel, dev: number, jit = true, flags = '0'): () => { ret: number; reqs: BpfUblkReq[] } {
  const out = k.bpf.map_create({
    map_type: 'BPF_MAP_TYPE_ARRAY',
    key_size: 4,
    value_size: 64 * BPF_UBLK_REQ_SIZE,
    max_entries: 1,
  });
  const prog = k.bpf.prog_load({ asm: copyProg(dev, flags), prog_type: 'raw_tp', maps: { out }, jit });
  return () => {
    const ret = Number(BigInt.asIntN(32, prog.run().retval)); // new()'s int comes back zero-extended
    const v = out.lookup(new Uint8Array(4))!;
    const slots = Array.from({ length: 64 }, (_, i) =>
      readUblkReq(v.subarray(i * BPF_UBLK_REQ_SIZE, (i + 1) * BPF_UBLK_REQ_SIZE)),
    );
    return { ret, reqs: slots.filter((x) => x.nr_sectors > 0) };
  };
}

describe('bpf_iter_ublk_req: the verifier treats it as bpf_iter_num', () => {
  const k = boot({ memory: '64M' }, env);
  const msg = (asm: string) => k.bpf.verify({ asm, prog_type: 'raw_tp' }).errors[0]?.message;

  it('accepts the trio over the 6-slot iterator and its 32-byte record; rejects a leak, a reuse, a read past it', () => {
    expect(
      msg(`${NEW('0')}${NEXT}if r0 == 0 goto d\nr1 = *(u32 *)(r0 + 28)\nd:\n${DESTROY}r0 = 0\nexit\n`),
    ).toBeUndefined();
    expect(msg(`${NEW('0')}${NEXT}if r0 == 0 goto d\nr1 = *(u32 *)(r0 + 32)\nd:\n${DESTROY}r0 = 0\nexit\n`)).toBe(
      'invalid access to memory, mem_size=32 off=32 size=4',
    );
    expect(msg(`${NEW('0')}r0 = 0\nexit\n`)).toBe('Unreleased reference id=1 alloc_insn=4');
    expect(msg(`${NEXT}r0 = 0\nexit\n`)).toBe('expected an initialized iter_ublk_req as arg #0');
    expect(msg(`${NEW('0')}r1 = r10\nr1 += ${IT}\ncall bpf_iter_num_next\n${DESTROY}r0 = 0\nexit\n`)).toBe(
      'expected an initialized iter_num as arg #0',
    );
  });
});

describe("bpf_iter_ublk_req: the records are the device's in-flight requests", () => {
  /** A script target that holds requests until `hold` are in flight, then runs `probe` and completes them all. */
  function holdingDevice(k: Kernel, hold: number, probe: () => void) {
    const held: ScriptIo[] = [];
    let probed = false;
    const take = (io: ScriptIo): void => {
      held.push(io);
      if (held.length < hold && !probed) return;
      if (!probed) {
        probed = true;
        probe();
      }
      for (const h of held.splice(0)) h.done(h.len);
    };
    const dev = k.ublk.add_dev({
      nr_hw_queues: 2,
      queue_depth: 8,
      dev_size: '16M',
      target: { read: take, write: take },
    });
    dev.start_dev();
    return dev;
  }

  it("while a script target holds 6 requests, the iterator returns them with the driver's tag states", () => {
    const k = boot({ memory: '64M' }, env);
    let seen: { ret: number; reqs: BpfUblkReq[] } | undefined;
    let snap: ReturnType<typeof dev.snapshot> | undefined;
    const progs: {
      interp?: () => { ret: number; reqs: BpfUblkReq[] };
      jit?: () => { ret: number; reqs: BpfUblkReq[] };
    } = {};
    let fromInterp: { ret: number; reqs: BpfUblkReq[] } | undefined;
    const dev = holdingDevice(k, 6, () => {
      snap = dev.snapshot();
      seen = progs.jit!();
      fromInterp = progs.interp!();
    });
    progs.interp = loadCopy(k, dev.info().dev_id, false);
    progs.jit = loadCopy(k, dev.info().dev_id, true);
    const r = k.ublk.fio({ dev, rw: 'randrw', bs: '4k', iodepth: 8, ios: 64 });
    expect(r.errors).toBe(0);
    const want = snap!.queues.flatMap((q) =>
      q.tags.filter((t) => t.request).map((t) => ({ q_id: q.q_id, tag: t.tag, ...t.request!, flags: t.flags })),
    );
    expect(want.length).toBeGreaterThanOrEqual(6);
    expect(seen!.ret).toBe(want.length);
    expect(
      seen!.reqs.map((x) => ({
        q_id: x.q_id,
        tag: x.tag,
        op: x.op === 0 ? 'read' : x.op === 1 ? 'write' : 'other',
        sector: x.sector,
        nr_sectors: x.nr_sectors,
      })),
    ).toEqual(want.map(({ q_id, tag, op, sector, nr_sectors }) => ({ q_id, tag, op, sector, nr_sectors })));
    // 4K requests; those the server holds are OWNED_BY_SRV (0x2) and started
    expect(seen!.reqs.every((x) => x.nr_sectors === 8)).toBe(true);
    seen!.reqs.forEach((x, i) => expect(!!(x.io_flags & 2)).toBe(want[i]!.flags.includes('OWNED_BY_SRV')));
    const owned = seen!.reqs.filter((x) => x.io_flags & 2);
    expect(owned.length).toBeGreaterThanOrEqual(5); // the held ones (the sixth is being handed over)
    expect(owned.every((x) => x.state & BPF_UBLK_REQ_STARTED)).toBe(true);
    expect(fromInterp).toEqual(seen);
  });

  it('an idle device has none in flight; no device is ENODEV, a flag EINVAL', () => {
    const k = boot({ memory: '64M' }, env);
    const dev = k.ublk.add_dev({ nr_hw_queues: 1, queue_depth: 4, dev_size: '4M', target: 'null' });
    dev.start_dev();
    const id = dev.info().dev_id;
    expect(loadCopy(k, id)().ret).toBe(0);
    expect(loadCopy(k, id + 1)().ret).toBe(-19);
    expect(loadCopy(k, id, true, '1')().ret).toBe(-22);
  });
});
