import { describe, expect, it } from 'vitest';
import { isThemeChoice, nextTheme, resolveTheme } from './theme';

describe('theme choice', () => {
  it('shows the OS theme for system, and the picked one otherwise', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
    expect(resolveTheme('light', true)).toBe('light');
  });

  it('cycles System → Dark → Light → System', () => {
    expect(nextTheme('system')).toBe('dark');
    expect(nextTheme('dark')).toBe('light');
    expect(nextTheme('light')).toBe('system');
  });

  it('accepts only the three choices from a remembered layout', () => {
    expect(isThemeChoice('light')).toBe(true);
    expect(isThemeChoice('blue')).toBe(false);
    expect(isThemeChoice(undefined)).toBe(false);
    expect(isThemeChoice(1)).toBe(false);
  });
});
