import { describe, expect, it } from 'vitest';
import { kernelForTests } from '../../../oracle/test-util';
import { kernelClassDisagreements, recordedAnswerGaps } from './kernel-classes.fixtures';
import { MAP_BTF_STRUCT, MAP_STRUCTS, btfStructAccess } from '../map_btf';
import { modelAnswer } from './helper-args.fixtures';
import type { HelperVariant } from './helper-args.fixtures';
import { mapPtrVariants } from './map-ptr.fixtures';
import { KERNEL } from './map-ptr.kernel';

/**
 * A load of a pointer field gives the kernel a PTR_TO_BTF_ID register; the model has no such register (its
 * departure from 6.18, see verifier.ts) and refuses the load instead. Which variants those are follows from the
 * model's layouts, not from a list.
 */
function loadsPointerField(v: HelperVariant): boolean {
  const m = /^\S+ (load|ldsx) size (\d+) off (-?\d+)$/.exec(v.name);
  if (!m || Number(m[3]) < 0) return false;
  return btfStructAccess(MAP_STRUCTS[MAP_BTF_STRUCT[v.map.map_type]]!, Number(m[3]), Number(m[2])).k === 'ptr';
}

const VARIANTS = mapPtrVariants();

describe("map_ptr accesses, with the kernel's answers recorded", () => {
  it('has a recorded answer for every variant', () => {
    expect(recordedAnswerGaps(VARIANTS, KERNEL)).toEqual([]);
  });

  it('answers as Linux 6.18 does for every scalar field, error and store', () => {
    const wrong = VARIANTS.filter((v) => !loadsPointerField(v) && modelAnswer(v) !== KERNEL[v.name]).map(
      (v) => `${v.name}: ${modelAnswer(v)}`,
    );
    expect(wrong).toEqual([]);
  });

  it('refuses a pointer-field load that Linux 6.18 accepts (no PTR_TO_BTF_ID in the model)', () => {
    const ptr = VARIANTS.filter(loadsPointerField);
    expect(ptr.length).toBeGreaterThan(0);
    expect(ptr.filter((v) => KERNEL[v.name] !== 'ok').map((v) => v.name)).toEqual([]);
    expect(ptr.filter((v) => modelAnswer(v) !== "EACCES R1 invalid mem access 'map_ptr'").map((v) => v.name)).toEqual(
      [],
    );
  });
});

const { oracle, skip } = kernelForTests('map_ptr access classes against the running kernel');

describe.skipIf(skip)('map_ptr accesses against the running kernel (BPF_PROG_LOAD)', () => {
  it("gives the kernel's verdict, errno and first error line", () => {
    // Variants the oracle's allow-list keeps from the kernel are checked offline, against the recorded answers.
    const wrong = kernelClassDisagreements(
      oracle,
      VARIANTS,
      (v) => ({ prog: v.asm, opts: { prog_type: 'raw_tracepoint', log_level: 1, maps: { 1: { ...v.map } } } }),
      KERNEL,
      modelAnswer,
      (v) => !loadsPointerField(v),
    );
    expect(wrong).toEqual([]);
  });
});
