import { expect, newFile, runScript, test, uniq } from './fixtures';

test.describe('run history', () => {
  test('keeps each run, shows an old one, compares two side by side, survives a reload', async ({ app }) => {
    const name = `${uniq('runs')}.js`;
    await newFile(app, name);
    const code = "print('same line');\nprint('random', Math.random());\nlab.table([{ seed: lab.seed }], 'seed');\n";
    await runScript(app, code);
    await app.getByTestId('seed').fill('2');
    await app.getByTestId('run').click();
    await expect(app.getByTestId('console')).toContainText('✓ finished in');
    await app.getByTestId('tab-runs').click();
    const list = app.getByTestId('run-history');
    await expect(list.locator('li')).toHaveCount(2);
    await expect(list.locator('li').first()).toContainText('seed 2');

    // Show the first run again: its output and its results.
    await list
      .locator('li')
      .nth(1)
      .getByRole('button', { name: /show run/ })
      .click();
    await expect(app.getByTestId('console')).toContainText('seed 1');
    await app.getByTestId('tab-results').click();
    await expect(app.getByTestId('result-table').locator('tbody td')).toHaveText('1');

    await app.getByTestId('tab-runs').click();
    for (const li of await list.locator('li').all()) await li.locator('input[type=checkbox]').check();
    await app.getByTestId('compare').click();
    const sides = app.getByTestId('compare-side');
    await expect(sides).toHaveCount(2);
    await expect(sides.nth(0)).toContainText('same line');
    await expect(sides.nth(1)).toContainText('same line');
    // The random line and the table's seed cell differ on each side (lab.table prints its text too).
    await expect(app.getByTestId('compare-summary')).toContainText('4 output lines differ');
    await expect(sides.nth(0).locator('.diff')).toHaveCount(2);
    await app.getByTestId('panel-runs').screenshot({ path: 'test-results/panel-runs.png' });

    await app.reload();
    await app.waitForSelector('body[data-ready="true"]');
    await app.getByTestId('tab-runs').click();
    await expect(app.getByTestId('run-history').locator('li')).toHaveCount(2);
  });
});

test.describe('sessions', () => {
  test('a session exported to a file opens again with its script, seed and run', async ({ app }) => {
    const name = `${uniq('shared')}.js`;
    await newFile(app, name);
    await app.getByTestId('seed').fill('7');
    await runScript(
      app,
      "print('shared result', lab.seed);\nlab.chart('c', [{ label: 's', points: [[1, 2], [2, 3]] }]);\n",
    );
    const [dl] = await Promise.all([
      app.waitForEvent('download'),
      app
        .getByTestId('share-menu')
        .click()
        .then(() => app.getByTestId('session-export').click()),
    ]);
    const body = Buffer.concat(await (await dl.createReadStream()).toArray());
    const session = JSON.parse(body.toString());
    expect(session).toMatchObject({ kind: 'kernel-lab-session', version: 1, file: name, seed: 7 });
    expect(session.run.results.charts).toHaveLength(1);

    await app.getByTestId('seed').fill('1');
    await app
      .getByTestId('session-file')
      .setInputFiles({ name: 'shared.session.json', mimeType: 'application/json', buffer: body });
    await expect(app.getByTestId('file-title')).toHaveText(`sessions/${name}`);
    await expect(app.getByTestId('editor')).toContainText("print('shared result', lab.seed);");
    await expect(app.getByTestId('seed')).toHaveValue('7');
    await expect(app.getByTestId('console')).toContainText('shared result 7');
    await app.getByTestId('tab-results').click();
    await expect(app.getByTestId('panel-results')).toHaveAttribute('data-charts', '1');

    // Something that is not a session is refused with a reason.
    await app
      .getByTestId('session-file')
      .setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{"a":1}') });
    await app.getByTestId('tab-console').click();
    await expect(app.getByTestId('console')).toContainText('cannot open x.json: not a Kernel Lab session file');
  });
});
