import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeFakeRunFolder } from '@piano-lstm/evaluation/testing';
import { chromiumAvailable, launchChromium, SKIP_MESSAGE } from './helpers/chromium';
import { repoRoot, runCli, tempDir } from './helpers/cli';

const artifacts = path.join(repoRoot, 'e2e', 'artifacts');

/** Issue #9: a person runs `piano-lstm report`, opens the page, looks at the plots and presses play. */
describe('report.html in headless Chromium', () => {
  if (!chromiumAvailable()) {
    // Say it where people look, not only in the skipped test's name.
    console.warn(SKIP_MESSAGE);
    it.skip(SKIP_MESSAGE, () => undefined);
    return;
  }

  let reportFile: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let workDir: string;

  beforeAll(async () => {
    workDir = tempDir('piano-lstm-report-e2e-');
    const { runDir } = makeFakeRunFolder(workDir);
    const r = runCli(['report', runDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    reportFile = r.stdout.trim();
    expect(reportFile).toBe(path.join(runDir, 'report.html'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('renders without console errors or network requests, and plays a sample', async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (req) => {
      if (!/^(file|data):/.test(req.url())) problems.push(`network request: ${req.url()}`);
    });
    await page.goto(`file://${reportFile}`);

    // The loss plot: two curves with real points.
    const curves = await page.$$eval('#loss-chart polyline.series', (els) => els.map((e) => ({ series: e.getAttribute('data-series'), points: (e.getAttribute('points') ?? '').trim().split(/\s+/).length })));
    expect(curves).toEqual([
      { series: 'loss', points: 12 },
      { series: 'val_loss', points: 12 },
    ]);
    const chartBox = await page.locator('#loss-chart').boundingBox();
    expect(chartBox!.width).toBeGreaterThan(300);
    expect(chartBox!.height).toBeGreaterThan(100);

    // One piano roll per sample, drawn with as many visible notes as the sample has.
    const rolls = await page.$$eval('svg.roll', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const notes = [...svg.querySelectorAll('rect.note')].filter((r) => r.getBoundingClientRect().width > 0);
        return { width: box.width, height: box.height, notes: notes.length };
      }),
    );
    const expected = await page.evaluate(() => JSON.parse(document.getElementById('piano-lstm-samples')!.textContent!).map((s: { notes: unknown[] }) => s.notes.length));
    expect(rolls).toHaveLength(3);
    rolls.forEach((roll, i) => {
      expect(roll.width).toBeGreaterThan(300);
      expect(roll.height).toBeGreaterThan(50);
      expect(roll.notes).toBe(expected[i]);
    });
    await expect(page.locator('#metrics-table tr').count()).resolves.toBeGreaterThan(10);

    // Press play like a person: the AudioContext runs and notes get scheduled on it.
    const button = page.locator('button.play[data-sample="2"]');
    await button.click();
    await page.waitForFunction(() => {
      const p = (window as unknown as { __pianoLstmPlayer: { context: AudioContext | null; scheduled: number } }).__pianoLstmPlayer;
      return p.context !== null && p.context.state === 'running' && p.scheduled > 0 && p.context.currentTime > 0.3;
    }, undefined, { timeout: 10_000 });
    const state = await page.evaluate(() => {
      const p = (window as unknown as { __pianoLstmPlayer: { context: AudioContext; scheduled: number; playing: number | null } }).__pianoLstmPlayer;
      return { state: p.context.state, scheduled: p.scheduled, playing: p.playing };
    });
    expect(state).toEqual({ state: 'running', scheduled: expect.any(Number), playing: 2 });
    expect(state.scheduled).toBeGreaterThan(0);
    await expect(button.textContent()).resolves.toContain('Stop');
    await expect(page.locator('#roll-2 .playhead').getAttribute('visibility')).resolves.toBe('visible');

    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'report-chromium.png'), fullPage: true });

    await button.click();
    await expect(button.textContent()).resolves.toContain('Play');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('issue 18: every plot has axis labels with units, and each piano roll a note-name axis, a time axis in bars and a legend', async () => {
    const page = await browser.context.newPage();
    await page.goto(`file://${reportFile}`);
    const loss = await page.$$eval('#loss-chart text', (ts) => ts.map((t) => t.textContent));
    expect(loss).toEqual(expect.arrayContaining(['epoch', 'cross-entropy (nats/token)', 'loss', 'val_loss']));
    const rolls = await page.$$eval('figure.roll-figure', (figs) =>
      figs.map((fig) => {
        const visible = (sel: string) => [...fig.querySelectorAll(sel)].filter((e) => (e as HTMLElement).getBoundingClientRect().width > 0).map((e) => e.textContent ?? '');
        const roll = fig.querySelector('svg.roll')!.getBoundingClientRect();
        const ticks = [...fig.querySelectorAll('.pitch-axis .tick')].map((e) => e.getBoundingClientRect());
        return {
          pitchTitle: visible('.pitch-title'),
          pitches: visible('.pitch-axis .tick'),
          // every note name sits beside the roll, inside its height
          pitchesBesideRoll: ticks.every((t) => t.right <= roll.left + 1 && t.top >= roll.top - 8 && t.bottom <= roll.bottom + 8),
          bars: visible('.time-axis .tick'),
          timeTitle: visible('.time-axis .axis-title'),
          legend: fig.querySelector('figcaption.roll-legend')?.textContent ?? '',
          swatches: fig.querySelectorAll('.roll-legend .swatch').length,
        };
      }),
    );
    expect(rolls).toHaveLength(3);
    for (const r of rolls) {
      expect(r.pitchTitle).toEqual(['pitch']);
      expect(r.pitches.length).toBeGreaterThan(1);
      for (const name of r.pitches) expect(name).toMatch(/^[A-G]#?-?\d$/);
      expect(r.pitchesBesideRoll).toBe(true);
      expect(r.bars[0]).toBe('1');
      expect(r.timeTitle).toEqual(['time (bars of 4 quarter notes)']);
      expect(r.legend).toMatch(/^Legend · across: time in bars of 4 quarter notes \(1 bar = 2\.0 s at 120 bpm/);
      expect(r.legend).toMatch(/up: pitch \(note names, C4 = middle C = MIDI 60/);
      expect(r.swatches).toBe(12);
    }
    fs.mkdirSync(artifacts, { recursive: true });
    await page.locator('#sample-0').screenshot({ path: path.join(artifacts, 'report-roll.png') });
    await page.close();
  });
});
