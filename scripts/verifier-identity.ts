/**
 * The verifier's byte-identity check for refactorings: every log (log_level 1 and 2), verdict, statistic and
 * trace of the translated selftests (verifier/selftests.ts, stack-variants.ts), the iterator corpus, the fuzz
 * regressions and a seeded corpus of generated programs (oracle/fuzz), hashed per program and in total.
 *
 *   npx tsx scripts/verifier-identity.ts [--count N] [--seed S] [--out FILE]
 *
 * Run it before a change and after: the totals must agree; with --out, the per-program hashes (one JSON object)
 * show which program differs.
 */
import { BPF_F, ITER_SELFTESTS, createBpf, stackVariants } from '../src-main/engines/bpf';
import type { BpfMap } from '../src-main/engines/bpf';
import { ITER_CORPUS } from '../src-main/oracle/iter-corpus';
import { generatePrograms } from '../src-main/oracle/fuzz/generator';
import type { FuzzProgram } from '../src-main/oracle/fuzz/generator';
import { caseProgram, loadCases } from '../src-main/oracle/fuzz/regressions';
import { hostNrCpuIds } from '../src-main/oracle/fuzz/runner';
import { identityReport, sha } from './identity-report';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
};
const count = Number(arg('--count', '3000'));
const seed = Number(arg('--seed', '20261207'));
const out = arg('--out', '');

const hashes: Record<string, string> = {};

/** Everything a verification returns that a user can see, as text. */
function describe(run: () => ReturnType<ReturnType<typeof createBpf>['verify']>): string {
  try {
    const r = run();
    const v = r.result;
    const stats = v
      ? JSON.stringify({
          ok: v.ok,
          errno: v.errno,
          error: v.error,
          insn: v.insn,
          p: v.insn_processed,
          m: v.max_states_per_insn,
          t: v.total_states,
          pk: v.peak_states,
          sd: [...v.stack_depth],
          cl: [...v.ctx_loads],
          mc: v.max_ctx_offset,
          steps: v.steps,
          paths: v.paths,
        })
      : '';
    return `${JSON.stringify({ ok: r.ok, errors: r.errors })}\n${stats}\n${r.log}`;
  } catch (e) {
    return `threw ${(e as Error).name}: ${(e as Error).message}`;
  }
}

function selftests(): void {
  for (const c of ITER_SELFTESTS) {
    for (const level of [1, 2]) {
      for (const trace of [false, true]) {
        if (trace && level === 2) continue;
        const k = createBpf({ jit: false });
        const maps: Record<string, BpfMap> = {};
        if (c.amap)
          maps['amap'] = k.map_create({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 4, max_entries: 10 });
        if (c.data_size)
          k.map_create({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: c.data_size, max_entries: 1 });
        const attr = {
          asm: c.asm,
          maps,
          prog_type: c.prog_type ?? 'raw_tp',
          log_level: level,
          test_state_freq: !!c.state_freq,
          trace,
        };
        hashes[`selftest/${c.file}/${c.name}/${level}${trace ? 't' : ''}`] = sha(describe(() => k.verify(attr)));
      }
    }
  }
  for (const v of stackVariants())
    for (const level of [1, 2]) {
      const k = createBpf({ jit: false });
      hashes[`stack/${v.set}/${v.key}/${level}`] = sha(
        describe(() => k.verify({ asm: v.asm, prog_type: 'raw_tp', log_level: level })),
      );
    }
  for (const c of ITER_CORPUS)
    for (const level of c.slow ? [0] : [1, 2]) {
      const k = createBpf({ jit: false });
      hashes[`iter-corpus/${c.name}/${level}`] = sha(
        describe(() => k.verify({ asm: c.asm, prog_type: 'raw_tp', log_level: level })),
      );
    }
}

/** As the fuzz runner's modelAnswer() loads a program (maps, fd_array, no func_info), at each log level. */
function fuzzProgram(name: string, p: FuzzProgram): void {
  const cpus = hostNrCpuIds();
  const flags = p.prog_type === 'syscall' ? BPF_F.SLEEPABLE : 0;
  const fdArray = { func_info: false, ...(p.maps.length ? { fd_array: p.maps.map((_, i) => i + 1) } : {}) };
  for (const level of [1, 2]) {
    const e = createBpf({ jit: false, ...(cpus ? { nr_cpus: cpus } : {}) });
    for (const m of p.maps)
      e.map_create({
        map_type: m.map_type,
        key_size: m.key_size,
        value_size: m.value_size,
        max_entries: m.max_entries,
      });
    hashes[`${name}/${level}`] = sha(
      describe(() =>
        e.verify({ insns: p.bytes, prog_type: p.prog_type, log_level: level, prog_flags: flags, ...fdArray }),
      ),
    );
  }
}

selftests();
for (const [file, c] of loadCases()) fuzzProgram(`regression/${file}`, caseProgram(c));
generatePrograms(seed, count).forEach((p, i) => fuzzProgram(`fuzz/${seed}/${i}`, p));

identityReport(hashes, out);
