// Lab 06's C driver: the run of a C submission (the lab runner defines `submission`, { filename, c }, on the first
// line). It boots the README's machine and runs its churns, as starter.js does, then compiles the C with this
// machine's clang, loads its program pageblock_stats with the map stats, runs it once and reports the map's
// tables named as /proc/pagetypeinfo names its rows.
const k = boot({ memory: '1001M' });

const churns = ['GFP_KERNEL', 'GFP_HIGHUSER_MOVABLE', 'GFP_KERNEL|__GFP_RECLAIMABLE'].map((gfp, i) =>
  k.mm.workloads.churn({ gfp, maxOrder: 3, live: 4000, seed: 100 + i }),
);
for (let round = 0; round < 5; round++) for (const c of churns) c.run(4000);

/** The submission compiled (its diagnostics printed at their C lines) and opened as libbpf opens an object. */
function open() {
  const r = k.bpf.compile({ c: submission.c, filename: submission.filename });
  for (const d of r.diagnostics) print(`${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`);
  if (!r.ok) throw new Error(`${submission.filename}: ${r.why}`);
  return k.bpf.obj_open(r.object, { name: submission.filename.replace(/\.c$/, '.o') });
}

const { progs, maps } = open().load();
const prog = progs.pageblock_stats;
const stats = maps.stats;
if (!prog || !stats) throw new Error(`${submission.filename}: keep the program pageblock_stats and the map stats`);
print(prog.verifier_log.trim().split('\n').at(-1));
prog.run();

const v = stats.lookup(0);
const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
const u64 = (off) => Number(dv.getBigUint64(off, true));
const pti = k.mm.pagetypeinfo();
const free = {};
Object.keys(pti.free).forEach((name, row) => (free[name] = Array.from({ length: 11 }, (_, o) => u64((row * 11 + o) * 8))));
const blocks = {};
Object.keys(pti.blocks).forEach((name, mt) => (blocks[name] = u64(704 + 8 * mt)));
print('Number of blocks type', JSON.stringify(blocks));
print('the same as /proc/pagetypeinfo:', JSON.stringify(free) === JSON.stringify(pti.free) && JSON.stringify(blocks) === JSON.stringify(pti.blocks));
lab.result({ free, blocks });
