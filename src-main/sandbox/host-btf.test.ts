/**
 * boot({ btf: 'host' }) from a script: the machine's kfuncs carry this host kernel's BTF ids (read by name from
 * /sys/kernel/btf/vmlinux through the sandbox's oracle wiring), so that a verifier log is the running kernel's byte
 * for byte; where the host has no BTF (not Linux, no CONFIG_DEBUG_INFO_BTF, KERNEL_LAB_ORACLE=off) boot() throws
 * ENOENT saying why. The default machine keeps the model's own ids.
 */
import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { KFUNC_BTF_ID, KFUNC_NAMES } from '../engines/bpf/index';
import { kernelForTests } from '../oracle/test-util';
import { hostBtfIds } from './oracle-bindings';
import { runInSandbox } from './sandbox';

async function run(code: string) {
  let out = '';
  const outcome = await runInSandbox(RunRequestSchema.parse({ code, filename: 'btf.js' }), {
    output: (_s, t) => (out += t),
    progress: () => {},
  });
  return { outcome, out };
}

/** An iterator the program leaks: rejected, with the kfunc calls in the log. */
const LEAK =
  'r1 = r10\\nr1 += -8\\nr2 = 0\\nr3 = 3\\ncall bpf_iter_num_new\\nr1 = r10\\nr1 += -8\\ncall bpf_iter_num_next\\nr0 = 0\\nexit';
const host = hostBtfIds(KFUNC_NAMES);
if ('why' in host) console.log(`boot({ btf: 'host' }) unavailable here (${host.why}): its tests expect ENOENT`);

describe("boot({ btf: 'host' }) in a script", () => {
  it("gives the machine this host's kfunc ids, or throws ENOENT saying why; boot() keeps the model's", async () => {
    const { outcome } = await run(`
      const m = boot().bpf.verify({ asm: '${LEAK}', prog_type: 'raw_tp' });
      let h;
      try { h = boot({ btf: 'host' }).bpf.verify({ asm: '${LEAK}', prog_type: 'raw_tp' }).log; } catch (e) { h = { errno: e.errno, message: e.message }; }
      lab.result({ m: m.log, h });`);
    expect(outcome.error).toBeUndefined();
    const r = outcome.result as { m: string; h: string | { errno: string; message: string } };
    expect(r.m).toContain(`4: (85) call bpf_iter_num_new#${KFUNC_BTF_ID.bpf_iter_num_new}`);
    if ('why' in host) expect(r.h).toEqual({ errno: 'ENOENT', message: `boot(): btf 'host': ${host.why}` });
    else expect(r.h).toContain(`4: (85) call bpf_iter_num_new#${host['bpf_iter_num_new']}`);
  });

  // The kernel's side is asked here, not by the script: scripts reach the kernel only through a session the
  // person at the keyboard allowed (session/kernel-calls.ts).
  const { oracle, skip } = kernelForTests("boot({ btf: 'host' }) against the running kernel's log");
  it.skipIf(skip)("writes the running kernel's log byte for byte, kfunc ids included", async () => {
    const { outcome } = await run(`
      const k = boot({ btf: 'host' });
      const ours = k.bpf.verify({ asm: '${LEAK}', prog_type: 'raw_tp', log_level: 2 });
      lab.result({ ours: ours.log });`);
    expect(outcome.error).toBeUndefined();
    const kernel = oracle.kernel_verify({
      asm: LEAK.replaceAll('\\n', '\n'),
      prog_type: 'raw_tracepoint',
      log_level: 2,
    });
    const r = { ours: (outcome.result as { ours: string }).ours, kernel: kernel.log };
    expect(r.kernel).toContain(`call bpf_iter_num_next#${(host as Record<string, number>)['bpf_iter_num_next']}`);
    expect(r.ours).toBe(r.kernel);
  });
});
