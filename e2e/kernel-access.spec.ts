/**
 * The kernel oracle is off until the person at the keyboard allows it (issue 22): a script's first kernel call
 * in a session fails with EPERM and the app asks; Deny keeps it off; Allow lets the next call reach this
 * machine's kernel (or say why it cannot be asked here). A script that names the call is asked about before it runs.
 */
import { expect, newFile, test, typeScript, uniq } from './fixtures';
import { kernelOracle } from '../src-main/oracle/index';

const avail = kernelOracle().available();

/** A kernel call whose name the app cannot see in the source: only the call itself can prompt. */
const HIDDEN = `const k = boot();
try { k.bpf['kernel_' + 'verify']('r0 = 0\\nexit'); print('reached the kernel'); }
catch (e) { print('refused:', e.errno, e.message); }`;

const NAMED = `const k = boot();
try { const v = k.bpf.kernel_verify('r0 = 0\\nexit'); print('kernel verdict:', v.ok ? 'accepted' : v.errno_name); }
catch (e) { print('refused:', e.errno, e.message); }`;

test('kernel access: the first call fails with EPERM and asks; Deny keeps it off for the session', async ({ app }) => {
  await newFile(app, `${uniq('kernel-hidden')}.js`);
  await typeScript(app, HIDDEN);
  await app.getByTestId('run').click();
  const dialog = app.getByTestId('kernel-access-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(
    "Allow this session's scripts to load and run BPF programs in this machine's kernel (as root)?",
  );
  const console_ = app.getByTestId('console');
  await expect(console_).toContainText('refused: EPERM kernel_verify: kernel calls are off for this session');
  await app.getByTestId('kernel-access-deny').click();
  await expect(dialog).toBeHidden();
  await expect(console_).toContainText('Kernel calls stay off for this session.');
  await expect(console_).toContainText(/✓ finished in/);
  await app.getByTestId('run').click();
  await expect(console_).toContainText(
    'refused: EPERM kernel_verify: kernel calls are off for this session: you chose Deny',
  );
  await expect(dialog).toBeHidden();
});

test('kernel access: a script that names the call is asked about before it runs; Allow lets it through', async ({
  app,
}) => {
  await newFile(app, `${uniq('kernel-named')}.js`);
  await typeScript(app, NAMED);
  await app.getByTestId('run').click();
  await expect(app.getByTestId('kernel-access-dialog')).toBeVisible();
  await app.getByTestId('kernel-access-allow').click();
  const console_ = app.getByTestId('console');
  await expect(console_).toContainText(/✓ finished in/, { timeout: 60_000 });
  if (avail.ok) await expect(console_).toContainText('kernel verdict: accepted');
  else await expect(console_).toContainText('refused: EOPNOTSUPP kernel_verify: the kernel cannot be asked here');
  await expect(console_).not.toContainText('EPERM');
});
