/**
 * Search across the workspace (issue 17): Ctrl+Shift+F, hits from every file (open, closed, and unsaved edits), the
 * match case / whole word / regular expression toggles, and a click that opens the file at the match.
 */
import { expect, newFile, test, typeScript, uniq } from './fixtures';

test.describe('search across the workspace', () => {
  test('finds a word in every file and opens the file at the line of a hit', async ({ app }) => {
    // A word no other spec's file has (the specs share one workspace).
    const word = uniq('needle').replace(/-/g, '_');
    const a = `${uniq('search-a')}.js`;
    const b = `search/${uniq('search-b')}.ts`;
    await newFile(app, a);
    await typeScript(app, `const k = boot();\n// nothing here\nconst ${word} = 1;\nprint(${word} + 1);\n`);
    await newFile(app, b);
    await typeScript(app, `const x = 2;\nconst ${word.toUpperCase()}_two = x;\n`);
    // The first file's tab closes: it is searched on the disk (closing saves it).
    await app.locator(`[data-testid=editor-tabs] [data-path="${a}"] .etab-close`).click();
    await expect(app.locator(`[data-testid=editor-tabs] [data-path="${a}"]`)).toHaveCount(0);

    await app.getByTestId('editor').click();
    await app.keyboard.press('ControlOrMeta+Shift+F');
    await expect(app.getByTestId('panel-search')).toBeVisible();
    await expect(app.getByTestId('search-input')).toBeFocused();
    await app.keyboard.insertText(word);
    await app.keyboard.press('Enter');
    const summary = app.getByTestId('search-summary');
    const hits = app.getByTestId('search-result');
    await expect(summary).toHaveText('3 results in 2 files');
    await expect(app.getByTestId('search-file')).toHaveCount(2);
    await expect(hits.and(app.locator(`[data-path="${a}"]`))).toHaveCount(2);
    await expect(hits.first()).toContainText(`const ${word} = 1;`);
    await expect(hits.first().locator('mark')).toHaveText(word);
    await app.locator('.side').screenshot({ path: 'test-results/panel-search.png' });

    // Match case: the upper-case one is not the word.
    await app.getByTestId('search-matchCase').click();
    await expect(summary).toHaveText('2 results in 1 file');
    await app.getByTestId('search-matchCase').click();
    // Whole word: `WORD_two` is another word.
    await app.getByTestId('search-wholeWord').click();
    await expect(summary).toHaveText('2 results in 1 file');
    await app.getByTestId('search-wholeWord').click();
    // A regular expression, and one that is not.
    await app.getByTestId('search-regex').click();
    await app.getByTestId('search-input').fill(`${word}\\s*\\+`);
    await app.getByTestId('search-input').press('Enter');
    await expect(summary).toHaveText('1 result in 1 file');
    await expect(hits).toHaveCount(1);
    await expect(hits.first()).toHaveAttribute('data-line', '4');
    await expect(hits.first()).toHaveAttribute('data-column', '7');
    await app.getByTestId('search-input').fill(`${word}(`);
    await app.getByTestId('search-input').press('Enter');
    await expect(summary).toContainText('Invalid regular expression');
    await expect(hits).toHaveCount(0);
    await app.getByTestId('search-regex').click();

    // A click opens the closed file with the match selected: typing replaces it on line 3.
    await app.getByTestId('search-input').fill(word);
    await app.getByTestId('search-input').press('Enter');
    await expect(summary).toHaveText('3 results in 2 files');
    await hits.and(app.locator(`[data-path="${a}"][data-line="3"]`)).click();
    await expect(app.getByTestId('file-title')).toHaveText(a);
    await app.keyboard.insertText('found');
    await expect(app.getByTestId('editor')).toContainText('const found = 1;');
    await expect(app.getByTestId('editor')).toContainText(`print(${word} + 1);`);

    // Unsaved edits are searched as the editor has them.
    await app.keyboard.press('ControlOrMeta+Shift+F');
    await app.getByTestId('search-input').press('Enter');
    await expect(summary).toHaveText('2 results in 2 files');
    await expect(hits.and(app.locator(`[data-path="${a}"]`))).toHaveAttribute('data-line', '4');

    // The editor's selection (of one line) is the query.
    await app.getByTestId('editor').click();
    await app.keyboard.press('ControlOrMeta+Home');
    await app.keyboard.press('Shift+End');
    await app.keyboard.press('ControlOrMeta+Shift+F');
    await expect(app.getByTestId('search-input')).toHaveValue('const k = boot();');
    await expect(hits.and(app.locator(`[data-path="${a}"]`))).toHaveAttribute('data-line', '1');
    await expect(summary).toHaveText(/^\d+ results? in \d+ files?$/);
  });
});
