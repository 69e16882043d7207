/**
 * `npm run fuzz` (second part): the soundness runs at scale. Every program the model's verifier accepts runs in
 * the interpreter and the JIT with garbage where it may not read (src-main/oracle/soundness.ts); it must not
 * fault. Usage: tsx scripts/fuzz-soundness.ts [--count N] [--seed S]. Exit 1 when any program faults.
 */
import { soundnessRun } from '../src-main/oracle/soundness';
import { intArg } from './int-arg';
import { progressBar } from './progress';

const count = intArg('count', 100_000);
const seed = intArg('seed', 1);
const bar = progressBar('soundness', count);
const cpu0 = process.cpuUsage();
const s = soundnessRun(seed, count, (d) => bar.tick(d));
bar.done();
const cpu = process.cpuUsage(cpu0);
console.log(
  `soundness under poisoned memory: seed ${seed}, ${s.programs} programs, ${s.accepted} accepted by the model`,
);
for (const [kind, k] of Object.entries(s.kinds))
  console.log(`  ${kind.padEnd(12)} ${k.programs} programs, ${k.accepted} accepted`);
console.log(
  `  faults of accepted programs (interpreter, JS JIT and WebAssembly JIT, 2 poison seeds each): ${s.faults.length}`,
);
console.log(`  accepted programs with the same r0 under every poison: ${s.stable}`);
console.log(`  CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
for (const f of s.faults.slice(0, 20))
  console.log(`\n${f.kind} #${f.index} (${f.engine}, poison ${f.poison}): ${f.errno} ${f.message}\n${f.program}`);
process.exit(s.faults.length ? 1 : 0);
