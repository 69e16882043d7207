/**
 * Kernel-oracle benchmarks (issue 10): the running kernel's JIT speed on the BPF engine's four workloads
 * (bpf.kernel_jit_insns_per_s, via BPF_PROG_TEST_RUN with repeat, whose timer leaves out time the test was
 * rescheduled) beside our interpreter and JIT (the WebAssembly JIT where it compiles the program) on the very same
 * programs in this process's CPU time, the ratios of ours to it, the retval agreement on the conformance suite and
 * on 1000 random programs, and this machine's io_uring costs.
 *
 * The workloads are the BPF engine bench's (bpfWorkloads in src-main/engines/bpf/bench.ts) with smaller loop counts: the kernel's
 * verifier walks every iteration of a constant-bounded loop, within its 1M processed-instruction budget and, for the
 * lookup loop, its 8192 pending branches.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBpf } from '../engines/bpf';
import type { BpfProgram } from '../engines/bpf';
import { encodeInsns } from '../engines/bpf';
import { bpfWorkloads } from '../engines/bpf/bench';
import { conformanceDiff } from './conformance-diff';
import { differential } from './differential';
import { kernelOracle } from './index';
import { randomDiff } from './random-programs';
import type { KernelMapSpec } from './index';

const WORKLOADS = bpfWorkloads({ arith: 100000, hash_lookup: 4000, mul_shift: 100000, stack: 80000 });

/**
 * Instructions per second of `prog`: the best 0.2 s window within `seconds`, after `seconds` / 2 of warm-up runs
 * (V8 optimises the interpreter and tiers the JITs' code up between calls, as the kernel's JIT compiles before its
 * first run). Windows are counted in this process's CPU time when `cpuMicros` is given, so that other load on a
 * shared machine does not count against us, else in wall time.
 */
function measure(prog: BpfProgram, seconds: number, cpuMicros?: () => number): number {
  const now = (): number => globalThis.performance.now();
  for (const warm = now() + seconds * 500; now() < warm;) prog.run();
  let best = 0;
  const end = now() + seconds * 1000;
  while (now() < end) {
    let insns = 0;
    const t0 = now();
    const c0 = cpuMicros?.() ?? 0;
    let t = t0;
    while (t - t0 < 200) {
      insns += prog.run().insns;
      t = now();
    }
    const spent = cpuMicros ? (cpuMicros() - c0) / 1e6 : (t - t0) / 1000;
    if (spent > 0) best = Math.max(best, insns / spent);
  }
  return best;
}

const gmean = (xs: number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const r2 = (x: number): number => Math.round(x * 100) / 100;

/** Runs the oracle benchmarks (about 30 s); empty (with a printed reason) where the oracle is unavailable. */
export function bench(clock: { cpuMicros?: () => number } = {}): Record<string, { value: number; unit: string }> {
  const out: Record<string, { value: number; unit: string }> = {};
  const oracle = kernelOracle({ trustedPrograms: true }); // the project's own programs: their iterator loops may run (policy.ts)
  const avail = oracle.available();
  if (!avail.ok) {
    console.log(`oracle bench skipped: ${avail.why}`);
    return out;
  }
  const kern: number[] = [];
  const interp: number[] = [];
  const jit: number[] = [];
  const packet = new Uint8Array(64);
  for (const [name, w] of Object.entries(WORKLOADS)) {
    const k = createBpf();
    const m = k.map_create({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 64 });
    const entries: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 16; i++) {
      m.update(i, BigInt(i * 3));
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, i, true);
      const value = new Uint8Array(8);
      new DataView(value.buffer).setBigUint64(0, BigInt(i * 3), true);
      entries.push([key, value]);
    }
    const maps: Record<string, typeof m> = w.maps ? { m } : {};
    const pi = k.prog_load({ asm: w.asm, maps, jit: false, verify: false }); // our verifier is not what is measured here
    const pj = k.prog_load({ asm: w.asm, maps, jit: true, verify: false });
    const perRun = pi.run();
    const spec: KernelMapSpec = { map_type: 'hash', key_size: 4, value_size: 8, max_entries: 64, entries };
    const bytes = encodeInsns(pi.insns);
    // No verifier log: a walk of ~700k instructions would fill 16 MiB of it.
    const opts = {
      prog_type: 'socket_filter',
      log_level: 0,
      data_in: packet,
      ...(w.maps ? { maps: { [m.id]: spec } } : {}),
    };
    const run = oracle.testRun(bytes, { ...opts, repeat: 1000 });
    if (!run.ok) {
      console.log(`oracle bench: ${name} not run in the kernel: ${run.why}`);
      continue;
    }
    if (run.retval !== (perRun.retval & 0xffffffffn))
      console.log(`oracle bench: ${name} retval differs: kernel ${run.retval}, ours ${perRun.retval}`);
    const kips = perRun.insns / (run.duration / 1e9);
    const a = measure(pi, 1, clock.cpuMicros);
    const b = measure(pj, 1, clock.cpuMicros);
    kern.push(kips);
    interp.push(a);
    jit.push(b);
    out[`bpf.kernel_jit_insns_per_s.${name}`] = { value: Math.round(kips), unit: 'insns/s' };
    out[`bpf.kernel_ratio_jit.${name}`] = { value: Math.round((b / kips) * 10000) / 10000, unit: 'x' };
    out[`bpf.kernel_ratio_interp.${name}`] = { value: Math.round((a / kips) * 10000) / 10000, unit: 'x' };
  }
  if (kern.length > 0) {
    out['bpf.kernel_jit_insns_per_s'] = { value: Math.round(gmean(kern)), unit: 'insns/s' };
    out['bpf.kernel_ratio_interp'] = { value: Math.round((gmean(interp) / gmean(kern)) * 10000) / 10000, unit: 'x' };
    out['bpf.kernel_ratio_jit'] = { value: Math.round((gmean(jit) / gmean(kern)) * 10000) / 10000, unit: 'x' };
  }
  const suite = fileURLToPath(new URL('../../third_party/bpf-conformance/tests', import.meta.url));
  if (existsSync(suite)) {
    const files = readdirSync(suite)
      .filter((f) => f.endsWith('.data'))
      .map((name) => ({ name, text: readFileSync(`${suite}/${name}`, 'utf8') }));
    const s = conformanceDiff(oracle, files);
    out['oracle.conformance_kernel_ran'] = { value: s.ran, unit: `of ${s.total}` };
    out['oracle.conformance_retval_agreement'] = { value: r2((100 * s.agree) / Math.max(1, s.ran)), unit: '%' };
  }
  const rnd = randomDiff(oracle, 1000, 20261126, 40);
  out['oracle.random_programs_kernel_accepted'] = { value: rnd.accepted, unit: `of ${rnd.programs}` };
  out['oracle.random_programs_retval_agreement'] = {
    value: r2((100 * rnd.agree) / Math.max(1, rnd.accepted)),
    unit: '%',
  };
  // The differential suite (differential.ts): the same sets and seed as differential.test.ts.
  const diff = differential(oracle, { random: 1000 });
  out['oracle.verdict_agreement'] = { value: Math.round(diff.verdict_agreement * 10000) / 10000, unit: 'ratio' };
  out['oracle.first_error_agreement'] = {
    value: Math.round(diff.first_error_agreement * 10000) / 10000,
    unit: 'ratio',
  };
  out['oracle.retval_agreement'] = { value: Math.round(diff.retval_agreement * 10000) / 10000, unit: 'ratio' };
  const u = oracle.uringProbe({ count: 20_000, batch: 32 });
  out['oracle.io_uring_nop_ns'] = { value: r2(u.nop_ns), unit: 'ns/op' };
  out['oracle.io_uring_nop_batched_ns'] = { value: r2(u.nop_batched_ns), unit: 'ns/op' };
  out['oracle.io_uring_read_4k_ns'] = { value: r2(u.read_4k_ns), unit: 'ns/op' };
  out['oracle.io_uring_read_4k_batched_ns'] = { value: r2(u.read_4k_batched_ns), unit: 'ns/op' };
  out['oracle.pread_4k_ns'] = { value: r2(u.pread_4k_ns), unit: 'ns/op' };
  return out;
}
