import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { GFP_BITS, GFP_COMPOSITE, formatGfp, parseGfp } from './gfp';

describe('gfp strings', () => {
  it('parses composites and single flags like the kernel definitions', () => {
    const k = parseGfp('GFP_KERNEL');
    expect(k).toBe(
      GFP_BITS.__GFP_DIRECT_RECLAIM! | GFP_BITS.__GFP_KSWAPD_RECLAIM! | GFP_BITS.__GFP_IO! | GFP_BITS.__GFP_FS!,
    );
    expect(parseGfp('GFP_HIGHUSER_MOVABLE') & GFP_BITS.__GFP_MOVABLE!).toBeTruthy();
    expect(parseGfp(' GFP_KERNEL | __GFP_ZERO ')).toBe(k | GFP_BITS.__GFP_ZERO!);
    expect(parseGfp('GFP_KERNEL|__GFP_UNMAPPED') & GFP_BITS.__GFP_UNMAPPED!).toBeTruthy();
    expect(GFP_COMPOSITE.GFP_HIGHUSER! & GFP_BITS.__GFP_MOVABLE!).toBe(0);
    expect(formatGfp(parseGfp('GFP_KERNEL|__GFP_ZERO'))).toBe('GFP_KERNEL|__GFP_ZERO');
  });

  it('refuses an unknown flag with EINVAL naming it', () => {
    let err: unknown;
    try {
      parseGfp('GFP_KERNEL|__GFP_BOGUS');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KernelError);
    expect((err as KernelError).errno).toBe('EINVAL');
    expect((err as KernelError).message).toContain("'__GFP_BOGUS'");
    expect(() => parseGfp('')).toThrow(/unknown flag ''/);
  });
});
