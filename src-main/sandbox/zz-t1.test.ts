import { it } from 'vitest';
import { RunRequestSchema } from '/work/h8/src-main/contract';
import { runInSandbox } from '/work/h8/src-main/sandbox/sandbox';
it('t', { timeout: 300000 }, async () => {
  for (const code of [
    `const k = boot({ memory: '64M' }); const t0 = Date.now(); try { k.bpf.prog_load({ insns: new Uint8Array(8 * 1000001) }) } catch (e) { print(e.errno) }`,
    `const k = boot({ memory: '64M' }); for (let i = 0; i < 50; i++) k.bpf.prog_load({ asm: 'r0 = 0\\nexit' })`,
  ]) {
    const t = performance.now();
    const o = await runInSandbox(RunRequestSchema.parse({ code, filename: 'x.js', limits: { timeoutMs: 200000 } }), { output: (_s, x) => process.stdout.write(x), progress: () => {} });
    console.log('took', Math.round(performance.now() - t), o.ok, o.error?.message);
  }
});
