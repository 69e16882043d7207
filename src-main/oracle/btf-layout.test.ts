import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAP_BTF_STRUCT, MAP_STRUCTS } from '../engines/bpf';
import { VMLINUX_BTF } from './btf';
import { btfMapLayouts } from './btf-layout';

/** The host's BTF, or why it cannot be read here (not Linux, no CONFIG_DEBUG_INFO_BTF, no permission). */
function hostBtf(): Uint8Array | string {
  try {
    return new Uint8Array(readFileSync(VMLINUX_BTF));
  } catch (e) {
    return `${VMLINUX_BTF} cannot be read: ${(e as Error).message}`;
  }
}

const host = hostBtf();
if (typeof host === 'string') console.log(`map struct layouts against the running kernel skipped (${host})`);

describe.skipIf(typeof host === 'string')("the model's map struct layouts against the running kernel's BTF", () => {
  it('has the layout of every struct a modelled map type names (offsets, sizes, pointers; no ids)', () => {
    const names = [...new Set(Object.values(MAP_BTF_STRUCT))];
    expect(Object.keys(MAP_STRUCTS).sort()).toEqual(names.sort());
    expect(btfMapLayouts(host as Uint8Array, names)).toEqual(MAP_STRUCTS);
  });
});
