/**
 * The BPF object loader against the running kernel: every C fixture (engines/bpf/fixtures/*.bpf.c, compiled
 * once and committed) is loaded by the model and, relocated by the model's loader, by this machine's kernel. The
 * verdict, the errno, the verifier's reason and (for accepted programs) the test run's r0 must agree.
 */
import { describe, expect, it } from 'vitest';
import { createBpf } from '../engines/bpf';
import { KernelError } from '../engines/common/errors';
import { BPF_OBJECT_FIXTURES, bpfObjectFixture } from '../engines/bpf/fixtures/objects';
import { encodeInsns } from '../engines/bpf';
import { kernelForTests, kernelMapsOf } from './test-util';

// The project's own programs: their iterator loops may run (policy.ts).
const { oracle, skip } = kernelForTests('BPF object fixtures', { trustedPrograms: true });

/** Test-run context per program type: the model's and the kernel's. */
const CTX: Record<string, { model: Uint8Array; kernel: { ctx_in?: Uint8Array; data_in?: Uint8Array } }> = {
  BPF_PROG_TYPE_RAW_TRACEPOINT: { model: new Uint8Array(96), kernel: { ctx_in: new Uint8Array(96) } },
  BPF_PROG_TYPE_SYSCALL: { model: new Uint8Array(8), kernel: { ctx_in: new Uint8Array(8) } },
  // The result of the socket fixture does not read the skb.
  BPF_PROG_TYPE_SOCKET_FILTER: { model: new Uint8Array(192), kernel: { data_in: new Uint8Array(64) } },
};

describe.skipIf(skip)('C objects: the model and the running kernel agree', () => {
  for (const name of Object.keys(BPF_OBJECT_FIXTURES)) {
    it(name, () => {
      const bytes = bpfObjectFixture(name);
      const progs = createBpf().obj_open(bytes).progs;
      // Each program alone (the others' autoload off); a kprobe has no BPF_PROG_TEST_RUN in Linux: not compared.
      const compared = progs.filter((p) => CTX[p.prog_type ?? '']);
      expect(compared.length).toBeGreaterThan(0);
      for (const prog of compared) {
        const model = createBpf();
        const obj = model.obj_open(bytes, { name: `${name}.bpf.o` });
        for (const p of obj.progs) obj.set_autoload(p.name, p.name === prog.name);
        let ours: { ok: true; retval: number } | { ok: false; errno: string; error: string };
        try {
          const p = obj.load().progs[prog.name]!;
          ours = { ok: true, retval: model.prog_test_run(p, { ctx_in: CTX[p.prog_type]!.model }).retval };
        } catch (e) {
          if (!(e instanceof KernelError)) throw e;
          ours = { ok: false, errno: e.errno, error: e.message.replace(/^prog '\w+': BPF program load failed: /, '') };
        }
        // The same relocation, with map fds 1..n given to the kernel as fd_array (global data initialised).
        const fds = obj.maps.map((_, i) => i + 1);
        const maps = kernelMapsOf(obj.maps);
        let linked;
        try {
          linked = obj.link(prog.name, fds);
        } catch (e) {
          // libbpf refuses the object before BPF_PROG_LOAD (an unresolved strong __ksym): no kernel verdict to compare.
          expect(ours, prog.name).toMatchObject({ ok: false, errno: (e as KernelError).errno });
          continue;
        }
        const run = oracle.testRun(encodeInsns(linked.insns), {
          prog_type: prog.prog_type!,
          prog_name: prog.name.slice(0, 15),
          license: obj.license,
          log_level: 1,
          maps,
          ...(prog.sleepable ? { prog_flags: 1 << 4 } : {}),
          ...CTX[prog.prog_type!]!.kernel,
        });
        const v = run.verdict;
        if (!v.ok) {
          expect(ours, prog.name).toEqual({ ok: false, errno: v.errno_name, error: v.first_error });
        } else {
          expect(run.ok).toBe(true);
          expect(ours, prog.name).toEqual({ ok: true, retval: run.ok ? Number(run.retval) : NaN });
        }
      }
    });
  }
});
