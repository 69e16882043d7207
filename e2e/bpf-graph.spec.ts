/**
 * The verifier's exploration as a graph (issue 17): a loop that forks once per round makes 499 paths; they are
 * drawn a row each (no staircase), coloured by how each ended, and a click on a row steps to that path.
 */
import { expect, newFile, runScript, test, uniq } from './fixtures';

// r6 is unknown, r7 counts: `if r6 == r7` can go either way in each of 498 rounds, so each round forks a path.
const SCRIPT = `const k = boot({ memory: '1G' });
const asm = [
  'call bpf_get_prandom_u32', 'r6 = r0', 'r7 = 0',
  'l: r7 += 1', 'if r6 == r7 goto out', 'if r7 < 498 goto l',
  'out: r0 = 0', 'exit',
].join('\\n');
const p = k.bpf.prog_load({ asm, prog_type: 'raw_tp', prog_name: 'forks' });
print('loaded', p.id);
`;

test('bpf: 499 paths of exploration drawn as a graph, a row each, and a click steps to a path', async ({ app }) => {
  await newFile(app, `${uniq('bpf-graph')}.js`);
  await runScript(app, SCRIPT);
  await expect(app.getByTestId('console')).toContainText('loaded 1');
  await app.getByTestId('tab-bpf').click();
  const prog = app.locator('[data-testid=panel-bpf] [data-testid=bpf-prog][data-name=forks]');
  const graph = prog.getByTestId('bpf-graph');
  await expect(graph).toHaveAttribute('data-paths', '499');
  const rows = graph.locator('g.path');
  await expect(rows).toHaveCount(499);
  // Every row is one line high: the graph is as tall as its rows, however deep the forks go.
  const box = (await graph.boundingBox())!;
  expect(box.height).toBeLessThan(499 * 13 + 20);
  // Path 0 walks the loop to its end; the others fork from it at the compare (insn 4) and go to `out`.
  await expect(rows.first()).toHaveAttribute('data-path', '0');
  await expect(rows.first().locator('title')).toHaveText(/^path 0: from the start · /);
  await expect(rows.nth(1).locator('title')).toHaveText(/^path 1: forked from path 0 at 4 → 6 · /);
  // The list says the same, flat: no path nested in another.
  await prog.locator('.bpf-tree-list > summary').click();
  await expect(prog.getByTestId('bpf-tree').locator('li')).toHaveCount(499);
  await expect(prog.getByTestId('bpf-tree').locator('li li')).toHaveCount(0);

  // The branch stack is last in, first out: path 498, pushed last, is walked first (to its exit); the ones popped
  // after it reach \`out\` in a state already explored there and are pruned at once, with no steps of their own.
  await expect(graph.locator('g.path[data-path="498"]')).toHaveAttribute('data-end', 'exit');
  await expect(graph.locator('g.path[data-path="1"]')).toHaveAttribute('data-end', 'safe');
  await expect(graph.locator('g.path[data-path="1"]')).toHaveClass(/unwalked/);
  // A click on a walked path's row goes to its first step, and marks the row as the current one.
  const walked = graph.locator('g.path[data-first-step]:not([data-path="0"])').first();
  const id = await walked.getAttribute('data-path');
  await walked.locator('rect.hit').click();
  await expect(prog.getByTestId('bpf-step-pos')).toContainText(`· path ${id}`);
  await expect(walked).toHaveClass(/current/);
  await expect(rows.first()).not.toHaveClass(/current/);
  await prog.locator('.bpf-graph-box').screenshot({ path: 'test-results/bpf-graph.png' });
});
