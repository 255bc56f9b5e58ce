import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeFakeRunFolder } from '@piano-lstm/evaluation/testing';
import { expandTrials, writeSweepReport } from '@piano-lstm/sweep';
import { chromiumAvailable, launchChromium, SKIP_MESSAGE } from './helpers/chromium';
import { runCli, tempDir } from './helpers/cli';

/** Issue #19: `compare --html` and a sweep's sweep.html, opened the way a person opens them. */
describe('compare --html and sweep.html in headless Chromium', () => {
  if (!chromiumAvailable()) {
    console.warn(SKIP_MESSAGE);
    it.skip(SKIP_MESSAGE, () => undefined);
    return;
  }
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let workDir: string;
  let runDirs: string[];

  beforeAll(async () => {
    workDir = tempDir('piano-lstm-compare-e2e-');
    runDirs = [1, 2, 3].map((seed, i) => makeFakeRunFolder(path.join(workDir, `r${i}`), { seed, epochs: 6 + i * 3, withValidation: true }).runDir);
    for (const d of runDirs) expect(runCli(['report', d]).code).toBe(0);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  async function open(file: string) {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (req) => {
      if (!/^(file|data):/.test(req.url())) problems.push(`network request: ${req.url()}`);
    });
    await page.goto(`file://${file}`);
    return { page, problems };
  }

  it('compare --html: one curve per run with a legend and labelled axes, a table row and a working report link per run', async () => {
    const out = path.join(workDir, 'out', 'compare.html');
    const r = runCli(['compare', ...runDirs, '--html', out]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim()).toBe(`html: ${out}`);
    const { page, problems } = await open(out);
    const curves = await page.$$eval('#loss-overlay polyline.series', (els) => els.map((e) => ({ run: e.getAttribute('data-run'), points: (e.getAttribute('points') ?? '').trim().split(/\s+/).length, stroke: e.getAttribute('stroke') })));
    expect(curves.map((c) => c.points)).toEqual(expect.arrayContaining([6, 9, 12]));
    expect(curves).toHaveLength(3);
    expect(new Set(curves.map((c) => c.stroke)).size).toBe(3);
    await expect(page.locator('#loss-overlay .legend-item').count()).resolves.toBe(3);
    await expect(page.locator('#loss-overlay text.x-label').textContent()).resolves.toBe('epoch');
    await expect(page.locator('#loss-overlay text.y-label').textContent()).resolves.toBe('val_loss (nats/token)');
    const box = await page.locator('#loss-overlay').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    const rows = await page.$$eval('#compare-table tr.run-row', (trs) => trs.map((tr) => tr.getAttribute('data-run')));
    expect(rows).toHaveLength(3);
    expect(rows.sort()).toEqual(curves.map((c) => c.run).sort());
    const links = await page.$$eval('#compare-table a', (as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(links).toHaveLength(3);
    for (const l of links) expect(fs.existsSync(decodeURIComponent(new URL(l).pathname))).toBe(true);
    // a link opens the run's own report
    await page.locator('#compare-table a').first().click();
    await page.waitForURL(/report\.html$/);
    await expect(page.locator('#loss-chart').count()).resolves.toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("sweep.html: the objective against each varied key (scatter for numbers, strip plot for categories)", async () => {
    const sweepDir = path.join(workDir, 'runs', 'fake-sweep', '20250101-120000');
    fs.mkdirSync(sweepDir, { recursive: true });
    const trials = expandTrials({ grid: [{ key: 'model.options.learningRate', values: [0.01, 0.003, 0.001] }, { key: 'model.options.optimizer', values: ['adam'] }], random: null, seed: 1 });
    const now = new Date().toISOString();
    const state = {
      format: 1, name: 'fake-sweep', sweepFile: '/x.yaml', base: '/b.yaml', seed: 1, objective: { metric: 'val_loss', mode: 'min' }, mode: 'local', createdAt: now, updatedAt: now,
      trials: trials.map((t) => ({ id: t.id, set: t.set, overrides: t.overrides, status: 'done', runDir: t.id, objective: null, attempts: [] })),
    };
    fs.writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify(state));
    runDirs.forEach((d, i) => fs.cpSync(d, path.join(sweepDir, trials[i].id), { recursive: true }));
    const file = writeSweepReport(sweepDir);
    const { page, problems } = await open(file);
    await expect(page.locator('#by-key-0 circle.point').count()).resolves.toBe(3);
    await expect(page.locator('#by-key-1 circle.point').count()).resolves.toBe(3);
    await expect(page.locator('#by-key-0 text.x-label').textContent()).resolves.toBe('model.options.learningRate');
    // the category axis names the category
    await expect(page.locator('#by-key-1').textContent()).resolves.toContain('adam');
    await expect(page.locator('#loss-overlay polyline.series').count()).resolves.toBe(3);
    expect(problems).toEqual([]);
    await page.close();
  });
});
