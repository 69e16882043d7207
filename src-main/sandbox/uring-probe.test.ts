/**
 * "Calibrate the ublk cost model to this machine" from a script: boot({ ublk: { costs: 'host' } }) and
 * k.ublk.uring_probe() / k.ublk.calibrate(). Where this host cannot be measured (not Linux, no cc, io_uring
 * disabled) the script sees one line and keeps the published defaults.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { calibrateCosts, DEFAULT_COSTS } from '../engines/ublk/index';
import { hostUringProbe } from './oracle-bindings';
import { runInSandbox } from './sandbox';

async function run(code: string) {
  let out = '';
  const outcome = await runInSandbox(RunRequestSchema.parse({ code, filename: 'probe.js' }), {
    output: (_s, t) => (out += t),
    progress: () => {},
  });
  return { outcome, out };
}

const host = hostUringProbe();
if ('why' in host) console.log(`io_uring probe unavailable here: ${host.why}`);
else
  console.log(
    `io_uring probe: NOP ${host.nop_ns.toFixed(0)} ns alone, ${host.nop_batched_ns.toFixed(0)} ns batched; 4 KiB tmpfs read ${host.read_4k_batched_ns.toFixed(0)} ns batched -> ${JSON.stringify(host.calibration)}`,
  );

describe("scripts calibrate the ublk cost model to this machine's io_uring", () => {
  it("boot({ ublk: { costs: 'host' } }) uses this machine's figures, or says in one line why not", async () => {
    const { outcome, out } = await run(`
      const d = boot();
      const h = boot({ ublk: { costs: 'host' } });
      lab.result({ d: d.ublk.cost_source, h: h.ublk.cost_source, dc: d.ublk.set_costs('default'), hc: h.ublk.costs });`);
    expect(outcome.error).toBeUndefined();
    const r = outcome.result as { d: string; h: string; dc: unknown };
    expect(r.d).toBe('default');
    expect(r.dc).toEqual(DEFAULT_COSTS);
    const k = outcome.kernels![1]!;
    if ('why' in host) {
      expect(r.h).toBe('default');
      expect(k.ublk.costs).toEqual(DEFAULT_COSTS);
      expect(out).toBe(`boot(): ublk costs 'host' unavailable (${host.why}); the published defaults stay\n`);
    } else {
      expect(r.h).toBe('host');
      expect(k.ublk.costs).toEqual({ ...DEFAULT_COSTS, ...calibrateCosts(host) });
      expect(out).toBe('');
    }
  });

  it('k.ublk.uring_probe() returns the measured figures for k.ublk.calibrate(), or throws EOPNOTSUPP with the reason', async () => {
    const { outcome } = await run(`
      const k = boot();
      let p;
      try { p = k.ublk.uring_probe(); } catch (e) { p = { errno: e.errno, message: e.message }; }
      lab.result({ p, costs: p.errno ? null : k.ublk.calibrate(p), source: k.ublk.cost_source });`);
    expect(outcome.error).toBeUndefined();
    const r = outcome.result as { p: Record<string, unknown>; costs: unknown; source: string };
    if ('why' in host) {
      expect(r.p).toEqual({
        errno: 'EOPNOTSUPP',
        message: `uring_probe: this machine's io_uring cannot be measured here: ${host.why}`,
      });
      expect(r.source).toBe('default');
    } else {
      expect(r.p['nop_ns']).toBe(host.nop_ns);
      expect(r.p['calibration']).toEqual(calibrateCosts(host));
      expect(r.costs).toEqual({ ...DEFAULT_COSTS, ...calibrateCosts(host) });
      expect(r.source).toBe('host');
    }
  });

  it('a script may calibrate to figures measured elsewhere; bad figures are EINVAL', async () => {
    const { outcome } = await run(`
      const k = boot();
      const c = k.ublk.calibrate({ nop_ns: 700, nop_batched_ns: 100, read_4k_batched_ns: 2600, batch: 32 });
      let err;
      try { k.ublk.calibrate({ nop_ns: 'fast' }); } catch (e) { err = e.errno + ': ' + e.message; }
      lab.result({ c: [c.t_sqe_cqe, c.t_enter, c.t_backing_op], err });`);
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toEqual({
      c: [81, 619, 2090],
      err: 'EINVAL: calibrate(): probe.nop_ns must be a positive number of ns (got fast)',
    });
  });
});

describe('the ublk-calibrate.js example', () => {
  it('runs a loop target on the default and the host model', async () => {
    const code = readFileSync(new URL('../../src-renderer/examples/ublk-calibrate.js', import.meta.url), 'utf8');
    const { outcome, out } = await run(code);
    expect(outcome.error).toBeUndefined();
    const rows = outcome.result as { model: string; iodepth: number; iops: number }[];
    expect(rows.map((r) => [r.model, r.iodepth])).toEqual([
      ['default', 1],
      ['default', 32],
      ['why' in host ? 'default' : 'host', 1],
      ['why' in host ? 'default' : 'host', 32],
    ]);
    if (!('why' in host)) expect(out).toContain(`io_uring NOP: ${host.nop_ns.toFixed(0)} ns alone`);
    for (const r of rows) expect(r.iops).toBeGreaterThan(0);
  });
});

describe('the ublk-calibrate-report.js example', () => {
  it('prints every published figure beside the model with the ratio, and says which are off', async () => {
    const code = readFileSync(new URL('../../src-renderer/examples/ublk-calibrate-report.js', import.meta.url), 'utf8');
    const { outcome, out } = await run(code);
    expect(outcome.error).toBeUndefined();
    const r = outcome.result as { within: string; off: string[] };
    const [n, total] = r.within.split('/').map(Number);
    expect(total).toBeGreaterThanOrEqual(11);
    expect(n! + r.off.length).toBe(total);
    expect(out).toContain('auto_vs_zc_null_4k');
    expect(out).toContain('[PR116]');
  });
});
