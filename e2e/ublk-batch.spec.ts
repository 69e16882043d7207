import { expect, newFile, runScript, test, uniq } from './fixtures';

// UBLK_F_BATCH_IO (mainline after 6.18): a device that ran I/O shows its tags committed in a batch; a second,
// started but idle, shows them prepared by one PREP_IO_CMDS.
const SCRIPT = `const k = boot();
const idle = k.ublk.add_dev({ target: 'loop', nr_hw_queues: 1, queue_depth: 16, dev_size: '16M', data_path: 'batch' });
idle.start_dev();
const dev = k.ublk.add_dev({ target: 'loop', nr_hw_queues: 2, queue_depth: 32, dev_size: '64M', data_path: 'batch' });
dev.start_dev();
const r = k.ublk.fio({ dev, rw: 'randread', bs: '4k', iodepth: 32, numjobs: 2, ios: 1000, verify: true });
print('mismatches', r.verify.mismatches);
`;

test('ublk tag board: batch states of a UBLK_F_BATCH_IO device', async ({ app }) => {
  await newFile(app, `${uniq('ublk-batch')}.js`);
  await runScript(app, SCRIPT);
  await app.getByTestId('tab-ublk').click();
  const panel = app.getByTestId('panel-ublk');
  const boards = panel.getByTestId('ublk-tagboard');
  await expect(boards).toHaveCount(2);
  const idle = boards.nth(0);
  const busy = boards.nth(1);
  await expect(idle).toHaveAttribute('data-cells', '16');
  await expect(idle.locator('.ublk-tagcells .ublk-tag[data-state="batch_prepared"]')).toHaveCount(16);
  await expect(busy).toHaveAttribute('data-cells', '64');
  await expect(busy.locator('.ublk-tagcells .ublk-tag[data-state="batch_committed"]')).toHaveCount(64);
  await expect(busy.locator('.ublk-legend-item[data-state="batch_committed"]')).toContainText(
    'committed in a batch (64)',
  );
  await expect(busy.locator('.ublk-legend-item[data-state="batch_fetched"]')).toContainText('fetched in a batch (0)');
  const cell = busy.locator('.ublk-tagrow[data-q="1"] .ublk-tag[data-tag="5"]');
  await expect(cell).toHaveAttribute('title', /^q1 tag 5 · flags ACTIVE · no request · batch: committed$/);
  await busy.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: 'test-results/panel-ublk-batch.png' });
});
