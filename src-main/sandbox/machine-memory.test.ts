import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, RunRequestSchema, type RunLimits } from '../contract';
import { boot } from '../engines/kernel';
import { machineBytes } from './machine-memory';
import { ENGINE_CHECK_CALLS, runInSandbox } from './sandbox';

async function run(code: string, limits: RunLimits = {}): ReturnType<typeof runInSandbox> {
  let out = '';
  const outcome = await runInSandbox(
    RunRequestSchema.parse({ code, filename: 'm.js', limits: { timeoutMs: 120_000, ...limits } }),
    {
      output: (_s, t) => (out += t),
      progress: () => {},
    },
  );
  return { ...outcome, result: outcome.result ?? out };
}

describe('machineBytes: what a machine holds', () => {
  it('counts the frame array and the tables of a boot, the same for the same options', () => {
    const env = { seed: 1, log: () => {} };
    const small = machineBytes(boot({ memory: '1G' }, env));
    const big = machineBytes(boot({ memory: '4G' }, env));
    // One u32 a frame at least (262144 and 1048576 frames).
    expect(small).toBeGreaterThanOrEqual(262144 * 4);
    expect(big).toBeGreaterThanOrEqual(1048576 * 4);
    expect(big).toBeLessThan(1048576 * 8);
    expect(machineBytes(boot({ memory: '4G' }, env))).toBe(big);
  });

  it('grows with what the machine allocates after boot (a map preallocates its values)', () => {
    const k = boot({ memory: '64M' }, { seed: 1, log: () => {} });
    const before = machineBytes(k);
    k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4096, max_entries: 1024 });
    expect(machineBytes(k) - before).toBeGreaterThanOrEqual(4096 * 1024);
  });
});

describe('the run memory budget (limits.machineBytes)', () => {
  it('refuses a boot past it with ENOMEM (the 64G loop of the report); the script can go on', async () => {
    const o = await run(`const ks = [];
      let err;
      try { for (;;) ks.push(boot({ memory: '64G' })); } catch (e) { err = e; }
      lab.result({ booted: ks.length, name: err.name, errno: err.errno, message: err.message, small: boot({ memory: '64M' }).mm.nframes });`);
    expect(o.ok).toBe(true);
    const r = o.result as { booted: number; name: string; errno: string; message: string; small: number };
    expect(r).toMatchObject({ name: 'KernelError', errno: 'ENOMEM', small: 16384 });
    expect(r.booted * 64 * 1048576).toBeLessThanOrEqual(DEFAULT_LIMITS.machineBytes);
    expect(r.booted).toBeGreaterThanOrEqual(Math.floor(DEFAULT_LIMITS.machineBytes / (66 << 20)));
    expect(r.message).toMatch(
      /^run memory budget of 512 MiB exceeded: boot\(\{ memory: '64G' \}\) needs at least 64 MiB and the run's \d+ machines hold [\d.]+ MiB/,
    );
  });

  it('refuses the same boot on every run (the budget counts the machines, not the host)', async () => {
    const code = `const ks = []; try { for (;;) ks.push(boot({ memory: ks.length % 2 ? '2G' : '3G' })); } catch (e) { lab.result([ks.length, e.message]); }`;
    const a = await run(code, { machineBytes: 40 << 20 });
    const b = await run(code, { machineBytes: 40 << 20 });
    expect((a.result as [number, string])[0]).toBeGreaterThan(5);
    expect(b.result).toEqual(a.result);
  });

  it('refuses a boot whose frame array alone would not fit before allocating it', async () => {
    const o = await run(`boot({ memory: '64G' })`, { machineBytes: 16 << 20 });
    expect(o.error).toMatchObject({ kind: 'script', name: 'KernelError', errno: 'ENOMEM' });
    expect(o.error?.message).toContain(
      "boot({ memory: '64G' }) needs at least 64 MiB and the run's 0 machines hold 0 MiB",
    );
  });

  it('refuses a boot that fits the floor but not the budget once booted', async () => {
    // 1G: 262144 frames, 1 MiB of frame array (the floor fits), more in its tables and engines.
    const o = await run(`boot({ memory: '1G' })`, { machineBytes: 1 << 20 });
    const held = machineBytes(boot({ memory: '1G' }, { seed: 1, log: () => {} }));
    expect(held).toBeGreaterThan(1 << 20);
    expect(o.error).toMatchObject({ kind: 'script', name: 'KernelError', errno: 'ENOMEM' });
    expect(o.error?.message).toMatch(/boot\(\{ memory: '1G' \}\) needs [\d.]+ MiB and the run's 0 machines hold 0 MiB/);
  });

  it('ends a run whose machines grow past it after boot', async () => {
    const o = await run(
      `const k = boot({ memory: '64M' });
       const maps = [];
       for (;;) maps.push(k.bpf.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4096, max_entries: 1024 }));`,
      { machineBytes: 32 << 20 },
    );
    expect(o.error).toMatchObject({ kind: 'limit', limit: 'memory', name: 'LimitError' });
    expect(o.error?.message).toMatch(/^run memory budget of 32 MiB exceeded: the run's 1 machine hold ([\d.]+) MiB$/);
    const held = Number(/hold ([\d.]+) MiB/.exec(o.error!.message)![1]);
    // Measured after every ENGINE_CHECK_CALLS-th engine call: the overshoot is those calls' maps (4 MiB each) and
    // the walk's MiB of slack at most, not a flood.
    expect(held).toBeGreaterThan(32);
    expect(held).toBeLessThanOrEqual(32 + 4 * ENGINE_CHECK_CALLS + 1);
  });

  it('lets a run boot the usual machines many times', async () => {
    const o = await run(`for (let i = 0; i < 40; i++) boot({}); print('ok');`);
    expect(o.ok).toBe(true);
  });
});
