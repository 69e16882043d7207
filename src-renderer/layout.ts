/** Remembered layout: the side pane's width (dragged on the splitter), the active side tab and the theme. */
const KEY = 'kernel-lab.layout';

export type ThemeChoice = 'system' | 'dark' | 'light';

interface Layout {
  sideWidth?: number | undefined;
  tab?: string;
  theme?: ThemeChoice;
}

export function loadLayout(): Layout {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Layout;
  } catch {
    return {};
  }
}

export function saveLayout(patch: Layout): void {
  localStorage.setItem(KEY, JSON.stringify({ ...loadLayout(), ...patch }));
}

/** Makes `splitter` resize the grid column of the side pane (pointer drag and arrow keys). */
export function initSplitter(grid: HTMLElement, splitter: HTMLElement, onResize: () => void): void {
  // The grid's own minimums (styles.css): the side pane between its minimum and what leaves the editor its own.
  const px = (name: string, fallback: number): number =>
    parseFloat(getComputedStyle(grid).getPropertyValue(name)) || fallback;
  const apply = (w: number): void => {
    const minSide = px('--min-side', 300);
    const max = Math.max(minSide, grid.clientWidth - px('--files-width', 190) - 5 - px('--min-editor', 240));
    const width = Math.round(Math.min(max, Math.max(minSide, w)));
    grid.style.setProperty('--side-width', `${width}px`);
    splitter.setAttribute('aria-valuenow', String(width));
    onResize();
  };
  const saved = loadLayout().sideWidth;
  if (saved) apply(saved);
  splitter.addEventListener('pointerdown', (e) => {
    splitter.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent): void => apply(grid.getBoundingClientRect().right - ev.clientX);
    const up = (): void => {
      splitter.removeEventListener('pointermove', move);
      splitter.removeEventListener('pointerup', up);
      saveLayout({ sideWidth: parseInt(grid.style.getPropertyValue('--side-width')) || undefined });
    };
    splitter.addEventListener('pointermove', move);
    splitter.addEventListener('pointerup', up);
  });
  splitter.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const cur = parseInt(grid.style.getPropertyValue('--side-width')) || grid.clientWidth * 0.44;
    apply(cur + (e.key === 'ArrowLeft' ? 24 : -24));
    saveLayout({ sideWidth: parseInt(grid.style.getPropertyValue('--side-width')) });
  });
}
