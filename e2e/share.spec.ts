/**
 * Share links (issue 17): a link copied in one browser host opens the same script, seed and timeout in another
 * (a second host started here, with its own workspace and token), and runs to the same output there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, newFile, runScript, test, uniq } from './fixtures';

const root = path.resolve(import.meta.dirname, '..');

/** A second browser host on a free port, with a workspace of its own; resolves with its URL. */
async function startHost(): Promise<{ url: string; child: ChildProcess }> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'kernel-lab-e2e-second-'));
  const settings = path.join(workspace, '.settings.json');
  const child = spawn(
    process.execPath,
    [path.join(root, 'out/main/host.js'), '--port', '0', '--workspace', workspace, '--settings', settings],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /^Kernel Lab at (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/m.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the second host exited (${code}): ${buf}`)));
  });
  return { url, child };
}

async function openPage(app: Page, url: string): Promise<Page> {
  const ctx = await app
    .context()
    .browser()!
    .newContext({ viewport: { width: 1400, height: 860 } });
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

test.describe('share links', () => {
  test('a link copied in one browser host opens the same run in another', async ({ app }, testInfo) => {
    test.skip(testInfo.project.name === 'electron', 'the link goes to a second browser host started by this spec');
    // Two hosts and three pages: more than one spec's usual minute on a loaded machine.
    test.setTimeout(240_000);
    const name = `${uniq('linked')}.js`;
    await newFile(app, name);
    await app.getByTestId('seed').fill('9');
    await app.getByTestId('timeout').selectOption('60000');
    const code = "const k = boot({ memory: '256M' });\nprint('linked run', lab.seed, k.mm.meminfo().MemTotal);\n";
    await runScript(app, code);
    // What the run printed, the machine's size included: the same script and seed print it again elsewhere.
    const firstLine = /linked run 9 \d+/.exec(await app.getByTestId('console').innerText())?.[0];
    expect(firstLine).toBeDefined();

    await app.getByTestId('share-menu').click();
    await app.getByTestId('share-link').click();
    await expect(app.getByTestId('console')).toContainText(`a link to ${name} (seed 9): http://127.0.0.1:`);
    const link = (await app.getByTestId('share-link').getAttribute('data-link'))!;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#share=1\.[A-Za-z0-9_-]+$/);
    expect(link).not.toContain('token');

    const second = await startHost();
    try {
      // Pasted into the second host's Open ▾ → Shared link….
      const other = await openPage(app, second.url);
      await other.getByTestId('session-import').click();
      await other.getByTestId('open-link').click();
      await other.getByTestId('dialog-input').fill('no link here');
      await other.getByTestId('dialog-ok').click();
      await expect(other.getByTestId('dialog-error')).toHaveText('not a Kernel Lab link: it has no #share=1. part');
      await other.getByTestId('dialog-input').fill(link);
      await other.getByTestId('dialog-ok').click();
      await expect(other.getByTestId('file-title')).toHaveText(`shared/${name}`);
      await expect(other.getByTestId('seed')).toHaveValue('9');
      await expect(other.getByTestId('timeout')).toHaveValue('60000');
      await expect(other.getByTestId('console')).toContainText('press Run to run it');
      await expect(other.getByTestId('console')).not.toContainText('linked run');
      await other.getByTestId('run').click();
      await expect(other.getByTestId('console')).toContainText(/✓ finished in/, { timeout: 60_000 });
      await expect(other.getByTestId('console')).toContainText(firstLine!);

      // Opened as the second host's own address with the link's fragment.
      const fragment = link.slice(link.indexOf('#'));
      const direct = await openPage(app, second.url + fragment);
      await expect(direct.getByTestId('file-title')).toHaveText(/^shared\/linked-.*\.js$/);
      await expect(direct.getByTestId('editor')).toContainText("print('linked run', lab.seed");
      await expect(direct.getByTestId('seed')).toHaveValue('9');
      expect(direct.url()).not.toContain('#share=');

      // A damaged link is refused with the reason.
      await direct.getByTestId('session-import').click();
      await direct.getByTestId('open-link').click();
      await direct.getByTestId('dialog-input').fill(link.slice(0, -12) + '!!');
      await direct.getByTestId('dialog-ok').click();
      await expect(direct.getByTestId('console')).toContainText('cannot open the link: the link is damaged');
    } finally {
      second.child.kill('SIGTERM');
    }
  });
});
