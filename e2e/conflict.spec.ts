/**
 * Two pages on one host editing one file: the second save based on a stale version is refused, and the page
 * asks whether to reload, overwrite or save as. Nothing is lost silently.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, newFile, test, typeScript, uniq } from './fixtures';

const onDisk = (name: string): Promise<string> =>
  readFile(path.join(process.env.KERNEL_LAB_E2E_WORKSPACE!, name), 'utf8').catch(() => '');

/** Replaces the editor's text and lets autosave carry it to the host. */
async function edit(page: Page, code: string): Promise<void> {
  await typeScript(page, code);
}

test.describe('two pages, one file', () => {
  test('a stale save is refused with Reload, Overwrite and Save As; none loses an edit silently', async ({
    app: a,
  }, testInfo) => {
    test.skip(testInfo.project.name === 'electron', 'opens a second page on the browser host');
    const name = `${uniq('shared')}.js`;
    await newFile(a, name);
    await edit(a, "print('base');\n");
    await expect.poll(() => onDisk(name)).toBe("print('base');\n");

    // The second page: the browser client must not send calls the contract does not have (onCommand was one).
    const b = await a.context().newPage();
    const sent: string[] = [];
    b.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
    await b.goto(process.env.KERNEL_LAB_URL!);
    await b.waitForSelector('body[data-ready="true"]');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((f) => f.includes('"method":"onCommand"'))).toEqual([]);
    await b.locator(`[data-testid=file-list] li[data-path="${name}"]`).click();
    await expect(b.getByTestId('file-title')).toHaveText(name);
    await expect(b.getByTestId('editor')).toContainText("print('base');");

    // A saves first; B's save, based on 'base', is refused and the file keeps A's text.
    await edit(a, "print('from A');\n");
    await expect.poll(() => onDisk(name)).toBe("print('from A');\n");
    await edit(b, "print('from B');\n");
    await expect(b.getByTestId('choice-dialog')).toBeVisible();
    await expect(b.getByTestId('choice-title')).toContainText(`${name} was changed by another tab or program`);
    expect(await onDisk(name)).toBe("print('from A');\n");
    await expect(b.getByTestId('console')).toContainText('changed on disk since this window read it');

    // Overwrite: B's edit replaces A's, knowingly.
    await b.getByTestId('choice-overwrite').click();
    await expect.poll(() => onDisk(name)).toBe("print('from B');\n");
    await expect(b.getByTestId('file-title')).toHaveText(name);

    // Now A is the stale one: Reload shows B's text in A and drops A's edit.
    await edit(a, "print('A again');\n");
    await expect(a.getByTestId('choice-dialog')).toBeVisible();
    await a.getByTestId('choice-reload').click();
    await expect(a.getByTestId('editor')).toContainText("print('from B');");
    await expect(a.getByTestId('file-title')).toHaveText(name);
    expect(await onDisk(name)).toBe("print('from B');\n");

    // A (reloaded, so current) saves; B is stale again and saves its edit as another file.
    await edit(a, "print('A third');\n");
    await expect.poll(() => onDisk(name)).toBe("print('A third');\n");
    await edit(b, "print('B late');\n");
    await expect(b.getByTestId('choice-dialog')).toBeVisible();
    await b.getByTestId('choice-save-as').click();
    const copy = name.replace(/\.js$/, '-b.js');
    await b.getByTestId('dialog-input').fill(copy);
    await b.getByTestId('dialog-ok').click();
    await expect(b.getByTestId('file-title')).toHaveText(copy);
    await expect.poll(() => onDisk(copy)).toBe("print('B late');\n");
    expect(await onDisk(name)).toBe("print('A third');\n");
    await b.close();
  });
});
