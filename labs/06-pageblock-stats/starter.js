// Lab 06: compute /proc/pagetypeinfo's two tables in a BPF program that walks the pageblocks.
const k = boot({ memory: '1001M' });

// The README's workload: unmovable, movable and reclaimable allocations of orders 0..3 come and go.
const churns = ['GFP_KERNEL', 'GFP_HIGHUSER_MOVABLE', 'GFP_KERNEL|__GFP_RECLAIMABLE'].map((gfp, i) =>
  k.mm.workloads.churn({ gfp, maxOrder: 3, live: 4000, seed: 100 + i }),
);
for (let round = 0; round < 5; round++) for (const c of churns) c.run(4000);

// struct pageblock_stats { __u64 nr_free[8][11]; __u64 nr_blocks[8]; }: 768 bytes.
const stats = k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 768, max_entries: 1, map_name: 'stats' });

// The iterator loop is here; its body is yours (see the README for struct bpf_pageblock and the map's layout).
const asm = `
*(u32 *)(r10 - 4) = 0
r1 = stats ll
r2 = r10
r2 += -4
call bpf_map_lookup_elem
if r0 == 0 goto out
r9 = r0
r1 = r10
r1 += -104
r2 = 0
r3 = 0
call bpf_iter_pageblock_new
next:
r1 = r10
r1 += -104
call bpf_iter_pageblock_next
if r0 == 0 goto done
r6 = r0
# TODO: r6 points at this pageblock's struct bpf_pageblock (read-only), r9 at struct pageblock_stats.
#  - add nr_free[o] to nr_free[free_list][o], for every order o;
#  - count the block for its migratetype in nr_blocks, as /proc/pagetypeinfo counts blocks.
goto next
done:
r1 = r10
r1 += -104
call bpf_iter_pageblock_destroy
out:
r0 = 0
exit
`;
const prog = k.bpf.prog_load({ asm, prog_type: 'raw_tp', prog_name: 'pageblock_stats', maps: { stats } });
print(prog.verifier_log.trim().split('\n').at(-1));
prog.run();

// Read the table back and name its rows as /proc/pagetypeinfo does.
const v = stats.lookup(0);
const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
const u64 = (off) => Number(dv.getBigUint64(off, true));
const pti = k.mm.pagetypeinfo();
const free = {};
Object.keys(pti.free).forEach((name, row) => (free[name] = Array.from({ length: 11 }, (_, o) => u64((row * 11 + o) * 8))));
const blocks = {};
Object.keys(pti.blocks).forEach((name, mt) => (blocks[name] = u64(704 + 8 * mt)));

print('Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10');
for (const [name, row] of Object.entries(free)) print(`Node    0, zone   Normal, type ${name.padStart(12)} ${row.map((c) => String(c).padStart(6)).join(' ')}`);
print('Number of blocks type', JSON.stringify(blocks));
print('the same as /proc/pagetypeinfo:', JSON.stringify(free) === JSON.stringify(pti.free) && JSON.stringify(blocks) === JSON.stringify(pti.blocks));
lab.result({ free, blocks });
