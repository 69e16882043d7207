/**
 * The line mapping between a script's BPF assembly and the panel's instructions, both ways (as Compiler Explorer
 * maps source to output): the editor's cursor on an asm line of the script marks the instructions assembled from
 * it, and a click on an instruction puts the editor's cursor on its script line.
 */
import { expect, newFile, runScript, test, uniq } from './fixtures';

// At the top level, so that the editor adds no indentation of its own as the text goes in.
const SCRIPT = `const k = boot({ memory: '1G' });
const prog = \`
r1 = 1
r2 = 0x100000000 ll
r0 = r1
exit
\`;
k.bpf.prog_load({ asm: prog, prog_type: 'raw_tp', prog_name: 'mapped' });
print('loaded');
`;

test('bpf: the cursor on an asm line marks its instructions, and an instruction leads to its line', async ({ app }) => {
  await newFile(app, `${uniq('bpf-lines')}.js`);
  await runScript(app, SCRIPT);
  await expect(app.getByTestId('console')).toContainText('loaded');
  await app.getByTestId('tab-bpf').click();
  const prog = app.getByTestId('panel-bpf').locator('[data-testid=bpf-prog][data-name=mapped]');
  const insn = (n: number) => prog.locator(`.disasm .insn[data-insn="${n}"]`);
  // Insn 0 from script line 3, the ld_imm64 (insns 1 and 2 in the listing's numbering: one row) from line 4.
  await expect(insn(0)).toHaveAttribute('data-script-line', '3');
  await expect(insn(1)).toHaveAttribute('data-script-line', '4');
  await expect(insn(3)).toHaveAttribute('data-script-line', '5');
  await expect(insn(4)).toHaveAttribute('data-script-line', '6');

  // Editor to panel: the cursor on line 5 (r0 = r1) marks insn 3, on line 4 the ld_imm64.
  await app.getByTestId('editor').click();
  await app.keyboard.press('ControlOrMeta+Home');
  for (let i = 0; i < 4; i++) await app.keyboard.press('ArrowDown');
  await expect(prog.locator('.insn.at-cursor')).toHaveCount(1);
  await expect(prog.locator('.insn.at-cursor')).toHaveAttribute('data-insn', '3');
  await app.keyboard.press('ArrowUp');
  await expect(prog.locator('.insn.at-cursor')).toHaveAttribute('data-insn', '1');
  // Line 1 is no asm: nothing is marked.
  await app.keyboard.press('ControlOrMeta+Home');
  await expect(prog.locator('.insn.at-cursor')).toHaveCount(0);

  // Panel to editor: a click on the exit puts the cursor on line 6; what is typed lands there.
  await insn(4).click();
  await expect(prog.locator('.insn.at-cursor')).toHaveAttribute('data-insn', '4');
  await app.keyboard.press('End');
  await app.keyboard.type(' // leaves here');
  await expect(app.getByTestId('editor')).toContainText('exit // leaves here');
});
