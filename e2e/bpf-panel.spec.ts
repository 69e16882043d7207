/**
 * The BPF panel's verifier stepper and kernel check, driven as a person would: a script typed into Monaco loads
 * an open-coded iterator loop the verifier rejects (the iterator leaks) and one it accepts; the panel steps
 * through both walks and asks this machine's kernel. Where the kernel cannot be asked (not Linux, not root, no cc),
 * the spec expects the panel's one-line reason instead, as the host's own oracle reports it.
 */
import { expect, newFile, runScript, test, uniq } from './fixtures';
import { kernelOracle } from '../src-main/oracle/index';

const SCRIPT = `const k = boot({ memory: '1G' });
const loop = (end) => [
  'r1 = r10', 'r1 += -8', 'r2 = 0', 'r3 = 3', 'call bpf_iter_num_new',
  'l: r1 = r10', 'r1 += -8', 'call bpf_iter_num_next', 'if r0 == 0 goto e', 'r6 = *(u32 *)(r0 + 0)', 'goto l',
  'e: r1 = r10', 'r1 += -8', 'call ' + end, 'r0 = 0', 'exit',
].join('\\n');
try {
  k.bpf.prog_load({ asm: loop('bpf_get_prandom_u32'), prog_type: 'raw_tp', prog_name: 'leak' });
} catch (e) {
  print('rejected:', e.message);
}
const sum = k.bpf.prog_load({ asm: loop('bpf_iter_num_destroy'), prog_type: 'raw_tp', prog_name: 'sum' });
print('loaded', sum.id);
// A counted loop of 1000 rounds: the verifier walks 2003 instructions, more than the panel's trace keeps.
k.bpf.prog_load({ asm: 'r1 = 0\\nl: r1 += 1\\nif r1 < 1000 goto l\\nr0 = 0\\nexit', prog_name: 'long' });
`;

const avail = kernelOracle().available();

test('bpf: step through the verifier on a rejected and an accepted iterator loop, then ask the kernel', async ({
  app,
}) => {
  await newFile(app, `${uniq('bpf-steps')}.js`);
  await runScript(app, SCRIPT);
  await expect(app.getByTestId('console')).toContainText('rejected: Unreleased reference id=1 alloc_insn=4');
  await app.getByTestId('tab-bpf').click();
  const panel = app.getByTestId('panel-bpf');
  await expect(panel).toHaveAttribute('data-loads', '3');
  await expect(panel).toHaveAttribute('data-progs', '2');
  const long = panel.locator('[data-testid=bpf-prog][data-name=long]');
  await expect(long.getByTestId('bpf-capped')).toHaveText(
    'Trace capped: the first 2,000 of 2,003 processed instructions.',
  );
  await expect(long.getByTestId('bpf-step-pos')).toHaveText('step 1 of 2000 · insn 0 · path 0');

  // The rejected load: its message, the failing instruction marked in the listing, the walk shown at that step.
  const leak = panel.locator('[data-testid=bpf-prog][data-name=leak]');
  await expect(leak).toHaveAttribute('data-ok', 'false');
  await expect(leak.getByTestId('bpf-error')).toHaveText('insn 15 (line 16): Unreleased reference id=1 alloc_insn=4');
  await expect(leak.locator('.insn.failing')).toHaveAttribute('data-insn', '15');
  await expect(leak.getByTestId('bpf-insn-error')).toHaveText('↳ Unreleased reference id=1 alloc_insn=4');
  await expect(leak.getByTestId('bpf-step-pos')).toHaveText('step 14 of 14 · insn 15 · path 0');
  await expect(leak.locator('.insn.current')).toHaveAttribute('data-insn', '15');
  await expect(leak.getByTestId('bpf-step-end')).toContainText(
    'rejected at 15: Unreleased reference id=1 alloc_insn=4',
  );
  const leaked = leak.getByTestId('bpf-stack').locator('tr[data-slot="fp-8"]');
  await expect(leaked).toHaveAttribute('data-kind', 'iterator');
  await expect(leaked.locator('td')).toHaveText(['iterator', 'iter_num', 'drained', '0', '1', '7']);

  // First, then the arrow keys with the stepper focused: after insn 4 the iterator is created, active at depth 0.
  await leak.getByTestId('bpf-first').click();
  await expect(leak.getByTestId('bpf-step-pos')).toHaveText('step 1 of 14 · insn 0 · path 0');
  await expect(leak.getByTestId('bpf-regs').locator('tr[data-reg=R1] td')).toHaveText(['fp', 'fp0', '', '', '', '0']);
  await expect(leak.getByTestId('bpf-stack')).toContainText('nothing on the stack');
  // The last cell is the instruction that last wrote the register (bpf-highlight.spec.ts steps through the marks).
  await leak.getByTestId('bpf-stepper').focus();
  for (let i = 0; i < 4; i++) await app.keyboard.press('ArrowRight');
  await expect(leak.getByTestId('bpf-step-pos')).toHaveText('step 5 of 14 · insn 4 · path 0');
  await expect(leak.locator('.insn.current')).toHaveText('4: (85) call bpf_iter_num_new#14');
  await expect(leak.getByTestId('bpf-step-insn')).toHaveText('4: (85) call bpf_iter_num_new#14');
  await expect(leak.getByTestId('bpf-regs').locator('tr[data-reg=R0] td')).toHaveText([
    'scalar',
    'unknown',
    '',
    '',
    '',
    '4',
  ]);
  await expect(leak.getByTestId('bpf-stack').locator('tr[data-slot="fp-8"] td')).toHaveText([
    'iterator',
    'iter_num',
    'active',
    '0',
    '1',
    '4',
  ]);
  await expect(leak.getByTestId('bpf-state-raw')).toHaveText(
    '4: R0=scalar() R10=fp0 fp-8=iter_num(ref_id=1,state=active,depth=0) refs=1',
  );
  await app.keyboard.press('ArrowLeft');
  await expect(leak.getByTestId('bpf-step-pos')).toHaveText('step 4 of 14 · insn 3 · path 0');
  await app.keyboard.press('End');
  await expect(leak.getByTestId('bpf-step-pos')).toHaveText('step 14 of 14 · insn 15 · path 0');

  // The accepted load: the exploration tree forks at the iterator's next (7 -> 8), and that path is pruned at 7.
  const sum = panel.locator('[data-testid=bpf-prog][data-name=sum]');
  await expect(sum).toHaveAttribute('data-ok', 'true');
  await expect(sum.locator(':scope > summary')).toContainText('1: sum raw_tracepoint · 16 insns');
  await expect(sum.getByTestId('bpf-graph').locator('g.path')).toHaveCount(2);
  await sum.locator('.bpf-tree-list > summary').click();
  const tree = sum.getByTestId('bpf-tree');
  await expect(tree.locator('li[data-path="0"] > button')).toHaveText('path 0: from the start · exit at 15');
  await expect(tree.locator('li[data-path="1"] > button')).toHaveText(
    'path 1: forked from path 0 at 7 → 8 · pruned at 7: its state is within one explored before (safe)',
  );
  await tree.locator('li[data-path="1"] > button').click();
  await expect(sum.getByTestId('bpf-step-pos')).toHaveText('step 15 of 20 · insn 8 · path 1');
  await expect(sum.getByTestId('bpf-stack').locator('tr[data-slot="fp-8"] td')).toHaveText([
    'iterator',
    'iter_num',
    'active',
    '1',
    '1',
    '8',
  ]);
  await expect(sum.getByTestId('bpf-regs').locator('tr[data-reg=R0] td')).toHaveText([
    'rdonly_mem',
    'sz=4',
    '2',
    '1',
    '',
    '8',
  ]);
  await sum.getByTestId('bpf-last').click();
  await expect(sum.getByTestId('bpf-step-pos')).toHaveText('step 20 of 20 · insn 7 · path 1');
  await expect(sum.getByTestId('bpf-step-end')).toContainText('pruned at 7');
  // The slider moves with the steps and moves them.
  await expect(sum.getByTestId('bpf-step-slider')).toHaveValue('19');
  await sum.getByTestId('bpf-step-slider').fill('9');
  await expect(sum.getByTestId('bpf-step-pos')).toHaveText('step 10 of 20 · insn 11 · path 0');

  await leak.getByTestId('bpf-stepper').focus();
  for (let i = 0; i < 8; i++) await app.keyboard.press('ArrowLeft');
  await expect(leak.getByTestId('bpf-step-pos')).toHaveText('step 6 of 14 · insn 5 · path 0');
  await leak.screenshot({ path: 'test-results/panel-bpf.png' });

  // This machine's kernel on the rejected program: the session's first kernel call asks the person first.
  await leak.getByTestId('bpf-kernel-check').click();
  await expect(app.getByTestId('kernel-access-dialog')).toBeVisible();
  await app.getByTestId('kernel-access-allow').click();
  await expect(app.getByTestId('kernel-access-dialog')).toBeHidden();
  const result = leak.getByTestId('bpf-kernel-result');
  if (avail.ok) {
    const verdict = result.getByTestId('bpf-kernel-verdict');
    await expect(verdict).toHaveAttribute('data-kernel-ok', 'false');
    await expect(verdict).toHaveAttribute('data-agree', 'true');
    await expect(verdict).toContainText('Kernel: rejected (EINVAL): Unreleased reference id=1 alloc_insn=4');
    await expect(result.getByTestId('bpf-kernel-agreement')).toContainText(
      'Verdicts agree, errnos agree, first error lines agree',
    );
    await expect(
      result.locator('tr', { hasText: 'Unreleased reference id=1 alloc_insn=4' }).first().locator('td'),
    ).toHaveText(['Unreleased reference id=1 alloc_insn=4', 'Unreleased reference id=1 alloc_insn=4']);
    await leak.screenshot({ path: 'test-results/panel-bpf-kernel.png' });
    // And on the accepted one.
    await sum.getByTestId('bpf-kernel-check').click();
    await expect(sum.getByTestId('bpf-kernel-verdict')).toHaveAttribute('data-kernel-ok', 'true');
    await expect(sum.getByTestId('bpf-kernel-verdict')).toHaveAttribute('data-agree', 'true');
  } else {
    const why = result.getByTestId('bpf-kernel-why');
    await expect(why).toHaveText(`This machine's kernel cannot be asked: ${avail.why}`);
    expect((await why.textContent())!.split('\n')).toHaveLength(1);
    await leak.screenshot({ path: 'test-results/panel-bpf-kernel.png' });
    // Nothing else is lost: the stepper still works.
    await leak.getByTestId('bpf-first').click();
    await expect(leak.getByTestId('bpf-step-pos')).toHaveText('step 1 of 14 · insn 0 · path 0');
  }
});
