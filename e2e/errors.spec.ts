/**
 * Errors that point at the right place (issue 17): TypeScript diagnostics per script, the line a timeout
 * stopped on, BPF assembly errors on the script's own line, and what a watchdog kill keeps.
 */
import type { Page } from '@playwright/test';
import { expect, newFile, test, typeScript, uniq } from './fixtures';
import { kernelOracle } from '../src-main/oracle/index';

const squiggles = (app: Page) => app.locator('[data-testid=editor] .squiggly-error');

test.describe('errors point at the right place', () => {
  test('two open .ts files with `const k = boot()` do not redeclare each other', async ({ app }) => {
    // Each file has one real type error on line 2; a cross-file redeclaration of `k` would add a second.
    // (How soon the first diagnostics show is measured by perf.spec.ts.)
    const a = `${uniq('ts-a')}.ts`;
    await newFile(app, a);
    await typeScript(app, "const k = boot();\nconst a: number = 'one';\nprint(k.mm.meminfo().MemFree);\n");
    await expect(squiggles(app)).not.toHaveCount(0, { timeout: 60_000 });
    await newFile(app, `${uniq('ts-b')}.ts`);
    await typeScript(app, 'const k = boot();\nconst b: string = 2;\nprint(k.mm.meminfo().MemTotal);\n');
    await expect(squiggles(app)).not.toHaveCount(0, { timeout: 60_000 });
    await expect(squiggles(app)).toHaveCount(1);
    // Back to the first file: its own error only.
    await app.locator(`[data-testid=editor-tabs] [data-path="${a}"] .etab-name`).click();
    await expect(app.getByTestId('editor')).toContainText("const a: number = 'one';");
    await expect(squiggles(app)).not.toHaveCount(0);
    await expect(squiggles(app)).toHaveCount(1);
  });

  test('a timeout reports the line of the loop that was running', async ({ app }) => {
    await newFile(app, `${uniq('spin')}.js`);
    await app.getByTestId('timeout').selectOption('2000');
    await typeScript(app, "print('spinning');\nlet i = 0;\n  while (true) { i++; }\n");
    await app.getByTestId('run').click();
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText('time limit reached', { timeout: 15_000 });
    await expect(consoleEl).toContainText(/\.js:3:3: time limit reached/);
    await expect(squiggles(app)).toHaveCount(1);
    await expect(
      app.locator('[data-testid=editor] .view-overlays > div').nth(2).locator('.squiggly-error'),
    ).toHaveCount(1);
  });

  test('a BPF assembly error points at the script line inside the asm literal, with a marker', async ({ app }) => {
    await newFile(app, `${uniq('asm')}.js`);
    // At the top level, so that the editor adds no indentation of its own as the text goes in.
    await typeScript(
      app,
      "const k = boot();\nconst prog = `\nr0 = 0\nr0 += r11\nexit\n`;\nk.bpf.prog_load({ prog_type: 'socket_filter', asm: prog });\n",
    );
    await app.getByTestId('run').click();
    const consoleEl = app.getByTestId('console');
    // Line 3 of the program, "r0 += r11", is the script's line 4; the bad operand is at column 7.
    await expect(consoleEl).toContainText(/\.js:4:7: KernelError: expected a number, found 'r11'/);
    await expect(squiggles(app)).toHaveCount(1);
    await expect(
      app.locator('[data-testid=editor] .view-overlays > div').nth(3).locator('.squiggly-error'),
    ).toHaveCount(1);
    await app.getByTestId('tab-bpf').click();
    await expect(app.getByTestId('panel-bpf').getByTestId('bpf-error')).toHaveText(
      "script 4:7: expected a number, found 'r11'",
    );
  });

  test('a verifier rejection is marked on the script line of the failing instruction', async ({ app }) => {
    await newFile(app, `${uniq('asm-verifier')}.js`);
    await typeScript(
      app,
      "const k = boot();\nk.bpf.prog_load({ prog_type: 'socket_filter', asm: 'r0 = 0\\nr0 += r3\\nexit' });\n",
    );
    await app.getByTestId('run').click();
    // The failing instruction is the program's line 2, after the \n escape: column 61 of the script's line 2.
    await expect(app.getByTestId('console')).toContainText(/\.js:2:61: KernelError: R3 !read_ok \[EACCES\]/);
    await expect(squiggles(app)).toHaveCount(1);
    await app.getByTestId('tab-bpf').click();
    await expect(app.getByTestId('panel-bpf').getByTestId('bpf-error')).toHaveText('insn 1 (script 2:61): R3 !read_ok');
  });

  test('a run the watchdog kills in a BPF load keeps the loads before it and says where it stopped', async ({
    app,
  }) => {
    await newFile(app, `${uniq('watchdog')}.js`);
    await app.getByTestId('timeout').selectOption('2000');
    await typeScript(
      app,
      "const k = boot();\nk.bpf.prog_load({ asm: 'r0 = 0\\nexit', prog_type: 'socket_filter', prog_name: 'first' });\n" +
        "k.bpf.prog_load({ asm: 'r1 = 0\\nl: r1 += 1\\nif r1 < 300000 goto l\\nr0 = 0\\nexit', prog_type: 'socket_filter', log_level: 2, log_size: 16777215 });\n",
    );
    await app.getByTestId('run').click();
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText(
      /\.js:3:16: the run outlived its 2000 ms deadline and was terminated by the watchdog/,
      { timeout: 30_000 },
    );
    await expect(consoleEl).toContainText('ended by the watchdog limit');
    await expect(
      app.locator('[data-testid=editor] .view-overlays > div').nth(2).locator('.squiggly-error'),
    ).toHaveCount(1);
    await app.getByTestId('tab-bpf').click();
    const panel = app.getByTestId('panel-bpf');
    await expect(panel).toHaveAttribute('data-loads', '1');
    await expect(panel).toContainText('first');
    await expect(panel).not.toContainText('none loaded');
  });

  test("a verifier log that overflows shows ENOSPC and the verifier's own reason", async ({ app }) => {
    await newFile(app, `${uniq('enospc')}.js`);
    await app.getByTestId('timeout').selectOption('60000');
    await typeScript(
      app,
      "const k = boot();\nk.bpf.prog_load({ asm: 'r1 = 0\\nl: r1 += 1\\nif r1 < 600000 goto l\\nr0 = 0\\nexit', prog_type: 'socket_filter', log_level: 1, log_size: 4096 });\n",
    );
    await app.getByTestId('run').click();
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText(
      /KernelError: the verifier log \(\d+ bytes\) does not fit log_size 4096; the verifier's own reason: BPF program is too large\. Processed 1000001 insn \[ENOSPC\]/,
      { timeout: 60_000 },
    );
    await app.getByTestId('tab-bpf').click();
    await expect(app.getByTestId('panel-bpf')).toContainText('rejected (ENOSPC)');
    const error = app.getByTestId('panel-bpf').getByTestId('bpf-error');
    await expect(error).toContainText('does not fit log_size 4096');
    await expect(error).toContainText("the verifier's own reason: BPF program is too large. Processed 1000001 insn");
    // The kernel check loads with the same log_level and log_size: this machine's kernel overflows the same 4096
    // bytes (ENOSPC), and the oracle's load without a log gives the verifier's own reason, E2BIG.
    await app.getByTestId('panel-bpf').getByTestId('bpf-kernel-check').click();
    await expect(app.getByTestId('kernel-access-dialog')).toBeVisible();
    await app.getByTestId('kernel-access-allow').click();
    const avail = kernelOracle().available();
    const result = app.getByTestId('panel-bpf').getByTestId('bpf-kernel-result');
    if (avail.ok) {
      const verdict = result.getByTestId('bpf-kernel-verdict');
      await expect(verdict).toContainText('Kernel: rejected (E2BIG): BPF program is too large', { timeout: 60_000 });
      await expect(verdict).toContainText("its log overflowed the load's log_size too (ENOSPC)");
      await expect(verdict).toHaveAttribute('data-agree', 'true');
      // The kernel's log is the tail of 4096 bytes (about 90 lines), not of the oracle's 16 MiB default.
      const rows = await result.locator('tr').count();
      expect(rows).toBeGreaterThan(10);
      expect(rows).toBeLessThan(200);
    } else
      await expect(result.getByTestId('bpf-kernel-why')).toHaveText(
        `This machine's kernel cannot be asked: ${avail.why}`,
      );
  });
});
