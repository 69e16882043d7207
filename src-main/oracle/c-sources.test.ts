/**
 * Issue 21's oracle for C: every lab's C starter and solution (labs/NN-slug/*.bpf.c) and the C of the examples
 * (src-renderer/examples), compiled once by this machine's clang, loaded by the model and, relocated by the
 * model's loader, by the running kernel. Each program is loaded alone (the others' autoload off). Compared:
 * - the verdict, the errno and the first error line of the verifier's log;
 * - for an accepted program, test-run in both on the same context and the same map contents (what the lab's
 *   run-c.js writes before it runs the programs; global data from its section): r0, and afterwards the contents of
 *   every array map (each index) and the written keys of any other map, so what the program wrote is compared too.
 *   Every map of `.maps` must have its contents named here (LAB_MAPS), so no test run meets maps left empty by
 *   oversight.
 * Lab 06 calls the model-defined bpf_iter_pageblock_* kfuncs, which no kernel has: its sources are compared as
 * pageblock-shim.ts rewrites them (the iterator on the kernel's bpf_iter_num, the records in an array map filled
 * with the records of the machine run-c.js builds), the same shimmed object in the model and in the kernel; see
 * that file for what the verifier still has to prove and what differs (next()'s record is writable map memory
 * there). Then the unshimmed program, run on that machine by the model's own iterator, must count into its stats
 * map what the kernel counted from the records.
 * A program with a callback, which the oracle cannot load without the object's BTF, is compared as the same raw
 * load in both. Skips with the reason printed without clang or where the kernel cannot be asked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileBpfCSync, findClang } from '../clang/bpf-clang';
import { createBpf } from '../engines/bpf';
import { encodeInsns } from '../engines/bpf/index';
import { BPF_PAGEBLOCK_OFF, BPF_PAGEBLOCK_SIZE, pageblockInfo } from '../engines/bpf_iter_pageblock';
import { KernelError } from '../engines/common/errors';
import { boot, type Kernel } from '../engines/kernel';
import { labsDir } from '../labs/labs';
import { PAGEBLOCK_RECORDS_MAP, shimPageblockIter, usesPageblockIter } from './pageblock-shim';
import { kernelForTests, kernelMapsOf } from './test-util';

const { oracle, skip } = kernelForTests('C sources of the labs and examples', { trustedPrograms: true });
const clang = findClang();
if (!clang.ok) console.log(`clang: the C sources' kernel comparison skipped (${clang.why})`);

/** Test-run context per program type: the model's and the kernel's. */
const CTX: Record<string, { model: Uint8Array; kernel: { ctx_in?: Uint8Array; data_in?: Uint8Array } }> = {
  BPF_PROG_TYPE_RAW_TRACEPOINT: { model: new Uint8Array(96), kernel: { ctx_in: new Uint8Array(96) } },
  BPF_PROG_TYPE_SYSCALL: { model: new Uint8Array(8), kernel: { ctx_in: new Uint8Array(8) } },
};

const u32 = (v: number): Uint8Array => new Uint8Array(new Uint32Array([v]).buffer);
const u64s = (...v: number[]): Uint8Array => new Uint8Array(new BigUint64Array(v.map(BigInt)).buffer);
type Entries = [Uint8Array, Uint8Array][];

/**
 * Lab 06's machine as its run-c.js builds it (the README's memory, then its three churns), with the source's own
 * program, unshimmed, loaded on it by the model: the machine's pageblocks are read after that load, since creating
 * the stats map and loading the program allocate from the machine's memory too.
 */
const lab06 = new Map<string, { k: Kernel; run: () => Uint8Array | undefined; records: Entries }>();
function lab06Machine(src: { name: string; c: string }): {
  k: Kernel;
  run: () => Uint8Array | undefined;
  records: Entries;
} {
  const had = lab06.get(src.name);
  if (had) return had;
  const k = boot({ memory: '1001M' }, { seed: 1, log: () => {} });
  const churns = ['GFP_KERNEL', 'GFP_HIGHUSER_MOVABLE', 'GFP_KERNEL|__GFP_RECLAIMABLE'].map((gfp, i) =>
    k.mm.workloads.churn({ gfp, maxOrder: 3, live: 4000, seed: 100 + i }),
  );
  for (let round = 0; round < 5; round++) for (const c of churns) c.run(4000);
  const built = compileBpfCSync(src.c, { filename: path.basename(src.name) });
  if (!built.ok) throw new Error(`${src.name}: ${built.why}`);
  const { progs, maps } = k.bpf.obj_open(built.object, { name: 'lab06.bpf.o' }).load();
  const run = (): Uint8Array | undefined => {
    k.bpf.prog_test_run(progs['pageblock_stats']!, { ctx_in: new Uint8Array(96) });
    return maps['stats']!.lookup(u32(0));
  };
  const m = { k, run, records: pageblockRecords(k) };
  lab06.set(src.name, m);
  return m;
}

/** struct bpf_pageblock of every pageblock of the machine, as the model's iterator writes it. */
function pageblockRecords(k: Kernel): Entries {
  const O = BPF_PAGEBLOCK_OFF;
  return Array.from({ length: k.mm.zone.nblocks }, (_, b) => {
    const p = pageblockInfo(k.mm, b);
    const v = new Uint8Array(BPF_PAGEBLOCK_SIZE);
    const dv = new DataView(v.buffer);
    dv.setBigUint64(O.pfn, BigInt(p.pfn), true);
    for (const f of [
      'nr_pages',
      'migratetype',
      'free_list',
      'free_pages',
      'dm_level',
      'unmapped_pages',
      'flags',
    ] as const)
      dv.setUint32(O[f], p[f], true);
    p.nr_free.forEach((n, o) => dv.setUint32(O.nr_free + 4 * o, n, true));
    return [u32(b), v];
  });
}

/**
 * By lab: what its run-c.js writes into each `.maps` map before the programs run (an empty list: the driver leaves
 * the map zeroed for the program to fill).
 */
const LAB_MAPS: Record<string, (src: { name: string; c: string }) => Record<string, Entries>> = {
  // arr: 10, 20, 30, 40; tbl: slot 0 = 3 (an index), slots 1..7 = 11, 22, ..., 77.
  '05-verifier-repairs': () => ({
    arr: [10, 20, 30, 40].map((v, i) => [u32(i), u64s(v)]),
    tbl: [[u32(0), u64s(3, 11, 22, 33, 44, 55, 66, 77)]],
  }),
  // The README's example: n = 10, vals = 1, 2, ..., 64.
  '12-c-loop-rejected': () => {
    const v = new Uint8Array(8 + 64 * 8);
    new DataView(v.buffer).setUint32(0, 10, true);
    v.set(u64s(...Array.from({ length: 64 }, (_, i) => i + 1)), 8);
    return { data: [[u32(0), v]] };
  },
  // The shim's records (pageblock-shim.ts), the machine's pageblocks; stats starts zeroed.
  '06-pageblock-stats': (src) => ({ stats: [], [PAGEBLOCK_RECORDS_MAP]: lab06Machine(src).records }),
};

/** The keys read back after a run: every index of an array map, the keys written before it of any other map. */
function readAfter(m: { map_type: string | number; max_entries: number }, written: Entries | undefined): Uint8Array[] {
  if (m.map_type === 'BPF_MAP_TYPE_ARRAY' || m.map_type === 2)
    return Array.from({ length: m.max_entries }, (_, i) => u32(i));
  return (written ?? []).map(([k]) => k);
}

const hex = (b: Uint8Array | undefined): string => (b ? Buffer.from(b).toString('hex') : 'none');

/** Every C source: the labs' .c files, and the C template literals (with a SEC()) of the examples. */
function sources(): { name: string; c: string }[] {
  const out: { name: string; c: string }[] = [];
  const labs = labsDir();
  for (const lab of readdirSync(labs).sort()) {
    let files: string[];
    try {
      files = readdirSync(path.join(labs, lab));
    } catch {
      continue;
    }
    for (const f of files.filter((x) => x.endsWith('.c')).sort())
      out.push({ name: `${lab}/${f}`, c: readFileSync(path.join(labs, lab, f), 'utf8') });
  }
  const examples = path.join(labs, '..', 'src-renderer', 'examples');
  for (const f of readdirSync(examples)
    .filter((x) => x.endsWith('.js'))
    .sort()) {
    const text = readFileSync(path.join(examples, f), 'utf8');
    let i = 0;
    for (const m of text.matchAll(/`([^`$]*\bSEC\("[^`$]*)`/g)) out.push({ name: `examples/${f}#${i++}`, c: m[1]! });
  }
  return out;
}

const ALL = sources();

describe.skipIf(skip || !clang.ok)('C sources: the model and the running kernel agree', () => {
  it("finds the labs' and the examples' C", () => {
    expect(ALL.some((s) => s.name.startsWith('12-'))).toBe(true);
    expect(ALL.some((s) => s.name.startsWith('examples/'))).toBe(true);
  });

  /** Lab 06's stats map as the kernel left it after running each shimmed source, for the unshimmed run's check. */
  const kernelStats = new Map<string, string>();

  for (const src of ALL) {
    it(src.name, (ctx) => {
      const lab = src.name.split('/')[0]!;
      const maps = LAB_MAPS[lab]?.(src) ?? {};
      // Lab 06: the model-defined iterator on the kernel's bpf_iter_num over the machine's records.
      const c = usesPageblockIter(src.c) ? shimPageblockIter(src.c, maps[PAGEBLOCK_RECORDS_MAP]!.length) : src.c;
      // Any other kfunc this kernel lacks: it cannot load the program.
      const missing = [...c.matchAll(/^extern[^;]*?\b(\w+)\s*\([^;]*__ksym/gm)]
        .map((m) => m[1]!)
        .filter((name) => oracle.btf().funcId(name) === undefined);
      if (missing.length) {
        console.log(`${src.name}: skipped, this kernel has no ${missing.join(', ')}`);
        ctx.skip();
      }
      const built = compileBpfCSync(c, { filename: path.basename(src.name.replace(/#\d+$/, '.bpf.c')) });
      expect(built.ok ? '' : `${built.why}\n${built.log}`).toBe('');
      if (!built.ok) return;
      const opened = createBpf().obj_open(built.object, { name: 'src.bpf.o' });
      expect(opened.progs.length, 'programs in the object').toBeGreaterThan(0);
      // No test run meets a map nobody filled by oversight.
      expect(
        opened.maps.filter((m) => m.section === '.maps' && !(m.name in maps)).map((m) => m.name),
        `${src.name}: .maps maps without contents in LAB_MAPS`,
      ).toEqual([]);
      // Each program loaded alone, as a driver loads it with bpf_program__set_autoload(): one program's rejection
      // does not hide the next one's verdict.
      for (const prog of opened.progs) {
        const ctx = CTX[prog.prog_type!];
        expect(ctx, `${prog.name}: a context for ${prog.prog_type}`).toBeDefined();
        const model = createBpf();
        const obj = model.obj_open(built.object, { name: 'src.bpf.o' });
        for (const p of obj.progs) obj.set_autoload(p.name, p.name === prog.name);
        let loaded: ReturnType<typeof obj.load> | undefined;
        let failed: KernelError | undefined;
        try {
          loaded = obj.load({ log_level: 1 });
        } catch (e) {
          if (!(e instanceof KernelError)) throw e;
          failed = e;
        }
        const fds = obj.maps.map((_, i) => i + 1);
        const kmaps = kernelMapsOf(obj.maps, { entries: maps, readAfter: (m) => readAfter(m, maps[m.name!]) });
        const linked = obj.link(prog.name, fds);
        const run = oracle.testRun(encodeInsns(linked.insns), {
          prog_type: prog.prog_type!,
          prog_name: prog.name.slice(0, 15),
          license: obj.license,
          log_level: 1,
          maps: kmaps,
          ...(prog.sleepable ? { prog_flags: 1 << 4 } : {}),
          ...ctx!.kernel,
        });
        const v = run.verdict;
        // The oracle's load carries no BTF: a program with a callback (bpf_loop's) needs func_info in the kernel.
        // Then the model is given the same raw load, and must refuse it alike.
        if (!v.ok && v.first_error === 'missing btf func_info') {
          let raw = 'accepted';
          try {
            createBpf().prog_load({
              insns: linked.insns,
              prog_type: prog.prog_type!,
              license: obj.license,
              func_info: false,
            } as never);
          } catch (e) {
            raw = `${(e as KernelError).errno}: ${(e as Error).message.replace(/^.*BPF program load failed: /, '')}`;
          }
          expect(raw, `${prog.name}: a raw load without BTF`).toBe(`${v.errno_name}: ${v.first_error}`);
          continue;
        }
        const ours = failed
          ? `${failed.errno}: ${failed.message.replace(/^prog '\w+': BPF program load failed: /, '')}`
          : 'accepted';
        expect(ours, `${prog.name}: the model's verdict, the kernel's`).toBe(
          v.ok ? 'accepted' : `${v.errno_name}: ${v.first_error}`,
        );
        if (!loaded) continue;
        expect(run.ok ? '' : run.why, `${prog.name}: the kernel's test run`).toBe('');
        if (!run.ok) continue;
        // The model's maps get what the kernel's got before the load: the driver's writes.
        for (const [name, entries] of Object.entries(maps))
          for (const [k, val] of entries) loaded.maps[name]!.update(k, val);
        const p = loaded.progs[prog.name]!;
        expect(model.prog_test_run(p, { ctx_in: ctx!.model }).retval, `${prog.name}: r0`).toBe(Number(run.retval));
        obj.maps.forEach((m, i) => {
          const keys = kmaps[i + 1]!.read_after ?? [];
          const after = run.maps_after[i + 1] ?? [];
          expect(
            keys.map((k) => hex(loaded.maps[m.name]!.lookup(k))),
            `${prog.name}: map ${m.name} after the run`,
          ).toEqual(after.map(hex));
        });
        if (usesPageblockIter(src.c))
          kernelStats.set(
            `${src.name}:${prog.name}`,
            hex(run.maps_after[1 + obj.maps.findIndex((m) => m.name === 'stats')]?.[0]),
          );
      }
    });
  }

  // The model's own iterator, unshimmed, on lab 06's machine: the stats the kernel counted from its records.
  for (const src of ALL.filter((x) => usesPageblockIter(x.c))) {
    it(`${src.name}: the model's bpf_iter_pageblock counts what the kernel counted from the records`, () => {
      const want = kernelStats.get(`${src.name}:pageblock_stats`);
      expect(want, 'the shimmed run of the kernel').toBeDefined();
      expect(hex(lab06Machine(src).run())).toBe(want);
    });
  }
});
