/**
 * The console with big output: the last line shows as the run ends, the page keeps answering while a million lines
 * arrive, and filter, copy and the cap's notice still work. Times are reported (console.log and
 * test-results/console-perf.json), not asserted: no wall-clock limits in tests.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { expect, newFile, test, typeScript, uniq } from './fixtures';
import type { Page } from '@playwright/test';

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { n: s.length, p50: q(0.5), p95: q(0.95), max: s[s.length - 1] ?? NaN };
};

/** Rows the console has in the DOM: a virtualised list holds the ones on screen, not the whole output. */
const domRows = (app: Page) => app.locator('[data-testid=console] .console-block > div').count();

async function report(name: string, figures: object): Promise<void> {
  // The machine's load beside the figures: on a shared machine it moves them more than anything the page does.
  figures = { ...figures, load_average: loadavg().map((l) => Math.round(l * 100) / 100) };
  console.log(`console ${name}:`, JSON.stringify(figures));
  await mkdir('test-results', { recursive: true });
  await writeFile(`test-results/console-${name}.json`, JSON.stringify(figures, null, 2));
}

test.describe('console with big output', () => {
  test('20,000 lines: the last one shows as the run ends; filter and copy take the output', async ({ app }) => {
    await newFile(app, `${uniq('lines20k')}.js`);
    await typeScript(app, "for (let i = 0; i < 20000; i++) print('line ' + i);\n");
    // When the status says the run is done, and when the console first shows its last line and the end.
    await app.evaluate(() => {
      const w = window as unknown as { __done?: number; __shown?: number };
      const status = document.querySelector('[data-testid=status]')!;
      const consoleEl = document.querySelector('[data-testid=console]')!;
      new MutationObserver(() => {
        if (w.__done === undefined && /done in/.test(status.textContent ?? '')) w.__done = performance.now();
      }).observe(status, { childList: true, characterData: true, subtree: true });
      new MutationObserver(() => {
        const t = consoleEl.textContent ?? '';
        if (w.__shown === undefined && t.includes('line 19999') && t.includes('✓ finished in'))
          w.__shown = performance.now();
      }).observe(consoleEl, { childList: true, characterData: true, subtree: true });
    });
    await app.getByTestId('run').click();
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText('line 19999');
    await expect(consoleEl).toContainText('✓ finished in');
    const shownAfterEnd = await app.evaluate(() => {
      const w = window as unknown as { __done?: number; __shown?: number };
      return w.__shown! - w.__done!;
    });
    expect(await domRows(app)).toBeLessThan(1000);
    await expect(app.getByTestId('console-dropped')).toBeHidden();

    // The filter shows the matching lines only, from the whole output.
    await app.getByTestId('console-filter').fill('LINE 1999');
    await expect(consoleEl).toContainText('line 19990');
    expect(await domRows(app)).toBe(11);
    await expect(consoleEl).not.toContainText('line 1998');
    await app.getByTestId('console-filter').fill('');
    await expect(consoleEl).toContainText('✓ finished in');

    // Copy takes the whole output, not the rows on screen.
    await app.evaluate(() => {
      const w = window as unknown as { __copied?: string };
      Object.defineProperty(navigator, 'clipboard', {
        value: { writeText: async (t: string) => void (w.__copied = t) },
        configurable: true,
      });
    });
    await app.getByTestId('console-copy').click();
    const copied = await app.evaluate(() => (window as unknown as { __copied?: string }).__copied ?? '');
    expect(copied).toContain('line 0\nline 1\n');
    expect(copied).toContain('line 19999\n');
    expect(copied.split('\n').filter((l) => l.startsWith('line ')).length).toBe(20000);
    await report('20k', { lines: 20000, shown_after_run_end_ms: Math.round(shownAfterEnd) });
  });

  test('a million lines keep the page answering, with the cap saying what it dropped', async ({ app }) => {
    test.setTimeout(240_000);
    await newFile(app, `${uniq('lines1m')}.js`);
    // 100,000 prints of ten short lines each: a million lines (2 MB, within the output limit), then one more.
    await typeScript(
      app,
      "const ten = Array.from({ length: 10 }, (_, i) => String(i)).join('\\n');\nfor (let i = 0; i < 100000; i++) print(ten);\nprint('the last line');\n",
    );
    await app.getByTestId('timeout').selectOption('600000');
    await app.evaluate(() => {
      const w = window as unknown as { __lat: { ms: number; filling: boolean }[] };
      w.__lat = [];
      const stop = document.querySelector<HTMLButtonElement>('[data-testid=stop]')!;
      // Key press to the next frame: what a person feels as the page's responsiveness. Each sample says whether
      // the run was still filling the console when the key went down: the figure is taken over those only (the
      // filter's keys after the run are a figure of their own).
      window.addEventListener(
        'keydown',
        (e) => {
          const t = e.timeStamp;
          const filling = !stop.disabled;
          requestAnimationFrame(() => w.__lat.push({ ms: performance.now() - t, filling }));
        },
        true,
      );
    });
    // The page's own CPU time (its main thread's), beside the wall-clock latencies: on a shared machine the two part.
    const cdp = test.info().project.name === 'web' ? await app.context().newCDPSession(app) : undefined;
    const threadTime = async () => {
      if (!cdp) return NaN;
      const { metrics } = await cdp.send('Performance.getMetrics');
      return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN) * 1000;
    };
    await cdp?.send('Performance.enable');
    const cpu0 = await threadTime();
    const t0 = Date.now();
    await app.getByTestId('run').click();
    // Type in the editor while the output arrives.
    await app.getByTestId('editor').click();
    await app.keyboard.press('ControlOrMeta+End');
    for (let i = 0; i < 200 && (await app.getByTestId('stop').isEnabled()); i++)
      await app.keyboard.type('//\n', { delay: 20 });
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText('✓ finished in', { timeout: 200_000 });
    const fillCpu = (await threadTime()) - cpu0;
    const fillWall = Date.now() - t0;
    await expect(consoleEl).toContainText('the last line');
    expect(await domRows(app)).toBeLessThan(1000);
    // Over the cap: the notice says how many earlier lines the view dropped.
    await expect(app.getByTestId('console-dropped')).toBeVisible();
    await expect(app.getByTestId('console-dropped')).toContainText(/[\d,]+ earlier lines are not shown/);
    // A click and typing still work, and the filter answers over the lines kept.
    await app.getByTestId('console-filter').click();
    await app.keyboard.type('last');
    await expect(consoleEl).toContainText('the last line');
    expect(await domRows(app)).toBe(1);
    const lat = await app.evaluate(() => (window as unknown as { __lat: { ms: number; filling: boolean }[] }).__lat);
    const filling = lat.filter((l) => l.filling).map((l) => l.ms);
    expect(filling.length).toBeGreaterThan(0);
    await report('1m', {
      lines: 1_000_001,
      key_to_frame_ms_while_filling: stats(filling),
      filter_key_to_frame_ms: stats(lat.filter((l) => !l.filling).map((l) => l.ms)),
      // From Run to the last line, and the page's main thread's CPU time in it.
      fill_ms: fillWall,
      fill_main_thread_cpu_ms: Math.round(fillCpu),
    });
  });
});
