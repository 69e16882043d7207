/**
 * bpfvv's highlighting in the BPF panel, driven as a person would: step through the verifier's walk of a small
 * program and see the registers and stack slots the current instruction wrote marked, the mark move as the steps
 * go, and the instruction that last wrote each one (a click on it goes back to that step).
 */
import { expect, newFile, runScript, test, uniq } from './fixtures';

const SCRIPT = `const k = boot({ memory: '1G' });
k.bpf.prog_load({
  asm: 'r1 = 1\\nr2 = 2\\nr1 += r2\\n*(u64 *)(r10 - 8) = r1\\nr0 = 0\\nexit',
  prog_type: 'raw_tp',
  prog_name: 'writes',
});
print('loaded');
`;

test('bpf: each step marks the registers and slots its instruction wrote, and who wrote the rest', async ({ app }) => {
  await newFile(app, `${uniq('bpf-writes')}.js`);
  await runScript(app, SCRIPT);
  await expect(app.getByTestId('console')).toContainText('loaded');
  await app.getByTestId('tab-bpf').click();
  const prog = app.getByTestId('panel-bpf').locator('[data-testid=bpf-prog][data-name=writes]');
  const regs = prog.getByTestId('bpf-regs');
  const stack = prog.getByTestId('bpf-stack');
  const changed = prog.getByTestId('bpf-step-changed');
  const marked = regs.locator('tr.changed');
  // The last cell of a row: the instruction that last wrote it.
  const by = (name: string) => regs.locator(`tr[data-reg=${name}] td`).last();

  await prog.getByTestId('bpf-first').click();
  await expect(prog.getByTestId('bpf-step-pos')).toHaveText('step 1 of 6 · insn 0 · path 0');
  // r1 = 1 over the entry state (R1 the context): R1 is marked, R10 holds its entry value.
  await expect(changed).toHaveText('insn 0 wrote R1');
  await expect(marked).toHaveCount(1);
  await expect(marked).toHaveAttribute('data-reg', 'R1');
  await expect(by('R1')).toHaveText('0');
  await expect(by('R10')).toHaveText('entry');

  // The mark moves to R2; R1 keeps its writer.
  await prog.getByTestId('bpf-next').click();
  await expect(changed).toHaveText('insn 1 wrote R2');
  await expect(marked).toHaveCount(1);
  await expect(marked).toHaveAttribute('data-reg', 'R2');
  await expect(by('R1')).toHaveText('0');
  await expect(by('R2')).toHaveText('1');

  // r1 += r2: R1 again, now written by insn 2.
  await prog.getByTestId('bpf-stepper').focus();
  await app.keyboard.press('ArrowRight');
  await expect(changed).toHaveText('insn 2 wrote R1');
  await expect(marked).toHaveAttribute('data-reg', 'R1');
  await expect(regs.locator('tr[data-reg=R1] td').nth(1)).toHaveText('3');
  await expect(by('R1')).toHaveText('2');

  // The store marks the slot, not a register.
  await app.keyboard.press('ArrowRight');
  await expect(changed).toHaveText('insn 3 wrote fp-8');
  await expect(marked).toHaveCount(0);
  await expect(stack.locator('tr.changed')).toHaveAttribute('data-slot', 'fp-8');
  await expect(stack.locator('tr[data-slot="fp-8"] td').last()).toHaveText('3');

  // Back at the exit, a click on R1's writer goes to the step of insn 2.
  await app.keyboard.press('End');
  await expect(prog.getByTestId('bpf-step-pos')).toHaveText('step 6 of 6 · insn 5 · path 0');
  await expect(changed).toHaveText('insn 5 wrote no register or slot');
  await expect(stack.locator('tr.changed')).toHaveCount(0);
  await by('R1').getByRole('button').click();
  await expect(prog.getByTestId('bpf-step-pos')).toHaveText('step 3 of 6 · insn 2 · path 0');
  await expect(marked).toHaveAttribute('data-reg', 'R1');
});
