/**
 * Labs that instructors write, in the app: a course folder added in the lab list's setting (kept in settings.json
 * by the host), its labs marked with their folder; a seeded lab showing the student their own variant, the same
 * numbers `lab grade` draws for their submission's name; and a checker (check.js) typed in the editor.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { labParams, seedFromName } from '../src-main/labs/params';
import { scaffoldLab } from '../src-main/labs/scaffold';
import { expect, newFile, test, typeScript, uniq } from './fixtures';

const settingsFile = (): string => process.env.KERNEL_LAB_SETTINGS!;
const savedFolders = async (): Promise<string[] | undefined> =>
  (JSON.parse(await readFile(settingsFile(), 'utf8')) as { courseFolders?: string[] }).courseFolders;

test.describe('course folders and seeded variants in the app', () => {
  test('a course folder added in the setting lists its labs, marked with the folder, and stays after a reload', async ({
    app,
  }) => {
    const course = await mkdtemp(path.join(tmpdir(), 'kernel-lab-e2e-mycourse-'));
    await scaffoldLab(path.join(course, '41-added-in-app'));
    const lab = app.locator('[data-testid=lab-list] li[data-lab="41-added-in-app"]');
    try {
      await expect(lab).toHaveCount(0);
      await app.getByTestId('course-folders').click();
      const dialog = app.getByTestId('course-folders-dialog');
      await expect(dialog).toBeVisible();
      // The folder the host was started with (--labs) is listed, not removable here.
      const startup = dialog.locator(`[data-testid=course-folder][data-path="${process.env.KERNEL_LAB_E2E_COURSE}"]`);
      await expect(startup).toHaveAttribute('data-origin', 'startup');
      await expect(startup.getByTestId('course-folder-remove')).toHaveCount(0);
      await expect(dialog.getByTestId('course-folder-settings')).toContainText(settingsFile());

      // Bad paths are refused with why, and nothing is saved.
      await dialog.getByTestId('course-folder-input').fill('my-course');
      await dialog.getByTestId('course-folder-add').click();
      await expect(dialog.getByTestId('course-folder-error')).toHaveText(/'my-course' is not an absolute path/);
      await dialog.getByTestId('course-folder-input').fill(path.join(course, 'nowhere'));
      await dialog.getByTestId('course-folder-add').click();
      await expect(dialog.getByTestId('course-folder-error')).toHaveText(
        `${path.join(course, 'nowhere')}: no such folder`,
      );

      await dialog.getByTestId('course-folder-input').fill(course);
      await dialog.getByTestId('course-folder-add').click();
      const mine = dialog.locator(`[data-testid=course-folder][data-path="${course}"]`);
      await expect(mine).toHaveAttribute('data-origin', 'settings');
      await expect(mine.getByTestId('course-folder-labs')).toHaveText(/1 lab$/);
      await expect(dialog.getByTestId('course-folder-error')).toHaveText('');
      expect(await savedFolders()).toEqual([course]);
      await dialog.getByTestId('course-folder-close').click();

      // Its lab is in the list beside the built-in ones, marked with its folder.
      await expect(lab).toHaveAttribute('data-source', course);
      await expect(lab.getByTestId('lab-source')).toHaveText(` · ${path.basename(course)}`);
      await expect(app.locator('[data-testid=lab-list] li[data-lab="01-secretmem-split"]')).toHaveAttribute(
        'data-source',
        'built-in',
      );

      // The host keeps it: after a reload it is still there, and its lab opens.
      await app.reload();
      await app.waitForSelector('body[data-ready="true"]');
      await expect(lab).toHaveAttribute('data-source', course);
      await lab.click();
      await expect(app.getByTestId('lab-readme').locator('h1')).toHaveText('Added in app');

      // Removed: gone from the list and from settings.json.
      await app.getByTestId('course-folders').click();
      await app
        .getByTestId('course-folders-dialog')
        .locator(`[data-testid=course-folder][data-path="${course}"]`)
        .getByTestId('course-folder-remove')
        .click();
      await expect(
        app.getByTestId('course-folders-dialog').locator(`[data-testid=course-folder][data-path="${course}"]`),
      ).toHaveCount(0);
      await app.getByTestId('course-folder-close').click();
      await expect(lab).toHaveCount(0);
      expect(await savedFolders()).toEqual([]);
    } finally {
      await rm(course, { recursive: true, force: true });
    }
  });

  test('a seeded lab shows the student their own variant, and Check and Run use it', async ({ app }) => {
    const spec = { pages: { int: [2, 9] as [number, number] } };
    await app.locator('[data-testid=lab-list] li[data-lab="20-course-secret-pages"]').click();
    const variant = app.getByTestId('lab-variant');
    await expect(variant).toBeVisible();
    // Until the student says who they are: the toolbar's seed (1), and a note that it is not their own.
    await expect(variant.getByTestId('variant-seed-used')).toHaveAttribute('data-seed', '1');
    await expect(variant.getByTestId('variant-seed-used')).toContainText('toolbar');
    await expect(variant.locator('[data-param=pages]')).toHaveText(String(labParams(spec, 1).pages));

    // Their submission's name: the seed and numbers `lab grade` gives a file alice.js.
    await variant.getByTestId('variant-name').fill('alice');
    await expect(variant.getByTestId('variant-name')).toHaveValue('alice');
    const alice = seedFromName('alice.js');
    await expect(variant.getByTestId('variant-seed-used')).toHaveAttribute('data-seed', String(alice));
    await expect(variant.locator('[data-param=pages]')).toHaveText(String(labParams(spec, alice).pages));
    // A seed from a roster wins over the name.
    await variant.getByTestId('variant-seed').fill('12345');
    await expect(variant.getByTestId('variant-seed-used')).toHaveAttribute('data-seed', '12345');
    await expect(variant.locator('[data-param=pages]')).toHaveText(String(labParams(spec, 12345).pages));
    await variant.getByTestId('variant-seed').fill('');
    await expect(variant.getByTestId('variant-seed-used')).toHaveAttribute('data-seed', String(alice));

    // A plain Run of the lab's file sees the same lab.params.
    await typeScript(app, 'print(JSON.stringify(lab.params));');
    await app.getByTestId('run').click();
    await expect(app.getByTestId('console')).toContainText(`{"pages":${labParams(spec, alice).pages}}`);
    await expect(app.getByTestId('console')).toContainText(`(seed ${alice})`);

    // Check runs with alice's seed: the solution for her number passes every criterion.
    await typeScript(
      app,
      `const k = boot({ memory: '1G' });
const file = k.mm.memfd_secret();
for (let i = 0; i < lab.params.pages; i++) file.fault(i);
lab.result({ pages: lab.params.pages, directMap4k: k.mm.meminfo().DirectMap4k });`,
    );
    await app.getByTestId('lab-check').click();
    await expect(app.getByTestId('lab-summary')).toContainText('All 2 criteria pass', { timeout: 30_000 });
    await expect(app.getByTestId('console')).toContainText(`against the lab 20-course-secret-pages (seed ${alice})`);
    // The same script with another student's number fails the first criterion: the numbers really differ.
    const other = ['bob', 'carol', 'dave', 'erin', 'frank'].find(
      (n) => labParams(spec, seedFromName(n)).pages !== labParams(spec, alice).pages,
    )!;
    await typeScript(
      app,
      `const k = boot({ memory: '1G' });
const file = k.mm.memfd_secret();
for (let i = 0; i < ${labParams(spec, seedFromName(other)).pages}; i++) file.fault(i);
lab.result({ pages: lab.params.pages, directMap4k: k.mm.meminfo().DirectMap4k });`,
    );
    await app.getByTestId('lab-check').click();
    await expect(app.getByTestId('lab-summary')).toContainText('1 of 2 criteria pass', { timeout: 30_000 });
  });

  test("a lab's check.js gets the checker API's completion and hover in the editor", async ({ app }) => {
    const file = `${uniq('course')}/42-typed/check.js`;
    await newFile(app, file);
    // As a person types it: the JSDoc type (the editor closes the comment: step over its */), then a criterion whose
    // check reads ctx.params (the editor closes its brackets).
    await typeScript(app, "/** @type {import('kernel-lab/check').Criterion[]}");
    await app.keyboard.press('End');
    await app.keyboard.insertText(" export default [{ name: 'n', hint: 'h', check: (ctx) => ctx.params");
    await expect(app.getByTestId('editor')).toContainText(
      "Criterion[]} */ export default [{ name: 'n', hint: 'h', check: (ctx) => ctx.params}]",
    );
    // Hover at the cursor (Ctrl+K Ctrl+I): params' type and its doc comment from src-main/labs/types.ts.
    await expect(async () => {
      await app.keyboard.press('ControlOrMeta+K');
      await app.keyboard.press('ControlOrMeta+I');
      await expect(app.locator('.monaco-hover').filter({ hasText: 'params' })).toContainText('drawn from the seed', {
        timeout: 3_000,
      });
    }).toPass({ timeout: 45_000 });
    await app.keyboard.press('Escape');
    // Completion after `ctx.`: the context's members.
    await app.keyboard.insertText(' && ctx.');
    await app.keyboard.press('Control+Space');
    const suggest = app.locator('.suggest-widget');
    await expect(suggest).toBeVisible({ timeout: 30_000 });
    for (const name of ['kernels', 'params', 'seed', 'boot']) await expect(suggest).toContainText(name);
  });
});
