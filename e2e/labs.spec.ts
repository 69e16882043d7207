import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, typeScript } from './fixtures';

const root = path.resolve(import.meta.dirname, '..');
// Every lab of the labs/ folder (the list must show them all).
const LABS = readdirSync(path.join(root, 'labs'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
  .map((d) => d.name)
  .sort();

test.describe('lab exercises', () => {
  test('the lab list shows the labs, and a lab shows its instructions beside the editor', async ({ app }) => {
    const list = app.getByTestId('lab-list');
    for (const id of LABS) await expect(list.locator(`li[data-lab="${id}"]`)).toBeVisible();
    await expect(list).toContainText('Secret memory splits the direct map');
    await expect(app.getByTestId('lab-check')).toBeDisabled();

    await list.locator('li[data-lab="07-script-loop-target"]').click();
    await expect(app.getByTestId('panel-lab')).toBeVisible();
    await expect(app.getByTestId('file-title')).toHaveText('labs/07-script-loop-target.js');
    // The README is rendered markdown: a heading and code, no raw '#'.
    const readme = app.getByTestId('lab-readme');
    await expect(readme.locator('h1')).toHaveCount(1);
    await expect(readme.locator('code').first()).toBeVisible();
    await expect(readme).not.toContainText('# ');
    await expect(app.getByTestId('editor')).toBeVisible();
    await expect(app.getByTestId('lab-check')).toBeEnabled();
  });

  test('a course folder adds its labs to the list, marked with where they come from', async ({ app }) => {
    const course = process.env.KERNEL_LAB_E2E_COURSE!;
    const item = app.locator('[data-testid=lab-list] li[data-lab="20-course-secret-pages"]');
    await expect(item).toBeVisible();
    await expect(item).toHaveAttribute('data-source', course);
    await expect(item.getByTestId('lab-source')).toHaveText(/course/);
    await expect(app.locator('[data-testid=lab-list] li[data-lab="01-secretmem-split"]')).toHaveAttribute(
      'data-source',
      'built-in',
    );
    await item.click();
    await expect(app.getByTestId('lab-readme').locator('h1')).toHaveText('Course secret pages');
    await expect(app.getByTestId('editor')).toContainText('lab.params.pages');
    // Its checker runs on the main side with this run's own parameters: the starter fails, with no hint yet.
    await app.getByTestId('lab-check').click();
    await expect(app.getByTestId('lab-summary')).toContainText('0 of 2 criteria pass', { timeout: 30_000 });
    await expect(app.getByTestId('lab-results')).toContainText('faults in your number of secret pages');
    await expect(app.getByTestId('lab-hint')).toHaveCount(0);
  });

  test('a whole lab: the starter fails with hints, the solution passes, and the lab stays done', async ({ app }) => {
    const id = '01-secretmem-split';
    const item = app.locator(`[data-testid=lab-list] li[data-lab="${id}"]`);
    await expect(item).toHaveAttribute('data-done', 'false');
    await item.click();
    await expect(app.getByTestId('file-title')).toContainText(`labs/${id}.js`);
    await expect(app.getByTestId('editor')).toContainText('TODO');

    // Check the starter as it is: some criteria fail, each failure with a hint.
    await app.getByTestId('lab-check').click();
    const results = app.getByTestId('lab-results');
    await expect(app.getByTestId('lab-summary')).toContainText(/\d+ of \d+ criteria pass/, { timeout: 30_000 });
    const failed = results.locator('[data-testid=lab-criterion][data-pass="false"]');
    expect(await failed.count()).toBeGreaterThan(0);
    await expect(failed.first()).toContainText('✗');
    // No hint before an attempt (issue 17): each failed criterion's hint unlocks at the next failed Check.
    await expect(failed.first().getByTestId('lab-hint')).toHaveCount(0);
    await expect(failed.first().getByTestId('lab-hint-locked')).toBeVisible();
    await app.getByTestId('lab-check').click();
    await expect(failed.first().getByTestId('lab-hint')).not.toBeEmpty({ timeout: 30_000 });
    await expect(results).toContainText('faults in a secret memory page');
    await expect(item).toHaveAttribute('data-done', 'false');
    await app.getByTestId('panel-lab').screenshot({ path: '/tmp/kernel-lab-lab-pane-starter.png' });

    // The reference solution, typed into the editor: every criterion passes and the lab is marked done.
    const solution = readFileSync(path.join(root, 'labs', id, 'solution.js'), 'utf8');
    await typeScript(app, solution);
    await app.getByTestId('lab-check').click();
    await expect(app.getByTestId('lab-summary')).toContainText(/All \d+ criteria pass/, { timeout: 30_000 });
    await expect(results.locator('[data-testid=lab-criterion][data-pass="false"]')).toHaveCount(0);
    expect(await results.locator('[data-testid=lab-criterion][data-pass="true"]').count()).toBeGreaterThan(3);
    await expect(results).not.toContainText('✗');
    await expect(item).toHaveAttribute('data-done', 'true');
    await expect(item).toContainText('✓');
    await expect(app.getByTestId('lab-done')).toBeVisible();
    await app.getByTestId('panel-lab').screenshot({ path: '/tmp/kernel-lab-lab-pane.png' });
    await app.screenshot({ path: '/tmp/kernel-lab-lab-window.png' });

    // Progress and the user's work survive a reload; reopening the lab keeps the file as it is.
    await app.getByTestId('save').click();
    await expect(app.getByTestId('file-title')).not.toContainText('●');
    await app.reload();
    await app.waitForSelector('body[data-ready="true"]');
    await expect(item).toHaveAttribute('data-done', 'true');
    // The built-in labs and the course folder's one (global-setup.ts).
    await expect(app.getByTestId('lab-count')).toContainText(`1/${LABS.length + 1} done`);
    await app.locator('[data-testid=lab-list] li[data-lab="02-unmapped-policies"]').click();
    await expect(app.getByTestId('file-title')).toContainText('labs/02-unmapped-policies.js');
    await item.click();
    await expect(app.getByTestId('file-title')).toContainText(`labs/${id}.js`);
    await expect(app.getByTestId('editor')).toContainText('reference solution');
    await expect(app.getByTestId('lab-summary')).toContainText(/All \d+ criteria pass/);
  });
});
