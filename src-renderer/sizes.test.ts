import { describe, expect, it } from 'vitest';
import { memoryLabel } from './sizes';

describe('memoryLabel', () => {
  it('labels sizes as given', () => {
    expect(memoryLabel(64 << 20)).toBe('64M');
    expect(memoryLabel(1.5 * 2 ** 30)).toBe('1.5G');
    expect(memoryLabel(2 ** 30)).toBe('1G');
    expect(memoryLabel(64 * 2 ** 30)).toBe('64G');
    expect(memoryLabel(768 << 20)).toBe('768M');
    expect(memoryLabel(512 << 10)).toBe('512K');
  });
});
