/**
 * The C path end to end, as a new user meets it (issue 21): the "BPF in C" example from the Examples menu, Run,
 * and the BPF panel with the C source beside the instructions: the accepted bpf_for loop, whose walk steps through
 * the C line, the instruction and the verifier state together, and the rejected one, whose error names its C line,
 * with the verdict of this machine's kernel beside the model's. Needs a clang on the host that serves the app;
 * where there is none, the spec expects the run's one-line reason instead. Where the kernel cannot be asked, the
 * check's one-line reason is expected (and printed).
 */
import { expect, openExample, test } from './fixtures';
import { findClang } from '../src-main/clang/bpf-clang';
import { kernelOracle } from '../src-main/oracle/index';

const clang = findClang();

test('bpf: the C example runs, and the panel shows C lines beside the instructions', async ({ app }) => {
  await openExample(app, 'bpf-c-for-loop.js');
  await app.getByTestId('run').click();
  const console_ = app.getByTestId('console');
  if (!clang.ok) {
    // The compile is refused with what to install; the run fails with that line.
    await expect(console_).toContainText('no clang on PATH', { timeout: 60_000 });
    return;
  }
  await expect(console_).toContainText('✓ finished in', { timeout: 60_000 });
  await expect(console_).toContainText('fill: loaded, 11 C lines in line_info, retval 140');
  await expect(console_).toContainText('rejected at insn 24, C line 12: ; seen[i] = i * i; @ fill_oob.bpf.c:12');

  await app.getByTestId('tab-bpf').click();
  const panel = app.getByTestId('panel-bpf');
  await expect(panel).toHaveAttribute('data-loads', '2');

  // Accepted: the C lines of line_info above the instructions they cover, the first one the function's.
  const fill = panel.locator('[data-testid=bpf-prog][data-name=fill]');
  await expect(fill).toHaveAttribute('data-ok', 'true');
  const cLines = fill.getByTestId('bpf-c-line');
  await expect(cLines.first()).toHaveText('; int fill(void *ctx) @ fill.bpf.c:7');
  // A C line comes back wherever clang interleaved its instructions with another line's.
  await expect(cLines.filter({ hasText: '; seen[i] = i * i; @ fill.bpf.c:12' })).not.toHaveCount(0);
  await expect(fill.getByTestId('bpf-verifier-log')).toContainText('; seen[i] = i * i; @ fill.bpf.c:12');

  // Stepping through the accepted walk moves the C line, the instruction and the verifier state together: at
  // every step the listing's current C line and instruction are the ones the step view names, the state is the
  // one after that instruction, and where the C line changes the instruction and the registers change with it.
  await fill.getByTestId('bpf-first').click();
  await expect(fill).toHaveAttribute('data-step', '0');
  const snap = () =>
    fill.evaluate((el) => {
      const q = (sel: string) => el.querySelector<HTMLElement>(sel);
      return {
        step: el.dataset['step'],
        insn: el.dataset['insn'],
        cLine: el.dataset['cLine'],
        listingInsn: q('.disasm .insn.current')?.dataset['insn'],
        listingInsnText: q('.disasm .insn.current')?.textContent ?? '',
        listingC: q('.disasm .c-line.current')?.textContent ?? '',
        listingCLine: q('.disasm .c-line.current')?.dataset['line'],
        stepInsn: q('[data-testid=bpf-step-insn]')?.textContent ?? '',
        raw: q('[data-testid=bpf-state-raw]')?.textContent ?? '',
        regs: [...el.querySelectorAll('[data-testid=bpf-regs] tbody tr')].map((r) => r.textContent).join('|'),
      };
    });
  const steps = [await snap()];
  for (let i = 1; i < 24; i++) {
    await fill.getByTestId('bpf-next').click();
    await expect(fill).toHaveAttribute('data-step', String(i));
    steps.push(await snap());
  }
  for (const s of steps) {
    expect(s.listingInsn, `step ${s.step}: the listing's current instruction`).toBe(s.insn);
    expect(s.listingCLine, `step ${s.step}: the listing's current C line`).toBe(s.cLine);
    // The step view: the C line over the instruction, as the listing shows both.
    expect(s.stepInsn, `step ${s.step}: the step view`).toBe(`${s.listingC}\n${s.listingInsnText}`);
    expect(s.raw.startsWith(`${s.insn}: `), `step ${s.step}: the state after insn ${s.insn}`).toBe(true);
    expect(s.regs, `step ${s.step}: the registers`).not.toBe('');
  }
  const changes = steps.slice(1).filter((s, i) => s.cLine !== steps[i]!.cLine);
  expect(changes.length, 'C line changes in the first 24 steps').toBeGreaterThan(1);
  for (const s of changes) {
    const before = steps[Number(s.step) - 1]!;
    expect(s.insn, `step ${s.step}: the instruction moves with the C line`).not.toBe(before.insn);
    expect(s.raw, `step ${s.step}: the state moves with the C line`).not.toBe(before.raw);
  }
  // The keys step too: ArrowLeft goes back one step, to the previous step's C line and instruction.
  await fill.getByTestId('bpf-stepper').focus();
  await app.keyboard.press('ArrowLeft');
  await expect(fill).toHaveAttribute('data-step', '22');
  expect(await snap()).toEqual(steps[22]);

  // Rejected: the error names the C line, and the step view shows it over the failing instruction.
  const oob = panel.locator('[data-testid=bpf-prog][data-name=fill_oob]');
  await expect(oob).toHaveAttribute('data-ok', 'false');
  await expect(oob.getByTestId('bpf-error')).toHaveText(
    'insn 24 (seen[i] = i * i; @ fill_oob.bpf.c:12): invalid access to map value, value_size=32 off=32 size=4',
  );
  await expect(oob.locator('.insn.failing')).toHaveAttribute('data-insn', '24');
  await expect(oob.getByTestId('bpf-step-insn')).toContainText('; seen[i] = i * i; @ fill_oob.bpf.c:12');
  await expect(oob.getByTestId('bpf-step-insn')).toContainText('24: (63) *(u32 *)(r2 +0) = r7');
  await oob.screenshot({ path: 'test-results/panel-bpf-c.png' });

  // The same relocated program in this machine's kernel: the same verdict and first error line (issue 21's
  // done-when). The session's first kernel call asks the person first.
  await oob.getByTestId('bpf-kernel-check').click();
  await expect(app.getByTestId('kernel-access-dialog')).toBeVisible();
  await app.getByTestId('kernel-access-allow').click();
  const result = oob.getByTestId('bpf-kernel-result');
  const avail = kernelOracle().available();
  if (avail.ok) {
    const verdict = result.getByTestId('bpf-kernel-verdict');
    await expect(verdict).toHaveAttribute('data-agree', 'true', { timeout: 60_000 });
    await expect(verdict).toContainText(
      'Kernel: rejected (EACCES): invalid access to map value, value_size=32 off=32 size=4',
    );
    await expect(result.getByTestId('bpf-kernel-agreement')).toContainText(
      'Verdicts agree, errnos agree, first error lines agree',
    );
    await fill.getByTestId('bpf-kernel-check').click();
    await expect(fill.getByTestId('bpf-kernel-verdict')).toHaveAttribute('data-kernel-ok', 'true', { timeout: 60_000 });
    await expect(fill.getByTestId('bpf-kernel-verdict')).toHaveAttribute('data-agree', 'true');
  } else {
    console.log(`bpf-c: the kernel's verdict not compared (${avail.why})`);
    await expect(result.getByTestId('bpf-kernel-why')).toHaveText(
      `This machine's kernel cannot be asked: ${avail.why}`,
    );
  }
  // The README's picture of the C path (docs/bpf-c.png): the example, its run and the rejected load's C lines.
  await oob.getByTestId('bpf-step-insn').scrollIntoViewIfNeeded();
  if (process.env.KERNEL_LAB_SCREENSHOTS) await app.screenshot({ path: 'docs/bpf-c.png' });
});
