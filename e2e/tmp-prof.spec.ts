import { writeFileSync } from 'node:fs';
import { expect, newFile, test, typeScript, uniq } from './fixtures';
test('prof', async ({ app }) => {
  test.setTimeout(300_000);
  await newFile(app, `${uniq('lines1m')}.js`);
  await typeScript(app, "const ten = Array.from({ length: 10 }, (_, i) => String(i)).join('\\n');\nfor (let i = 0; i < 100000; i++) print(ten);\nprint('the last line');\n");
  await app.getByTestId('timeout').selectOption('600000');
  await app.evaluate(() => {
    const w = window as any;
    w.__lat = []; w.__long = []; w.__msgs = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) w.__long.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({ type: 'longtask', buffered: false });
    window.addEventListener('keydown', (e) => { const t = e.timeStamp; requestAnimationFrame(() => w.__lat.push([Math.round(t), Math.round(performance.now() - t)])); }, true);
  });
  const cdp = await app.context().newCDPSession(app);
  const events: any[] = [];
  cdp.on('Tracing.dataCollected', (d: any) => events.push(...d.value));
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8', transferMode: 'ReportEvents' });
  await app.getByTestId('run').click();
  await app.getByTestId('editor').click();
  await app.keyboard.press('ControlOrMeta+End');
  for (let i = 0; i < 200 && (await app.getByTestId('stop').isEnabled()); i++) await app.keyboard.type('//\n', { delay: 20 });
  await expect(app.getByTestId('console')).toContainText('✓ finished in', { timeout: 200_000 });
  await cdp.send('Tracing.end'); await done;
  const main = events.filter((e) => e.ph === 'X' && e.dur);
  // main thread: find CrRendererMain tid
  const tn = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const byName = new Map<string, number>();
  for (const e of main) if (!tn || (e.tid === tn.tid && e.pid === tn.pid)) byName.set(e.name, (byName.get(e.name) ?? 0) + e.dur / 1000);
  const top = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${Math.round(v)}ms ${k}`);
  writeFileSync('/tmp/h6-trace.json', JSON.stringify(events.filter((e) => tn && e.tid === tn.tid && e.pid === tn.pid)));
  const w = await app.evaluate(() => { const w = window as any; return { lat: w.__lat, long: w.__long }; });
  const lats = w.lat.map((x: number[]) => x[1]).sort((a: number, b: number) => a - b);
  console.log('p50', lats[Math.floor(lats.length / 2)], 'p95', lats[Math.floor(lats.length * 0.95)], 'n', lats.length);
  console.log(top.join('\n'));
  writeFileSync('/tmp/h6-prof.json', JSON.stringify({ lat: w.lat, long: w.long }));
});
