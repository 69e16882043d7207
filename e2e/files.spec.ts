import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, newFile, test, typeScript, uniq } from './fixtures';
import type { Page } from '@playwright/test';

const fileItem = (page: Page, p: string) => page.locator(`[data-testid=file-list] li[data-path="${p}"]`);

/** Starts a browser host of its own (so that a test may kill it); resolves its URL. */
function startHost(workspace: string, port = 0): Promise<{ child: ChildProcess; url: string; port: number }> {
  const hostJs = path.resolve(import.meta.dirname, '../out/main/host.js');
  const child = spawn(process.execPath, [hostJs, '--port', String(port), '--workspace', workspace], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /^Kernel Lab at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=[0-9a-f]+)$/m.exec(buf);
      if (m) resolve({ child, url: m[1]!, port: Number(m[2]) });
    });
    child.once('exit', (code) => reject(new Error(`host exited (${code}): ${buf}`)));
  });
}

test.describe('files', () => {
  test('New, Save As, Rename and Delete change the workspace', async ({ app }) => {
    const a = `${uniq('a')}.js`;
    await newFile(app, a);
    await typeScript(app, "print('A');\n");
    await app.getByTestId('save').click();
    await expect(fileItem(app, a)).toBeVisible();
    await expect(app.getByTestId('file-title')).toHaveText(a);

    const b = `${uniq('b')}.js`;
    await app.getByTestId('rename-file').click();
    await app.getByTestId('dialog-input').fill(b);
    await app.getByTestId('dialog-ok').click();
    await expect(fileItem(app, b)).toBeVisible();
    await expect(fileItem(app, a)).toHaveCount(0);
    await expect(app.getByTestId('editor-tabs')).toContainText(b);

    const c = `${uniq('c')}.ts`;
    await app.getByTestId('save-as').click();
    await app.getByTestId('dialog-input').fill(c);
    await app.getByTestId('dialog-ok').click();
    await expect(app.getByTestId('file-title')).toHaveText(c);
    await expect(fileItem(app, b)).toBeVisible();
    await expect(fileItem(app, c)).toBeVisible();
    await expect(app.getByTestId('editor')).toContainText("print('A');");

    // A bad name is refused with a reason, and nothing changes.
    await app.getByTestId('rename-file').click();
    await app.getByTestId('dialog-input').fill('../escape.js');
    await app.getByTestId('dialog-ok').click();
    await expect(app.getByTestId('dialog-error')).toContainText('not a valid script name');
    await app.getByTestId('dialog-cancel').click();

    await app.getByTestId('delete-file').click();
    await app.getByTestId('dialog-ok').click();
    await expect(fileItem(app, c)).toHaveCount(0);
    await expect(app.getByTestId('file-title')).not.toHaveText(c);
    const names = await app.getByTestId('file-list').locator('li').allTextContents();
    expect(names).toContain(b);
    expect(names).not.toContain(c);
  });

  test('tabs for open files, and recent files', async ({ app }) => {
    const one = `${uniq('one')}.js`;
    const two = `${uniq('two')}.js`;
    await newFile(app, one);
    await typeScript(app, "print('one');\n");
    await newFile(app, two);
    await typeScript(app, "print('two');\n");
    const tabs = app.getByTestId('editor-tabs');
    await tabs.locator(`[data-path="${one}"] .etab-name`).click();
    await expect(app.getByTestId('file-title')).toContainText(one);
    await expect(app.getByTestId('editor')).toContainText("print('one');");
    await app.getByTestId('recent-menu').click();
    await expect(app.getByTestId('recent-list').locator('li').first()).toHaveText(one);
    await app.getByTestId('recent-list').locator(`li[data-path="${two}"]`).click();
    await expect(app.getByTestId('editor')).toContainText("print('two');");
    await tabs.locator(`[data-path="${two}"] .etab-close`).click();
    await expect(tabs.locator(`[data-path="${two}"]`)).toHaveCount(0);
    await expect(app.getByTestId('file-title')).toContainText(one);
    // The tabs come back after a reload.
    await app.reload();
    await app.waitForSelector('body[data-ready="true"]');
    await expect(tabs.locator(`[data-path="${one}"]`)).toHaveCount(1);
  });

  test('every bundled example is offered from the menu, at least two per engine', async ({ app }) => {
    await app.getByTestId('examples-menu').click();
    const items = app.getByTestId('examples-list').locator('[data-example]');
    const names = await items.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.example!));
    for (const engine of ['mm-', 'bpf-', 'ublk-'])
      expect(names.filter((n) => n.startsWith(engine)).length).toBeGreaterThanOrEqual(2);
    await items.filter({ hasText: 'bpf-return.js' }).click();
    await expect(app.getByTestId('file-title')).toContainText('examples/bpf-return.js');
    await expect(app.getByTestId('editor')).toContainText("prog_name: 'answer'");
  });

  test('killing the host loses no saved, autosaved or unsaved edit', async ({ app }, testInfo) => {
    test.skip(testInfo.project.name === 'electron', 'kills and restarts a browser host of its own');
    const dir = await mkdtemp(path.join(tmpdir(), 'kernel-lab-crash-'));
    let host = await startHost(dir);
    const page = await app.context().newPage();
    try {
      await page.goto(host.url);
      await page.waitForSelector('body[data-ready="true"]');
      const name = `${uniq('crash')}.js`;
      await newFile(page, name);
      await typeScript(page, "print('autosaved');\n");
      // Autosave reaches the disk without pressing Save.
      await expect(page.getByTestId('file-title')).toHaveText(name, { timeout: 10_000 });
      expect(await readFile(path.join(dir, name), 'utf8')).toBe("print('autosaved');\n");
      host.child.kill('SIGKILL');
      await expect(page.getByTestId('status')).toHaveText('disconnected');
      // Typed after the crash: only this window has it.
      await page.getByTestId('editor').click();
      await page.keyboard.press('ControlOrMeta+End');
      await page.keyboard.insertText("print('typed while the host was down');\n");
      await expect(page.getByTestId('file-title')).toContainText('●');
      await page.waitForTimeout(400);
      // The host comes back (same address, so the same local storage); the page reloads.
      host = await startHost(dir, host.port);
      await page.goto(host.url);
      await page.waitForSelector('body[data-ready="true"]');
      await expect(page.getByTestId('editor')).toContainText("print('typed while the host was down');");
      await expect(page.getByTestId('file-title')).toHaveText(name, { timeout: 10_000 });
      expect(await readFile(path.join(dir, name), 'utf8')).toBe(
        "print('autosaved');\nprint('typed while the host was down');\n",
      );
    } finally {
      host.child.kill('SIGTERM');
      await page.close();
    }
  });
});
