import { describe, expect, it } from 'vitest';
import { boot, type Kernel } from './kernel';
import { BPF_PAGEBLOCK_SIZE, pageblockInfo, readPageblock } from './bpf_iter_pageblock';
import { kfuncProto } from './bpf/index';

const env = { seed: 1, log: () => {} };
const IT = -96; // struct bpf_iter_pageblock: 12 slots

const NEW = (start = '0', flags = '0') =>
  `r1 = r10\nr1 += ${IT}\nr2 = ${start}\nr3 = ${flags}\ncall bpf_iter_pageblock_new\n`;
const NEXT = `r1 = r10\nr1 += ${IT}\ncall bpf_iter_pageblock_next\n`;
const DESTROY = `r1 = r10\nr1 += ${IT}\ncall bpf_iter_pageblock_destroy\n`;

/** Counts the pageblocks from `start` (r6), returns new()'s result in the upper 32 bits. */
const COUNT = (start = '0', flags = '0') =>
  `${NEW(start, flags)}r7 = r0\nr6 = 0\nloop:\n${NEXT}if r0 == 0 goto done\nr6 += 1\ngoto loop\ndone:\n${DESTROY}r7 <<= 32\nr0 = r6\nr0 |= r7\nexit\n`;

/** Copies every record, 80 bytes each, into the array map `out` (one value of 16 KiB: 204 records). */
function copyProg(): string {
  let copy = '';
  for (let o = 0; o < BPF_PAGEBLOCK_SIZE; o += 8) copy += `r4 = *(u64 *)(r6 + ${o})\n*(u64 *)(r3 + ${o}) = r4\n`;
  // The slot comes from the record's pfn, so that the verifier needs no precise counter and converges at once.
  return `r8 = 0
*(u32 *)(r10 - 4) = 0
r1 = out ll
r2 = r10
r2 += -4
call bpf_map_lookup_elem
if r0 == 0 goto out
r9 = r0
${NEW()}
loop:
${NEXT}if r0 == 0 goto done
r6 = r0
r3 = *(u64 *)(r6 + 0)
r3 >>= 9
if r3 > 203 goto loop
r3 *= 80
r3 += r9
${copy}r8 += 1
goto loop
done:
${DESTROY}out:
r0 = r8
exit
`;
}

/** A machine whose pageblocks are of several migratetypes, with free blocks of many orders. */
function fragmented(opts: Parameters<typeof boot>[0] = {}): Kernel {
  const k = boot({ memory: '256M', seed: 11, ...opts }, env);
  const churns = ['GFP_KERNEL', 'GFP_HIGHUSER_MOVABLE', 'GFP_KERNEL|__GFP_RECLAIMABLE'].map((gfp, i) =>
    k.mm.workloads.churn({ gfp, maxOrder: 3, live: 3000, seed: 100 + i }),
  );
  for (let r = 0; r < 5; r++) for (const c of churns) c.run(3000);
  return k;
}

/** Loads the copy program (JIT or interpreter); run() returns the records it copied. */
function loadCopy(k: Kernel, jit = true): () => { n: number; recs: ReturnType<typeof readPageblock>[] } {
  const out = k.bpf.map_create({
    map_type: 'BPF_MAP_TYPE_ARRAY',
    key_size: 4,
    value_size: 204 * BPF_PAGEBLOCK_SIZE,
    max_entries: 1,
  });
  const prog = k.bpf.prog_load({ asm: copyProg(), prog_type: 'raw_tp', maps: { out }, jit });
  expect(prog.jited).toBe(jit);
  return () => {
    const n = Number(prog.run().retval);
    const v = out.lookup(new Uint8Array(4))!;
    return {
      n,
      recs: Array.from({ length: n }, (_, i) =>
        readPageblock(v.subarray(i * BPF_PAGEBLOCK_SIZE, (i + 1) * BPF_PAGEBLOCK_SIZE)),
      ),
    };
  };
}

const records = (k: Kernel) => loadCopy(k)();

describe('bpf_iter_pageblock: the verifier treats it as bpf_iter_num', () => {
  const k = boot({ memory: '64M' }, env);
  const verify = (asm: string) => k.bpf.verify({ asm, prog_type: 'raw_tp', log_level: 2 });

  it('takes its slot count and record size from the registered kfunc', () => {
    const p = (n: string) => kfuncProto(n, [...k.bpf.kfuncs.values()].find((h) => h.name === n)?.proto);
    expect(p('bpf_iter_pageblock_new')).toEqual({ iter: 'new', iterType: 'pageblock', iterSlots: 12, scalarArgs: 2 });
    expect(p('bpf_iter_pageblock_next')).toEqual({
      iter: 'next',
      iterType: 'pageblock',
      iterSlots: 12,
      retMemSize: 80,
    });
    // bpf_iter_num keeps the kernel's sizes: one slot, an int.
    expect(kfuncProto('bpf_iter_num_next')).toEqual({ iter: 'next', iterType: 'num', iterSlots: 1, retMemSize: 4 });
  });

  it('accepts the trio and shows the 12-slot iterator in the log', () => {
    const r = verify(COUNT());
    expect(r.errors).toEqual([]);
    expect(r.log).toContain('fp-96=iter_pageblock(ref_id=1,state=active,depth=0)');
    expect(r.log).toContain('state=drained');
  });

  it('reads the whole 80-byte record, and not a byte past it', () => {
    const read = (off: number) =>
      `${NEW()}${NEXT}if r0 == 0 goto d\nr1 = *(u32 *)(r0 + ${off})\nd:\n${DESTROY}r0 = 0\nexit\n`;
    expect(verify(read(76)).ok).toBe(true);
    expect(verify(read(80)).errors[0]!.message).toBe('invalid access to memory, mem_size=80 off=80 size=4');
  });

  it('rejects what it rejects for bpf_iter_num, with the iter_pageblock messages', () => {
    const msg = (asm: string) => verify(asm).errors[0]?.message;
    // a leaked iterator (alloc_insn = the call of new)
    expect(msg(`${NEW()}${NEXT}r0 = 0\nexit\n`)).toBe('Unreleased reference id=1 alloc_insn=4');
    // next() and destroy() of an iterator never created, or already destroyed
    expect(msg(`${NEXT}r0 = 0\nexit\n`)).toBe('expected an initialized iter_pageblock as arg #0');
    expect(msg(`${NEW()}${DESTROY}${DESTROY}r0 = 0\nexit\n`)).toBe('expected an initialized iter_pageblock as arg #0');
    // new() over a live one
    expect(msg(`${NEW()}${NEW()}${DESTROY}r0 = 0\nexit\n`)).toBe('expected uninitialized iter_pageblock as arg #0');
    // a bpf_iter_num function on it
    expect(msg(`${NEW()}r1 = r10\nr1 += ${IT}\ncall bpf_iter_num_next\n${DESTROY}r0 = 0\nexit\n`)).toBe(
      'expected an initialized iter_num as arg #0',
    );
    // 12 slots do not fit below fp-88
    expect(msg(`r1 = r10\nr1 += -88\nr2 = 0\nr3 = 0\ncall bpf_iter_pageblock_new\nr0 = 0\nexit\n`)).toMatch(
      /^cannot pass in iter at an offset=-88/,
    );
    // the record is read-only, and NULL at the end
    expect(msg(`${NEW()}${NEXT}if r0 == 0 goto d\n*(u32 *)(r0 + 0) = 1\nd:\n${DESTROY}r0 = 0\nexit\n`)).toBe(
      'R0 cannot write into rdonly_mem',
    );
    expect(msg(`${NEW()}${NEXT}r1 = *(u32 *)(r0 + 0)\n${DESTROY}r0 = 0\nexit\n`)).toBe(
      "R0 invalid mem access 'scalar'",
    );
    // new()'s arguments are scalars
    expect(msg(`${NEW('r10')}${DESTROY}r0 = 0\nexit\n`)).toBe('R2 is not a scalar');
  });
});

describe("bpf_iter_pageblock: the records are the memory engine's pageblocks", () => {
  it('one record per pageblock, in order, equal to the allocator, the direct map and the snapshot', () => {
    const k = fragmented();
    const secret = k.mm.memfd_secret();
    for (let i = 0; i < 40; i++) secret.fault(i);
    const { n, recs } = records(k);
    const snap = k.mm.snapshot();
    expect(n).toBe(128); // 256 MiB / 2 MiB
    recs.forEach((r, b) => {
      expect(r).toEqual(pageblockInfo(k.mm, b));
      expect(r.pfn).toBe(b * 512);
      expect(r.nr_pages).toBe(512);
      expect(r.migratetype).toBe(snap.migratetype[b]);
      expect(r.free_pages).toBe(snap.free[b]);
      expect(r.dm_level).toBe(snap.level[b]);
      expect(r.unmapped_pages).toBe(snap.unmapped[b]);
      // a block's free pages are its free blocks of order < 9, or it lies inside one free block of order >= 9
      const small = r.nr_free.reduce((sum, c, o) => sum + (o < 9 ? c << o : 0), 0);
      expect(small === r.free_pages || (small === 0 && r.free_pages === 512)).toBe(true);
    });
    // every free page is counted once, in the block of its free block's first page
    expect(recs.reduce((sum, r) => sum + r.nr_free.reduce((t, c, o) => t + (c << o), 0), 0)).toBe(k.mm.nrFreePages());
    // secretmem split the direct map: some block is mapped with 4K pages and misses pages
    expect(recs.some((r) => r.dm_level === 1 && r.unmapped_pages >= 1)).toBe(true);
    expect(new Set(recs.map((r) => r.migratetype)).size).toBeGreaterThanOrEqual(3);
  });

  it('summed by free list and by migratetype, they give /proc/pagetypeinfo', () => {
    const k = fragmented();
    const { recs } = records(k);
    const pti = k.mm.pagetypeinfo();
    const names = Object.keys(pti.free);
    const free = names.map(() => new Array<number>(11).fill(0));
    const blocks = Object.keys(pti.blocks).map(() => 0);
    for (const r of recs) {
      r.nr_free.forEach((c, o) => (free[r.free_list]![o]! += c));
      if (r.nr_pages === 512) blocks[r.migratetype]!++;
    }
    expect(Object.fromEntries(names.map((n, i) => [n, free[i]]))).toEqual(pti.free);
    expect(Object.fromEntries(Object.keys(pti.blocks).map((n, i) => [n, blocks[i]]))).toEqual(pti.blocks);
    // not a trivial machine: free blocks of several orders on several lists
    expect(Object.values(pti.free).filter((row) => row.some((c) => c > 0)).length).toBeGreaterThanOrEqual(2);
  });

  it('under the 2026 freetype policy, unmapped blocks carry the flag and the Unmapped row', () => {
    const k = boot({ memory: '256M', seed: 3, mm: { policy: 'freetype' } }, env);
    const held = Array.from({ length: 300 }, () => k.mm.alloc_pages('GFP_KERNEL|__GFP_UNMAPPED', 0)!);
    for (const p of held.filter((_, i) => i % 2)) k.mm.__free_pages(p);
    const { recs } = records(k);
    const pti = k.mm.pagetypeinfo();
    const row = Object.keys(pti.free).indexOf('Unmapped');
    expect(row).toBeGreaterThan(0);
    const unmapped = recs.filter((r) => r.flags === 1);
    expect(unmapped.length).toBeGreaterThan(0);
    expect(unmapped.every((r) => r.free_list === row)).toBe(true);
    const sum = new Array<number>(11).fill(0);
    for (const r of unmapped) r.nr_free.forEach((c, o) => (sum[o]! += c));
    expect(sum).toEqual(pti.free['Unmapped']);
  });

  it('the interpreter and the JIT read the same records', () => {
    // Both loaded before either runs: a JIT image takes execmem pages, which changes the pageblocks.
    const k = fragmented();
    const interp = loadCopy(k, false);
    const jit = loadCopy(k, true);
    const a = interp();
    const b = jit();
    expect(a.n).toBe(128);
    expect(b).toEqual(a);
  });

  it('a partial last pageblock is returned with its nr_pages, and pagetypeinfo does not count it', () => {
    const k = boot({ memory: '65M' }, env); // 16640 pages: 32 whole blocks and one of 256
    const { n, recs } = records(k);
    expect(n).toBe(33);
    // the memmap (512 frames) is the top: the last 256 frames of block 31 and the partial block 32
    expect(recs[31]).toMatchObject({ pfn: 15872, nr_pages: 512, free_pages: 256 });
    expect(recs[32]).toMatchObject({ pfn: 16384, nr_pages: 256, free_pages: 0 });
    expect(Object.values(k.mm.pagetypeinfo().blocks).reduce((s, c) => s + c, 0)).toBe(32);
  });
});

describe('bpf_iter_pageblock_new() arguments', () => {
  const k = boot({ memory: '64M' }, env); // 32 pageblocks
  const run = (start: string, flags = '0') => {
    const v = k.bpf.prog_load({ asm: COUNT(start, flags), prog_type: 'raw_tp' }).run().retval;
    return { ret: Number(BigInt.asIntN(32, v >> 32n)), count: Number(v & 0xffffffffn) };
  };

  it('starts at a pageblock-aligned pfn', () => {
    expect(run('0')).toEqual({ ret: 0, count: 32 });
    expect(run('512')).toEqual({ ret: 0, count: 31 });
    expect(run('15872')).toEqual({ ret: 0, count: 1 });
    expect(run('16384')).toEqual({ ret: 0, count: 0 }); // the zone's end: empty
  });

  it('EINVAL for an unaligned or out-of-zone start, or any flag; the iterator is then empty', () => {
    expect(run('1')).toEqual({ ret: -22, count: 0 });
    expect(run('16896')).toEqual({ ret: -22, count: 0 });
    expect(run('0', '1')).toEqual({ ret: -22, count: 0 });
    expect(run('-512')).toEqual({ ret: -22, count: 0 });
  });
});
