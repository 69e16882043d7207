// Lab 12, reference solution: the loop bounded by bpf_for over the array, n only stopping it early.
const submission = { filename: 'sum_vals.bpf.c', c: `// SPDX-License-Identifier: GPL-2.0
/* Lab 12, reference solution: the loop runs over an open-coded iterator whose end is the array's length. */
#include "bpf_experimental.h"

#define MAX_VALS 64

struct data {
	u32 n;			/* how many of vals to add up; anything a user space program wrote */
	u32 pad;
	u64 vals[MAX_VALS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct data);
} data SEC(".maps");

SEC("raw_tp")
int sum_vals(void *ctx)
{
	u32 key = 0;
	struct data *d = bpf_map_lookup_elem(&data, &key);
	u64 sum = 0;
	int i;

	if (!d)
		return 0;
	/* bpf_for proves 0 <= i < MAX_VALS at every step; n only decides when to stop early. */
	bpf_for(i, 0, MAX_VALS) {
		if (i >= d->n)
			break;
		sum += d->vals[i];
	}
	return sum;
}

char LICENSE[] SEC("license") = "GPL";
` };

const k = boot();

/** The submission compiled (its diagnostics printed at their C lines) and opened as libbpf opens an object. */
function open() {
  const r = k.bpf.compile({ c: submission.c, filename: submission.filename });
  for (const d of r.diagnostics) print(`${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`);
  if (!r.ok) throw new Error(`${submission.filename}: ${r.why}`);
  return k.bpf.obj_open(r.object, { name: submission.filename.replace(/\.c$/, '.o') });
}

let loaded;
try {
  loaded = open().load({ log_level: 1 });
} catch (e) {
  if (!(e instanceof KernelError)) throw e;
  print(`${e.errno} ${e.message}`);
  print(String(e.log ?? '').trim().split('\n').slice(-14).join('\n'));
}

if (loaded) {
  const prog = loaded.progs.sum_vals;
  const map = loaded.maps.data;
  if (!prog || !map) throw new Error(`${submission.filename}: keep the program sum_vals and the map data`);
  print(prog.verifier_log.trim().split('\n').at(-1));
  // The README's example: vals = 1, 2, ..., 64 and n = 10.
  const value = new Uint8Array(map.value_size);
  const dv = new DataView(value.buffer);
  dv.setUint32(0, 10, true);
  for (let i = 0; i < 64; i++) dv.setBigUint64(8 + 8 * i, BigInt(i + 1), true);
  map.update(0, value);
  const sum = Number(prog.run().retval);
  print(`sum_vals with n = 10: ${sum}`);
  lab.result({ sum });
}
