// BPF in C: a bpf_for loop the verifier accepts, and the same loop one slot too far, rejected at its C line.
// The C is compiled by this machine's clang (--target=bpf -O2 -g, the project's bpf_experimental.h), opened as an
// ELF object the way libbpf opens it, and loaded through the verifier; the log shows each C line above its
// instructions, as libbpf's log does. Open the BPF panel to step through the program beside its C source.
const k = boot();

const accepted = `// SPDX-License-Identifier: GPL-2.0
#include "bpf_experimental.h"

u32 seen[8];

SEC("syscall")
int fill(void *ctx)
{
	int i, sum = 0;

	bpf_for(i, 0, 8) {
		seen[i] = i * i;
		sum += seen[i];
	}
	return sum;
}

char LICENSE[] SEC("license") = "GPL";
`;

// The only change: the loop runs to 9, and bpf_for tells the verifier just that i < 9.
const rejected = accepted.replace('bpf_for(i, 0, 8)', 'bpf_for(i, 0, 9)').replace('int fill', 'int fill_oob');

function build(c, filename) {
  const r = k.bpf.compile({ c, filename });
  if (!r.ok) throw new Error(`${filename}: ${r.why}`);
  return k.bpf.obj_open(r.object, { name: filename.replace(/\.c$/, '.o') });
}

// 1. Accepted: bpf_for proves 0 <= i < 8, so seen[i] stays inside the 32-byte .bss value.
const good = build(accepted, 'fill.bpf.c');
const { progs } = good.load({ log_level: 2 });
const fill = progs.fill;
const res = fill.run();
print(`fill: loaded, ${fill.source.length} C lines in line_info, retval ${res.retval} (0²+1²+…+7² = 140)`);

// 2. Rejected: i may be 8, and seen[8] is past the end of the map value.
const bad = build(rejected, 'fill_oob.bpf.c');
try {
  bad.load({ log_level: 1 });
  print('fill_oob: loaded (unexpected)');
} catch (e) {
  print(`fill_oob: ${e.errno} ${e.message}`);
  // e.log is the verifier's log, e.insn the instruction it stopped at, e.line the C line (from line_info).
  const lines = String(e.log).split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${e.insn}: `));
  const cline = lines
    .slice(0, at)
    .reverse()
    .find((l) => l.startsWith('; '));
  print(`rejected at insn ${e.insn}, C line ${e.line}: ${cline}`);
  print(lines.slice(Math.max(0, at - 4), at + 3).join('\n'));
}
