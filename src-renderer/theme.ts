/**
 * The colour theme: the OS's (prefers-color-scheme), or dark or light as picked in the toolbar, remembered with
 * the layout. The CSS reads `html[data-theme]`; Monaco and the canvases are told when it changes.
 */
import { loadLayout, saveLayout, type ThemeChoice } from './layout';

const ORDER: readonly ThemeChoice[] = ['system', 'dark', 'light'];
const LABEL: Record<ThemeChoice, string> = { system: 'System', dark: 'Dark', light: 'Light' };
const ICON: Record<ThemeChoice, string> = { system: '◐', dark: '☾', light: '☀' };

/** The theme a choice shows now: the OS's own for `system`. */
export function resolveTheme(choice: ThemeChoice, osDark: boolean): 'dark' | 'light' {
  return choice === 'system' ? (osDark ? 'dark' : 'light') : choice;
}

/** The choice after `choice` on the toggle: System → Dark → Light → System. */
export function nextTheme(choice: ThemeChoice): ThemeChoice {
  return ORDER[(ORDER.indexOf(choice) + 1) % ORDER.length]!;
}

export function isThemeChoice(v: unknown): v is ThemeChoice {
  return typeof v === 'string' && (ORDER as readonly string[]).includes(v);
}

/**
 * Wires the toolbar's theme button: applies the remembered choice now, follows the OS while the choice is
 * `system`, and calls `onChange` with the theme shown after every change (to restyle Monaco and the canvases).
 */
export function initTheme(button: HTMLButtonElement, onChange: (theme: 'dark' | 'light') => void): void {
  const os = window.matchMedia('(prefers-color-scheme: dark)');
  const saved = loadLayout().theme;
  let choice: ThemeChoice = isThemeChoice(saved) ? saved : 'system';
  let shown: 'dark' | 'light' | undefined;
  const apply = (): void => {
    const theme = resolveTheme(choice, os.matches);
    document.documentElement.dataset.theme = theme;
    button.textContent = ICON[choice];
    button.dataset.choice = choice;
    const next = nextTheme(choice);
    button.title = `Theme: ${LABEL[choice]}${choice === 'system' ? ` (${theme})` : ''} · click for ${LABEL[next]}`;
    button.setAttribute('aria-label', `colour theme: ${LABEL[choice]}`);
    if (theme !== shown) {
      shown = theme;
      onChange(theme);
    }
  };
  os.addEventListener('change', apply);
  button.addEventListener('click', () => {
    choice = nextTheme(choice);
    saveLayout({ theme: choice });
    apply();
  });
  apply();
}
