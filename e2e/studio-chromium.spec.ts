import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMidiNotes, tokenKeys } from '@piano-lstm/midi-io';
import { chromiumAvailable, launchChromium, SKIP_MESSAGE } from './helpers/chromium';
import { repoRoot, runCli, tempDir } from './helpers/cli';

const artifacts = path.join(repoRoot, 'e2e', 'artifacts');
const bin = path.join(repoRoot, 'packages', 'cli', 'bin', 'piano-lstm.js');
const webIndex = path.join(repoRoot, 'packages', 'studio', 'dist', 'web', 'index.html');
const SEED = 1234;
const LENGTH = 64;

/** A tiny quickstart run (one epoch, one small LSTM): a few seconds. */
function trainTiny(runs: string, epochs: number, config = 'configs/quickstart.yaml'): string {
  const r = runCli(['train', config, '--runs', runs, '--set', `trainer.options.epochs=${epochs}`, '--set', 'model.options.layers=[32]']);
  expect(r.code).toBe(0);
  const m = /run folder: (.+)/.exec(r.stdout);
  expect(m).not.toBeNull();
  return m![1].trim();
}

/** `piano-lstm serve --port 0`, resolved with the URL it prints. */
function serve(runs: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, 'serve', '--runs', runs, '--port', '0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

/** Issue #20: open the studio, pick the run, generate in the browser, compare with the CLI, play, download. */
describe('piano-lstm serve in headless Chromium', () => {
  if (!chromiumAvailable()) {
    console.warn(SKIP_MESSAGE);
    it.skip(SKIP_MESSAGE, () => undefined);
    return;
  }

  let workDir: string;
  let runDir: string;
  let otherRun: string;
  let server: { url: string; child: ChildProcess };
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    if (!fs.existsSync(webIndex)) {
      const b = spawnSync(process.execPath, [path.join(repoRoot, 'packages', 'studio', 'scripts', 'build-web.mjs')], { cwd: repoRoot, encoding: 'utf8' });
      expect(b.stderr).toBe('');
    }
    workDir = tempDir('piano-lstm-studio-e2e-');
    const runs = path.join(workDir, 'runs');
    runDir = trainTiny(runs, 1);
    otherRun = trainTiny(path.join(runs, 'second'), 2);
    server = await serve(runs);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (server?.child.pid) server.child.kill('SIGTERM');
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('generates in the browser the same notes as `generate --mode stateful --seed`, plays them and downloads the MIDI', async () => {
    const cliMid = path.join(workDir, 'cli.mid');
    const cli = runCli(['generate', '--run', runDir, '--mode', 'stateful', '--seed', String(SEED), '--length', String(LENGTH), '--out', cliMid]);
    expect(cli.code).toBe(0);

    // a sample in the run folder, as `run` leaves them
    fs.mkdirSync(path.join(runDir, 'samples'), { recursive: true });
    fs.copyFileSync(cliMid, path.join(runDir, 'samples', 'sample-1.mid'));

    const page = await browser.context.newPage();
    const problems: string[] = [];
    const origin = new URL(server.url).origin;
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (req) => {
      if (!req.url().startsWith(origin) && !/^(data|blob):/.test(req.url())) problems.push(`external request: ${req.url()}`);
    });
    const response = await page.goto(server.url);
    expect(response!.headers()['content-security-policy']).toContain("connect-src 'self'");

    const id = path.relative(path.join(workDir, 'runs'), runDir);
    const pick = page.locator(`[data-testid="run-list"] button.run-pick[data-run="${id}"]`);
    await pick.click();
    await page.locator('[data-testid="generate"]').waitFor();
    await expect(page.locator('#loss-chart polyline.series').count()).resolves.toBe(2);
    await expect(page.locator('#evaluation-table tbody tr').count()).resolves.toBe(3);
    // the run's own sampler settings are the defaults, as for the CLI
    await expect(page.locator('#gen-sampler').inputValue()).resolves.toBe('top-p');
    await page.fill('#gen-length', String(LENGTH));
    await page.fill('#gen-seed', String(SEED));
    await page.locator('[data-testid="generate"]').click();
    await page.waitForFunction(() => document.querySelector('#gen-result')?.hasAttribute('data-tokens') || /cannot/.test(document.querySelector('#gen-status')?.textContent ?? ''), undefined, { timeout: 120_000 });
    const statusText = await page.textContent('#gen-status');
    expect(statusText).toMatch(new RegExp(`^${LENGTH} tokens in .* on (wasm|cpu|webgl)`));
    const tokens = JSON.parse((await page.getAttribute('#gen-result', 'data-tokens'))!) as string[];
    expect(tokens).toHaveLength(LENGTH);

    // Identical notes: every browser token, placed by the seed-midi writer's rule (a token every
    // half quarter), is exactly the set of keys the CLI's file sounds at that onset.
    const cliNotes = readMidiNotes(fs.readFileSync(cliMid)).notes;
    const cliSteps = Array.from({ length: LENGTH }, (_, i) => cliNotes.filter((n) => Math.abs(n.onset - i * 0.5) < 1e-6).map((n) => n.pitch).sort((a, b) => a - b));
    expect(tokens.map((t) => [...tokenKeys(t)].sort((a, b) => a - b))).toEqual(cliSteps);

    const sampleRoll = page.locator('svg.roll[data-sample="samples/sample-1.mid"]');
    await sampleRoll.waitFor();
    await expect(sampleRoll.locator('rect.note').count()).resolves.toBe(cliNotes.length);
    const roll = page.locator('[data-testid="piano-roll"]');
    await expect(roll.locator('rect.note').count()).resolves.toBe(cliNotes.length);

    // Download: the very bytes the CLI wrote.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="download-midi"]').click()]);
    const saved = path.join(workDir, 'browser.mid');
    await download.saveAs(saved);
    const bytes = fs.readFileSync(saved);
    expect(readMidiNotes(bytes).notes).toEqual(cliNotes);
    expect(Buffer.compare(bytes, fs.readFileSync(cliMid))).toBe(0);

    // Play: the audio context runs and notes are scheduled on it.
    await page.locator('[data-testid="play"]').click();
    await page.waitForFunction(() => {
      const p = (window as unknown as { __pianoLstmStudio: { player: { context: AudioContext | null; scheduled: number } } }).__pianoLstmStudio.player;
      return p.context !== null && p.context.state === 'running' && p.scheduled > 0 && p.context.currentTime > 0.3;
    }, undefined, { timeout: 10_000 });
    const played = await page.evaluate(() => {
      const p = (window as unknown as { __pianoLstmStudio: { player: { context: AudioContext; scheduled: number; playing: string | null } } }).__pianoLstmStudio.player;
      return { state: p.context.state, scheduled: p.scheduled, playing: p.playing };
    });
    expect(played).toEqual({ state: 'running', scheduled: cliNotes.length, playing: 'generated' });
    await expect(roll.locator('line.playhead').getAttribute('visibility')).resolves.toBe('visible');

    fs.mkdirSync(artifacts, { recursive: true });
    await page.locator('#generate').screenshot({ path: path.join(artifacts, 'studio-generate.png') });
    await page.screenshot({ path: path.join(artifacts, 'studio-overview.png'), clip: { x: 0, y: 0, width: 1100, height: 540 } });
    await page.locator('[data-testid="play"]').click();
    await expect(page.locator('[data-testid="play"]').textContent()).resolves.toContain('Play');

    // Compare view: both runs' curves on one chart.
    const otherId = path.relative(path.join(workDir, 'runs'), otherRun);
    await page.locator(`input[data-compare="${id}"]`).check();
    await page.locator(`input[data-compare="${otherId}"]`).check();
    await page.locator('#compare-chart polyline.series').nth(1).waitFor();
    const compared = await page.$$eval('#compare-chart polyline.series', (els) => els.map((e) => (e.getAttribute('points') ?? '').trim().split(/\s+/).length));
    expect(compared).toEqual([1, 2]);
    await page.screenshot({ path: path.join(artifacts, 'studio-page.png'), fullPage: true });

    expect(problems).toEqual([]);
    await page.close();
  });

  it('primes from notes played on the keyboard and from an uploaded MIDI file, as --primer-tokens and --primer do', async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const id = path.relative(path.join(workDir, 'runs'), runDir);
    await page.goto(`${server.url}?run=${encodeURIComponent(id)}`);
    await page.locator('[data-testid="generate"]').waitFor();
    await page.fill('#gen-length', '32');
    await page.fill('#gen-seed', '99');

    // Three single notes, then a chord struck at once.
    await page.selectOption('#gen-primer', 'keyboard');
    for (const key of [60, 64, 67]) {
      await page.locator(`.key[data-key="${key}"]`).click();
      await page.waitForTimeout(200);
    }
    await page.evaluate(() => {
      for (const key of [60, 64, 67]) document.querySelector(`.key[data-key="${key}"]`)!.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }));
    });
    await page.waitForFunction(() => document.querySelector('[data-testid="keyboard-tokens"]')?.textContent === 'C4 E4 G4 0.4.7');
    const fromKeys = await generateAndDownload(page, 'keys.mid');
    const cliKeys = path.join(workDir, 'cli-keys.mid');
    expect(runCli(['generate', '--run', runDir, '--mode', 'stateful', '--seed', '99', '--length', '32', '--primer-tokens', 'C4 E4 G4 0.4.7', '--out', cliKeys]).code).toBe(0);
    expect(Buffer.compare(fromKeys, fs.readFileSync(cliKeys))).toBe(0);

    // The CLI's own keyboard-primed file as a MIDI primer, parsed by the run's NoteSource on the server.
    await page.selectOption('#gen-primer', 'midi');
    await page.setInputFiles('#gen-primer-file', cliKeys);
    const fromMidi = await generateAndDownload(page, 'midi.mid');
    const cliMidi = path.join(workDir, 'cli-midi.mid');
    expect(runCli(['generate', '--run', runDir, '--mode', 'stateful', '--seed', '99', '--length', '32', '--primer', cliKeys, '--out', cliMidi]).code).toBe(0);
    expect(Buffer.compare(fromMidi, fs.readFileSync(cliMidi))).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('runs a rhythm (multi-head, timed-midi) checkpoint in the browser with the same result as the CLI', async () => {
    const rhythm = trainTiny(path.join(workDir, 'runs', 'rhythm'), 1, 'configs/quickstart-rhythm.yaml');
    const cliMid = path.join(workDir, 'cli-rhythm.mid');
    expect(runCli(['generate', '--run', rhythm, '--mode', 'stateful', '--seed', '5', '--length', '48', '--out', cliMid]).code).toBe(0);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?run=${encodeURIComponent(path.relative(path.join(workDir, 'runs'), rhythm))}`);
    await page.locator('[data-testid="generate"]').waitFor();
    await page.fill('#gen-length', '48');
    await page.fill('#gen-seed', '5');
    const bytes = await generateAndDownload(page, 'rhythm.mid');
    expect(Buffer.compare(bytes, fs.readFileSync(cliMid))).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('follows a training run live: status and curves update from metrics.jsonl', async () => {
    const live = path.join(workDir, 'runs', 'live', '20250101-000000');
    fs.mkdirSync(path.join(live, '.lock'), { recursive: true });
    fs.writeFileSync(path.join(live, 'config.yaml'), 'name: live\nseed: 1\n');
    const metrics = path.join(live, 'metrics.jsonl');
    fs.writeFileSync(metrics, '{"epoch":1,"loss":4.1,"val_loss":4.3}\n{"epoch":2,"loss":3.9,"val_loss":4.0}\n');
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?run=live%2F20250101-000000`);
    const item = page.locator('[data-testid="run-list"] li', { has: page.locator('button[data-run="live/20250101-000000"]') });
    await expect(item.getAttribute('data-status')).resolves.toBe('training');
    const points = () => page.$$eval('#loss-chart polyline.series', (els) => els.map((e) => (e.getAttribute('points') ?? '').trim().split(/\s+/).length));
    await page.locator('#loss-chart polyline.series').first().waitFor();
    await expect(points()).resolves.toEqual([2, 2]);
    // the trainer appends an epoch (first half of the line, then the rest), then finishes
    fs.appendFileSync(metrics, '{"epoch":3,"loss":3.7,');
    await page.waitForTimeout(3500);
    fs.appendFileSync(metrics, '"val_loss":3.8}\n');
    await page.waitForFunction(() => (document.querySelector('#loss-chart polyline.series')?.getAttribute('points') ?? '').trim().split(/\s+/).length === 3, undefined, { timeout: 15_000 });
    fs.rmSync(path.join(live, '.lock'), { recursive: true });
    fs.writeFileSync(path.join(live, 'evaluation.json'), '{}');
    await page.waitForFunction(() => document.querySelector('li[data-status] button[data-run="live/20250101-000000"]')?.closest('li')?.getAttribute('data-status') === 'done', undefined, { timeout: 15_000 });
    expect(errors).toEqual([]);
    await page.close();
    fs.rmSync(path.join(workDir, 'runs', 'live'), { recursive: true, force: true });
  });

  /** Presses generate, waits for the result and returns the downloaded MIDI bytes. */
  async function generateAndDownload(page: import('playwright-core').Page, name: string): Promise<Buffer> {
    const before = await page.getAttribute('#gen-result', 'data-ids');
    await page.locator('[data-testid="generate"]').click();
    await page.waitForFunction(
      (prev) => {
        const ids = document.querySelector('#gen-result')?.getAttribute('data-ids');
        return (ids && ids !== prev) || /cannot/.test(document.querySelector('#gen-status')?.textContent ?? '');
      },
      before,
      { timeout: 120_000 },
    );
    expect(await page.textContent('#gen-status')).not.toMatch(/cannot/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="download-midi"]').click()]);
    const file = path.join(workDir, name);
    await download.saveAs(file);
    return fs.readFileSync(file);
  }
});

describe('piano-lstm serve: usage errors', () => {
  it('names a missing runs folder and a bad port in one line (exit 2)', () => {
    const missing = runCli(['serve', '--runs', '/nonexistent/runs']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringContaining('runs folder /nonexistent/runs does not exist')]);
    const port = runCli(['serve', '--port', 'http']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be a whole number from 0');
  });

  it('warns in one line when bound beyond loopback', async () => {
    const dir = tempDir('piano-lstm-studio-host-');
    const child = spawn(process.execPath, [bin, 'serve', '--runs', dir, '--port', '0', '--host', '0.0.0.0'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const err = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stderr!.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('studio: serving')) resolve(text);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
      });
      expect(err.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([expect.stringContaining('serving on 0.0.0.0: anyone who can reach this address can read your runs')]);
    } finally {
      child.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
