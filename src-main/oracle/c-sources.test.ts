/**
 * Issue 21's oracle for C: every lab's C starter and solution (labs/NN-slug/*.bpf.c) and the C of the examples
 * (src-renderer/examples), compiled once by this machine's clang, loaded by the model and, relocated by the
 * model's loader, by the running kernel. Each program, loaded alone (the others' autoload off), must get the same
 * verdict, errno and first error line, and for accepted programs the same test-run r0. A program with a callback,
 * which the oracle cannot load without the object's BTF, is compared as the same raw load in both; a source calling
 * a kfunc this kernel lacks (a model-defined one) is skipped with the reason printed. Skips with the reason printed without clang or where the
 * kernel cannot be asked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileBpfCSync, findClang } from '../clang/bpf-clang';
import { createBpf } from '../engines/bpf';
import { encodeInsns } from '../engines/bpf/index';
import { KernelError } from '../engines/common/errors';
import { labsDir } from '../labs/labs';
import { kernelForTests, kernelMapsOf } from './test-util';

const { oracle, skip } = kernelForTests('C sources of the labs and examples', { trustedPrograms: true });
const clang = findClang();
if (!clang.ok) console.log(`clang: the C sources' kernel comparison skipped (${clang.why})`);

/** Test-run context per program type: the model's and the kernel's. */
const CTX: Record<string, { model: Uint8Array; kernel: { ctx_in?: Uint8Array; data_in?: Uint8Array } }> = {
  BPF_PROG_TYPE_RAW_TRACEPOINT: { model: new Uint8Array(96), kernel: { ctx_in: new Uint8Array(96) } },
  BPF_PROG_TYPE_SYSCALL: { model: new Uint8Array(8), kernel: { ctx_in: new Uint8Array(8) } },
};

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

  for (const src of ALL) {
    it(src.name, (ctx) => {
      // A kfunc only the model defines (lab 06's bpf_iter_pageblock_*): this kernel cannot load the program.
      const missing = [...src.c.matchAll(/^extern[^;]*?\b(\w+)\s*\([^;]*__ksym/gm)]
        .map((m) => m[1]!)
        .filter((name) => oracle.btf().funcId(name) === undefined);
      if (missing.length) {
        console.log(`${src.name}: skipped, this kernel has no ${missing.join(', ')} (the model defines them)`);
        ctx.skip();
      }
      const built = compileBpfCSync(src.c, { filename: path.basename(src.name.replace(/#\d+$/, '.bpf.c')) });
      expect(built.ok ? '' : `${built.why}\n${built.log}`).toBe('');
      if (!built.ok) return;
      const progs = createBpf().obj_open(built.object, { name: 'src.bpf.o' }).progs;
      expect(progs.length, 'programs in the object').toBeGreaterThan(0);
      // Each program loaded alone, as a driver loads it with bpf_program__set_autoload(): one program's rejection
      // does not hide the next one's verdict.
      for (const prog of progs) {
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
        const maps = kernelMapsOf(obj.maps);
        const linked = obj.link(prog.name, fds);
        const run = oracle.testRun(encodeInsns(linked.insns), {
          prog_type: prog.prog_type!,
          prog_name: prog.name.slice(0, 15),
          license: obj.license,
          log_level: 1,
          maps,
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
        if (!loaded || !run.ok) continue;
        const p = loaded.progs[prog.name]!;
        expect(model.prog_test_run(p, { ctx_in: ctx!.model }).retval, `${prog.name}: r0`).toBe(Number(run.retval));
      }
    });
  }
});
