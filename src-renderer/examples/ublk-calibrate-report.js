// The cost model against every published figure it is held to: each figure run on the setup it was measured on
// (ublksrv PR #116, the AUTO_BUF_REG commit, the 2023 fused-command letters, ublksrv PR #203), with the ratio.
const k = boot();
const r = k.ublk.calibrate_report();
print(r.text);
lab.table(r.figures.map((f) => ({ figure: f.id, published: f.published_text, model: f.model, ratio: f.ratio, within_25pct: f.within_25pct, source: f.source })));
lab.chart('model / published', { ratio: r.figures.map((f, i) => [i, f.ratio]) }, { xlabel: 'figure', ylabel: 'ratio' });
lab.result({ within: r.within, off: r.figures.filter((f) => !f.within_25pct).map((f) => f.id) });
