/**
 * Mutation fuzzing of the BPF object loader at scale (issue 21: 10,000 mutated objects, no crash, no hang):
 * seeded byte flips, truncations and corrupted section headers, symbols and BTF of the committed fixtures, each
 * opened, linked and loaded (src-main/engines/bpf/bpf_object_fuzz.ts). Usage: tsx scripts/fuzz-elf.ts
 * [--count N] [--seed S]. Prints the errnos met and the slowest object; exit 1 when anything but a KernelError
 * escaped.
 */
import { fuzzObjects } from '../src-main/engines/bpf/bpf_object_fuzz';
import { intArg } from './int-arg';
import { progressBar } from './progress';

const count = intArg('count', 10_000);
const seed = intArg('seed', 1);
const bar = progressBar('elf fuzz', count);
let last = performance.now();
let slowest = { index: -1, ms: 0 };
const s = fuzzObjects(count, seed, (i) => {
  const now = performance.now();
  if (now - last > slowest.ms) slowest = { index: i, ms: now - last };
  last = now;
  bar.tick(1);
});
bar.done();
console.log(`BPF object fuzz: seed ${seed}, ${s.count} mutated objects, ${s.loaded} loaded`);
for (const [errno, n] of Object.entries(s.errors).sort((a, b) => b[1] - a[1]))
  console.log(`  KernelError ${errno.padEnd(8)} ${n}`);
console.log(`  slowest object: #${slowest.index}, ${slowest.ms.toFixed(0)} ms`);
console.log(`  not a KernelError: ${s.crashes.length}`);
for (const c of s.crashes.slice(0, 20)) console.log(`    #${c.index} (${c.kind}): ${c.error}`);
process.exit(s.crashes.length ? 1 : 0);
