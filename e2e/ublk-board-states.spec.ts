import { expect, newFile, runScript, test, uniq } from './fixtures';

// Three devices left in the states the tag board must show (Linux 6.18's ublk driver): QUIESCE_DEV on a
// UBLK_F_QUIESCE device (UBLK_S_DEV_QUIESCED), a server crash then START_USER_RECOVERY without END_USER_RECOVERY
// (a recovery under way), and a crash with UBLK_F_USER_RECOVERY_FAIL_IO (UBLK_S_DEV_FAIL_IO).
const SCRIPT = `const k = boot();
const q = k.ublk.add_dev({ queue_depth: 8, dev_size: '4M', flags: ['USER_RECOVERY', 'QUIESCE'] });
q.start_dev();
q.quiesce_dev(1000);
const r = k.ublk.add_dev({ queue_depth: 8, dev_size: '4M', flags: ['USER_RECOVERY'] });
r.start_dev();
r.kill_server();
r.start_user_recovery();
const f = k.ublk.add_dev({ queue_depth: 8, dev_size: '4M', flags: ['USER_RECOVERY', 'USER_RECOVERY_FAIL_IO'] });
f.start_dev();
f.kill_server();
print([q, r, f].map((d) => d.info().state_name + (d.snapshot().recovering ? ' recovering' : '')).join(', '));
`;

test('ublk tag board: quiesced, recovering and fail_io devices', async ({ app }) => {
  await newFile(app, `${uniq('ublk-board-states')}.js`);
  await runScript(app, SCRIPT);
  await app.getByTestId('tab-ublk').click();
  const devs = app.getByTestId('panel-ublk').getByTestId('ublk-dev');
  await expect(devs).toHaveCount(3);

  const quiesced = devs.nth(0);
  await expect(quiesced).toHaveAttribute('data-state', 'UBLK_S_DEV_QUIESCED');
  await expect(quiesced.getByTestId('ublk-tagboard')).toHaveAttribute('data-board-state', 'quiesced');
  await expect(quiesced.getByTestId('ublk-boardstate')).toContainText('quiesced: no server');
  // QUIESCE_DEV cancelled every idle FETCH; the release's ublk_queue_reinit() keeps UBLK_IO_FLAG_CANCELED
  await expect(quiesced.locator('.ublk-tag[data-state="canceled"]')).toHaveCount(8);

  const recovering = devs.nth(1);
  await expect(recovering).toHaveAttribute('data-state', 'UBLK_S_DEV_QUIESCED');
  await expect(recovering.getByTestId('ublk-tagboard')).toHaveAttribute('data-board-state', 'recovering');
  await expect(recovering.getByTestId('ublk-boardstate')).toContainText(
    'recovering: START_USER_RECOVERY sent, the new server has fetched 0/8 tags',
  );

  const failIo = devs.nth(2);
  await expect(failIo).toHaveAttribute('data-state', 'UBLK_S_DEV_FAIL_IO');
  await expect(failIo.getByTestId('ublk-tagboard')).toHaveAttribute('data-board-state', 'fail_io');
  await app.getByTestId('panel-ublk').screenshot({ path: 'test-results/panel-ublk-board-states.png' });
});
