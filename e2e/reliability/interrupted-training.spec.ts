/**
 * SIGKILL at random moments — while batches run, while a checkpoint folder is being written, while
 * `latest`/`best` are replaced — then `train --resume`: the run folder always loads, the best
 * checkpoint is intact, training continues from the last complete checkpoint, and metrics.jsonl
 * ends with every epoch once. SIGINT saves and exits 130.
 *
 * PIANO_LSTM_KILLS=<n> (default 6 per run folder, three folders) and PIANO_LSTM_KILL_SEED=<n> for a longer soak.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng, silentLogger } from '@piano-lstm/core';
import { initBackend, loadCheckpoint } from '@piano-lstm/model';
import { tempDir } from '../helpers/cli';
import { runCliAsync, runFolderOf, spawnCli, waitFor } from './reliability-kit';

const KILLS = Number(process.env.PIANO_LSTM_KILLS ?? 6);
const SEED = Number(process.env.PIANO_LSTM_KILL_SEED ?? Date.now() % 1_000_000);
// enough epochs that no round reaches the end before its kill (two workers do ~10 epochs a second)
const EPOCHS = Math.max(400, KILLS * 40);

/** Short epochs (stride 8, batch 64: ~11 batches, ~0.4 s) so every few hundred ms a checkpoint is written. */
const config = (checkpoint: string, extra = '') => `name: kill
seed: 7
source: { type: music21, paths: [builtin:classical-mini] }
encoder: { type: embedding, options: { sequenceLength: 16, stride: 8 } }
model: { type: lstm, options: { layers: [16], dense: 16 } }
trainer: { type: supervised, options: { epochs: ${EPOCHS}, batchSize: 64, ${extra}checkpoint: ${checkpoint} } }
sampler: { type: argmax }
generate: { length: 24 }
sink: { type: seed-midi }
`;

const VARIANTS = [
  // a new folder per epoch, old ones pruned: kills land in writes, marker updates and deletions
  { name: 'template names, keepLast 2', checkpoint: '{ saveBestOnly: false, keepLast: 2 }', bestImmutable: true },
  // one folder replaced in place every epoch: kills land between the two renames of a replace
  { name: 'one fixed name replaced every epoch', checkpoint: "{ saveBestOnly: false, filename: 'ckpt' }", bestImmutable: false },
  // data-parallel worker threads die with the process; their shared weights must not outlive a kill half-applied
  { name: 'two data-parallel workers', checkpoint: '{ saveBestOnly: true }', bestImmutable: true, extra: 'workers: 2, ' },
];

type KillMode = 'random' | 'checkpoint-write' | 'marker-write' | 'sigint';

interface Stats {
  kills: number;
  /** Kills after which a half-written checkpoint folder was left: proof the kill landed inside a write. */
  leftHalfWritten: number;
  midCheckpointWrite: number;
  midMarkerWrite: number;
  sigints: number;
  /** Rounds whose resume re-trained the best checkpoint's epoch and wrote it again (new clock fields only). */
  bestRewritten: number;
}

/**
 * A checkpoint's content: every file byte for byte, except the wall-clock fields of state.json
 * (when it was saved, how long its epoch took). A kill after `best` is renamed into place and
 * before `latest` is leaves `latest` one epoch behind, so the resume re-trains that epoch and
 * writes the same best checkpoint again: same weights, optimizer and state, another clock.
 */
function checkpointDigest(dir: string): string {
  const h = createHash('sha256');
  for (const f of fs.readdirSync(dir).sort()) {
    let bytes: Buffer | string = fs.readFileSync(path.join(dir, f));
    if (f === 'state.json') {
      const { savedAt: _at, ...state } = JSON.parse(bytes.toString('utf8'));
      if (state.metrics) state.metrics = { ...state.metrics, seconds: undefined, samples_per_s: undefined };
      if (state.trainer?.partial) state.trainer = { ...state.trainer, partial: { ...state.trainer.partial, trainSeconds: undefined } };
      bytes = JSON.stringify(state);
    }
    h.update(f).update(bytes);
  }
  return h.digest('hex');
}

function mark(runDir: string, which: 'best' | 'latest'): string | undefined {
  try {
    return fs.readFileSync(path.join(runDir, which), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function stateOf(runDir: string, name: string): { epoch: number; step: number } {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'checkpoints', name, 'state.json'), 'utf8'));
}

/** Loads both marked checkpoints as generate and --resume would, then frees them. */
async function assertLoadable(runDir: string, context: string): Promise<void> {
  for (const prefer of ['best', 'latest'] as const) {
    try {
      const c = await loadCheckpoint(runDir, undefined, { prefer });
      c.model.dispose();
    } catch (e) {
      throw new Error(`${context}: the ${prefer} checkpoint does not load: ${(e as Error).message}`);
    }
  }
}

/** Kills a training process at a moment chosen by `mode`; returns what was under way. */
async function killDuring(runDir: string, args: string[], cwd: string, mode: KillMode, delayMs: number) {
  const child = spawnCli(args, { cwd });
  const ckptDir = path.join(runDir, 'checkpoints');
  let watcher: fs.FSWatcher | undefined;
  let sawWrite = false;
  // training is under way once the first epoch line or the resume line is out
  await waitFor(() => /resuming from checkpoint|epoch \d+\//.test(child.err()) || child.exitCode !== null, 'training to start');
  if (mode === 'checkpoint-write' || mode === 'marker-write') {
    const dir = mode === 'checkpoint-write' ? ckptDir : runDir;
    const hit = mode === 'checkpoint-write' ? /^\..+\.\d+\.\d+\.tmp/ : /^\.(latest|best)\.\d+\.\d+\.tmp$/;
    await new Promise<void>((resolve) => {
      const stop = setTimeout(resolve, 8000); // never blocks the test: falls back to a plain kill
      watcher = fs.watch(dir, (_event, file) => {
        if (file && hit.test(file.toString())) {
          child.kill('SIGKILL');
          sawWrite = true;
          clearTimeout(stop);
          resolve();
        }
      });
    });
  } else {
    await new Promise((r) => setTimeout(r, delayMs));
  }
  watcher?.close();
  child.kill(mode === 'sigint' ? 'SIGINT' : 'SIGKILL');
  const ended = await child.done;
  const leftovers = fs.existsSync(ckptDir) ? fs.readdirSync(ckptDir).filter((f) => f.startsWith('.')) : [];
  return { ended, sawWrite, leftovers };
}

describe('interrupted training', () => {
  const totals: Stats = { kills: 0, leftHalfWritten: 0, midCheckpointWrite: 0, midMarkerWrite: 0, sigints: 0, bestRewritten: 0 };

  // checkpoints are read here the way generate and --resume read them; the cpu backend is enough for that
  beforeAll(() => initBackend('cpu', silentLogger));

  afterAll(() => {
    console.log(`interrupted training, seed ${SEED}: ${JSON.stringify(totals)}`);
  });

  it.each(VARIANTS)('$name: SIGKILL at random moments, resume, always loadable, nothing lost', async ({ checkpoint, bestImmutable, extra }) => {
    const rng = new Rng(SEED).fork(checkpoint);
    const dir = fs.realpathSync(tempDir('piano-lstm-kill-'));
    const cfg = path.join(dir, 'kill.yaml');
    fs.writeFileSync(cfg, config(checkpoint, extra));
    const env = { PIANO_LSTM_CACHE: path.join(dir, 'cache') };

    // the first process runs until its first checkpoint exists, so there is always something to resume
    const first = spawnCli(['train', cfg, '--runs', path.join(dir, 'runs')], { cwd: dir, env });
    await waitFor(() => runFolderOf(first.out()) !== undefined, 'the run folder');
    const runDir = runFolderOf(first.out())!;
    await waitFor(() => mark(runDir, 'latest') !== undefined, 'the first checkpoint');
    first.kill('SIGKILL');
    await first.done;
    totals.kills++;

    // every mode in every 6 rounds, in a seeded order
    const modes = rng.shuffle<KillMode>(['random', 'checkpoint-write', 'marker-write', 'random', 'checkpoint-write', 'sigint']);
    for (let round = 0; round < KILLS; round++) {
      const context = `seed ${SEED}, ${checkpoint}, round ${round}`;
      await assertLoadable(runDir, context);
      const latest = mark(runDir, 'latest')!;
      const latestState = stateOf(runDir, latest);
      const best = mark(runDir, 'best')!;
      const bestHash = checkpointDigest(path.join(runDir, 'checkpoints', best));
      const bestState = fs.readFileSync(path.join(runDir, 'checkpoints', best, 'state.json'), 'utf8');

      const mode = modes[round % modes.length];
      const { ended, sawWrite, leftovers } = await killDuring(runDir, ['train', '--resume', runDir], dir, mode, 150 + rng.int(1500));
      // the resumed process started from the last complete checkpoint
      const resumed = /resuming from checkpoint (.+): epoch (\d+)(?: \+ (\d+) batches)?/.exec(ended.stderr);
      expect({ context, resumed: resumed?.slice(1, 4) }).toEqual({
        context,
        resumed: [latest, String(latestState.epoch), latestState.step ? String(latestState.step) : undefined],
      });
      if (mode === 'sigint') {
        expect({ context, code: ended.code, last: ended.stderr.trim().split('\n').pop() }).toEqual({ context, code: 130, last: expect.stringMatching(/^interrupted; resume with: /) });
        totals.sigints++;
      } else {
        expect({ context, signal: ended.signal }).toEqual({ context, signal: 'SIGKILL' });
        totals.kills++;
        if (sawWrite && mode === 'checkpoint-write') totals.midCheckpointWrite++;
        if (leftovers.some((l) => /\.tmp$/.test(l))) totals.leftHalfWritten++;
        if (sawWrite && mode === 'marker-write') totals.midMarkerWrite++;
      }
      // a best checkpoint written under its own name never changes but for its clock fields, even when
      // the kill made the resume re-train its epoch (a replaced-in-place one only has to load: next round)
      const bestNow = mark(runDir, 'best')!;
      if (bestImmutable && bestNow === best && fs.existsSync(path.join(runDir, 'checkpoints', best)) && !leftovers.some((l) => l.startsWith(`.${best}.`))) {
        expect({ context, best: checkpointDigest(path.join(runDir, 'checkpoints', best)) }).toEqual({ context, best: bestHash });
        if (fs.readFileSync(path.join(runDir, 'checkpoints', best, 'state.json'), 'utf8') !== bestState) totals.bestRewritten++;
      }
    }

    // the last resume runs two more epochs to the end: every epoch is in metrics.jsonl exactly once, in order
    await assertLoadable(runDir, `seed ${SEED}, ${checkpoint}, before the final resume`);
    const lastEpoch = stateOf(runDir, mark(runDir, 'latest')!).epoch + 2;
    const final = await runCliAsync(['train', '--resume', runDir, '--set', `trainer.options.epochs=${lastEpoch}`], { cwd: dir, env });
    expect({ code: final.code, error: final.code ? final.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
    const epochs = fs
      .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
    expect(epochs).toEqual(Array.from({ length: lastEpoch }, (_, i) => i + 1));
    await assertLoadable(runDir, 'after the final resume');
    // what the killed writers left half-done was repaired or removed when the next one took the lock
    const leftovers = [runDir, path.join(runDir, 'checkpoints')].flatMap((d) => fs.readdirSync(d).filter((f) => /\.tmp(\.old)?$/.test(f)));
    expect(leftovers).toEqual([]);
  }, 300_000 + KILLS * 15_000);

  it('a writer killed between the two renames of a checkpoint replace: resume finishes the replace', async () => {
    const dir = fs.realpathSync(tempDir('piano-lstm-rename-'));
    const cfg = path.join(dir, 'kill.yaml');
    fs.writeFileSync(cfg, config("{ saveBestOnly: false, filename: 'ckpt' }").replace(`epochs: ${EPOCHS},`, 'epochs: 2,'));
    const env = { PIANO_LSTM_CACHE: path.join(dir, 'cache') };
    const first = await runCliAsync(['train', cfg, '--runs', path.join(dir, 'runs'), '--set', 'trainer.options.epochs=1'], { cwd: dir, env });
    expect(first.code).toBe(0);
    const runDir = runFolderOf(first.stdout)!;
    // the state writeDirAtomic leaves when killed after `ckpt → .tmp.old` and before `.tmp → ckpt`:
    // the old copy set aside, the new one whole but not in place, and the dead writer's lock
    const dead = spawnCli(['--version']);
    await dead.done;
    const ckpts = path.join(runDir, 'checkpoints');
    const tmp = `.ckpt.${dead.pid}.${Date.now()}.tmp`;
    fs.cpSync(path.join(ckpts, 'ckpt'), path.join(ckpts, tmp), { recursive: true });
    fs.renameSync(path.join(ckpts, 'ckpt'), path.join(ckpts, `${tmp}.old`));
    fs.mkdirSync(path.join(runDir, '.lock'));
    fs.writeFileSync(path.join(runDir, '.lock-owner.json'), JSON.stringify({ pid: dead.pid, host: require('node:os').hostname(), since: 'then', command: 'train' }));
    fs.writeFileSync(path.join(runDir, `.latest.${dead.pid}.${Date.now()}.tmp`), 'ck');

    const resumed = await runCliAsync(['train', '--resume', runDir, '--set', 'trainer.options.epochs=2'], { cwd: dir, env });
    expect({ code: resumed.code, error: resumed.code ? resumed.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
    expect(resumed.stderr).toContain(`finished replacing ${path.join(ckpts, 'ckpt')} (its writer was stopped between two renames)`);
    expect(resumed.stderr).toMatch(/resuming from checkpoint ckpt: epoch 1\b/);
    expect(fs.readdirSync(ckpts)).toEqual(['ckpt']);
    expect(fs.readdirSync(runDir).filter((f) => f.startsWith('.'))).toEqual([]);
    await assertLoadable(runDir, 'after the repaired replace');
  }, 120_000);

  it('a writer killed after marking best and before marking latest: resume re-trains that epoch and writes the same best again', async () => {
    const dir = fs.realpathSync(tempDir('piano-lstm-marks-'));
    const cfg = path.join(dir, 'kill.yaml');
    fs.writeFileSync(cfg, config('{ saveBestOnly: true }', 'workers: 2, '));
    const env = { PIANO_LSTM_CACHE: path.join(dir, 'cache') };
    const train = async (args: string[]) => {
      const r = await runCliAsync(args, { cwd: dir, env });
      expect({ code: r.code, error: r.code ? r.stderr.trim().split('\n').pop() : '' }).toEqual({ code: 0, error: '' });
      return r;
    };
    const first = await train(['train', cfg, '--runs', path.join(dir, 'runs'), '--set', 'trainer.options.epochs=2']);
    const runDir = runFolderOf(first.stdout)!;
    const ckpts = path.join(runDir, 'checkpoints');
    // epoch 2's checkpoint (its best, or `last` when it did not improve), which epoch 3 may delete
    const before = mark(runDir, 'latest')!;
    fs.cpSync(path.join(ckpts, before), path.join(dir, 'before'), { recursive: true });
    await train(['train', '--resume', runDir, '--set', 'trainer.options.epochs=3']);
    const best = mark(runDir, 'best')!;
    expect(stateOf(runDir, best).epoch).toBe(3);
    const digest = checkpointDigest(path.join(ckpts, best));
    const firstState = fs.readFileSync(path.join(ckpts, best, 'state.json'), 'utf8');

    // what the epoch-3 writer leaves when killed while `latest` is replaced: epoch 3 in metrics.jsonl,
    // `best` already naming it, `latest` still naming epoch 2 (the new one in a temp file), its lock
    if (!fs.existsSync(path.join(ckpts, before))) fs.cpSync(path.join(dir, 'before'), path.join(ckpts, before), { recursive: true });
    fs.writeFileSync(path.join(runDir, 'latest'), before);
    const dead = spawnCli(['--version']);
    await dead.done;
    fs.mkdirSync(path.join(runDir, '.lock'));
    fs.writeFileSync(path.join(runDir, '.lock-owner.json'), JSON.stringify({ pid: dead.pid, host: require('node:os').hostname(), since: 'then', command: 'train' }));
    fs.writeFileSync(path.join(runDir, `.latest.${dead.pid}.${Date.now()}.tmp`), best);

    const resumed = await train(['train', '--resume', runDir, '--set', 'trainer.options.epochs=3']);
    expect(resumed.stderr).toMatch(new RegExp(`resuming from checkpoint ${before}: epoch 2\\b`));
    expect([mark(runDir, 'best'), mark(runDir, 'latest')]).toEqual([best, best]);
    // training is deterministic, so the re-trained epoch gives the same weights, optimizer and state;
    // only the clock fields of state.json are new (that is why the soak above compares digests, not bytes)
    expect(checkpointDigest(path.join(ckpts, best))).toBe(digest);
    const again = fs.readFileSync(path.join(ckpts, best, 'state.json'), 'utf8');
    const strip = (s: string) => s.replace(/"(savedAt|seconds|samples_per_s)": [^,\n]+/g, '');
    expect(again).not.toBe(firstState);
    expect(strip(again)).toBe(strip(firstState));
    const epochs = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { epoch: number }).epoch);
    expect(epochs).toEqual([1, 2, 3]);
    expect(fs.readdirSync(runDir).filter((f) => /\.tmp$/.test(f))).toEqual([]);
    await assertLoadable(runDir, 'after re-training the epoch');
  }, 120_000);
});
