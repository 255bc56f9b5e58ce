import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from './errors';
import { describeFsCode, makeDirs, nearestAncestorProblem, recoverAtomicWrites, timestamp, writeFileAtomic } from './fs-util';
import { localLockHolder, lockFolder, lockRefreshedAt, releaseFolder, unwritableRunFolder } from './run-folder-lock';

export { releaseRunFolders } from './run-folder-lock';

/**
 * The files of a run folder, by role. This table is the on-disk contract with users' runs: names
 * never change (old run folders must keep loading), only new roles are added.
 */
export const RUN_FILES = {
  /** The resolved experiment (every default filled in): `piano-lstm run <this file>` repeats the run. */
  config: 'config.yaml',
  /** The corpus the run learned from: files used and skipped (and why), token counts, the split. */
  corpus: 'corpus.json',
  /** The vocabulary (a token list), the same as in every checkpoint of the run. */
  vocab: 'vocab.json',
  /** One JSON line of {@link EpochMetrics} per finished epoch. */
  metrics: 'metrics.jsonl',
  /** The tfjs backend the run trained on, one line. */
  backend: 'backend',
  /** Baselines on the validation split next to the model (written at the end of training). */
  evaluation: 'evaluation.json',
  /** The self-contained HTML report. */
  report: 'report.html',
  /** Names the best checkpoint (what generation uses). */
  best: 'best',
  /** Names the newest checkpoint (what `--resume` continues). */
  latest: 'latest',
} as const;

export const RUN_DIRS = {
  checkpoints: 'checkpoints',
  samples: 'samples',
} as const;

export type RunFile = keyof typeof RUN_FILES;
export type CheckpointMark = 'best' | 'latest';

/** One line of `metrics.jsonl`, in this key order. Lines written by hand or by older runs may lack fields. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  val_loss?: number;
  accuracy: number;
  val_accuracy?: number;
  samples_per_s: number;
  seconds: number;
  /** The optimizer's learning rate during the epoch. */
  lr: number;
}

/** Files that only `train`/`run` write: a folder holding one of them is taken for a run folder by readers. */
const RUN_MARKERS: readonly RunFile[] = ['config', 'metrics', 'corpus', 'evaluation'];
/** A run folder is `<runs>/<name>/<YYYYMMDD-HHMMSS>[-n]`. */
const STAMP = /^\d{8}-\d{6}(-\d+)?$/;
const WHERE = `give the folder printed as 'run folder: …' by train or run`;

/** A run folder's name as a sort key: its stamp, with the same-second suffix (`-2`, `-10`) zero-padded. */
function stampKey(dir: string): string {
  return path.basename(dir).replace(/-(\d+)$/, (_, n: string) => `-${n.padStart(6, '0')}`);
}

/**
 * The one owner of a run folder's layout: where each file goes, creating, requiring and locking the
 * folder, and reading and writing what is not a checkpoint's content (checkpoint folders are the
 * model package's; their names and the `best`/`latest` marks are the run folder's).
 */
export class RunFolder {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** A run folder at `dir`, checked by nothing (readers that cope with missing files, tests). */
  static at(dir: string): RunFolder {
    return new RunFolder(dir);
  }

  /** Makes `<runs>/<name>/<YYYYMMDD-HHMMSS>/` (a suffix is added when two runs start in the same second). */
  static create(runsRoot: string, name: string, now = new Date()): RunFolder {
    const stamp = timestamp(now);
    const base = path.resolve(runsRoot, name);
    try {
      makeDirs(base);
    } catch (e) {
      const code = nearestAncestorProblem(base) ?? (e as NodeJS.ErrnoException).code;
      throw new InputError(`cannot create run folder under ${base}: ${describeFsCode(code)}; choose another --runs folder`);
    }
    for (let i = 0; i < 1000; i++) {
      const dir = path.join(base, i === 0 ? stamp : `${stamp}-${i}`);
      try {
        fs.mkdirSync(dir);
        return new RunFolder(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') throw new InputError(`cannot create run folder ${dir}: ${describeFsCode(code)}; choose another --runs folder`);
      }
    }
    throw new InputError(`cannot create a new run folder under ${base}: too many runs this second`);
  }

  /**
   * An existing run folder (it holds a config), for `--resume` and `generate --run`; a wrong path is a
   * usage error. With `lock` (a writer: --resume) the folder must be writable and is locked;
   * `report` hears the repairs locking makes.
   */
  static require(dir: string, options: { lock?: boolean; report?: (line: string) => void } = {}): RunFolder {
    const folder = new RunFolder(dir);
    if (!fs.existsSync(folder.dir) || !fs.statSync(folder.dir).isDirectory()) {
      throw new InputError(`run folder ${dir} does not exist (${WHERE})`, { file: dir });
    }
    if (!fs.existsSync(folder.file('config'))) {
      throw new InputError(`${dir} is not a run folder: it has no ${RUN_FILES.config} (give the folder printed as 'run folder: …')`, { file: dir });
    }
    if (options.lock) {
      try {
        fs.accessSync(folder.dir, fs.constants.W_OK);
      } catch (e) {
        throw unwritableRunFolder(folder.dir, e, 'make it writable, or copy the run folder somewhere writable and resume there');
      }
      folder.lock(options.report);
    }
    return folder;
  }

  /** A folder holding one of the files `train`/`run` write (what `report` and `evaluate` accept). */
  static isRunFolder(dir: string): boolean {
    try {
      return fs.statSync(dir).isDirectory() && RUN_MARKERS.some((f) => fs.existsSync(path.join(dir, RUN_FILES[f])));
    } catch {
      return false;
    }
  }

  /**
   * The newest run folder inside `dir` when `dir` is a name folder (`runs/quickstart`) or a runs
   * folder (`runs`): run folders are named by their start time, so the newest sorts last.
   */
  static newestIn(dir: string): RunFolder | undefined {
    const top = subfolders(dir);
    const runs = [...top, ...top.flatMap(subfolders)].filter((d) => STAMP.test(path.basename(d)) && fs.existsSync(path.join(d, RUN_FILES.config)));
    runs.sort((a, b) => (stampKey(a) < stampKey(b) ? -1 : stampKey(a) > stampKey(b) ? 1 : fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs));
    return runs.length ? new RunFolder(runs[runs.length - 1]) : undefined;
  }

  /**
   * The folders {@link create} made under a name folder (`<runs>/<name>`), newest first; other
   * entries are left out. Other tools (a sweep) name their folders the same way.
   */
  static createdIn(nameDir: string): string[] {
    return subfolders(nameDir)
      .filter((d) => STAMP.test(path.basename(d)))
      .sort((a, b) => (stampKey(a) < stampKey(b) ? 1 : stampKey(a) > stampKey(b) ? -1 : 0));
  }

  /** The path of one of the run's files. */
  file(which: RunFile): string {
    return path.join(this.dir, RUN_FILES[which]);
  }

  get checkpointsDir(): string {
    return path.join(this.dir, RUN_DIRS.checkpoints);
  }

  checkpointDir(name: string): string {
    return path.join(this.checkpointsDir, name);
  }

  get samplesDir(): string {
    return path.join(this.dir, RUN_DIRS.samples);
  }

  /**
   * Takes the folder's writer lock (one line naming the other process when it is held) and repairs
   * what a killed writer left half-done (a half-replaced checkpoint, temp files); `report` hears
   * each repair.
   */
  lock(report: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
    if (!lockFolder(this.dir)) return;
    for (const sub of [this.dir, this.checkpointsDir]) for (const line of recoverAtomicWrites(sub)) report(line);
  }

  release(): void {
    releaseFolder(this.dir);
  }

  /** When a writer last refreshed this folder's lock (it does so while alive), or undefined when no writer holds it. */
  lockRefreshedAt(): Date | undefined {
    return lockRefreshedAt(this.dir);
  }

  /** Another process on this machine that holds the folder's lock now (its pid), if any. */
  lockHolder(): number | undefined {
    return localLockHolder(this.dir);
  }

  /**
   * Refuses to start training when the disk cannot hold what training writes: two checkpoints (one
   * being replaced; weights + optimizer state, about 3× the parameters in float32) and 1 MB for
   * metrics, samples and the report. Later growth (many kept checkpoints) is not guessed.
   */
  checkFreeSpace(parameters: number): void {
    let free: number;
    try {
      const st = fs.statfsSync(this.dir);
      free = st.bavail * st.bsize;
    } catch {
      return; // no statfs here: the first write will say what is wrong
    }
    const checkpoint = parameters * 4 * 3 + 64 * 1024;
    const need = 2 * checkpoint + 1024 * 1024;
    if (free < need) {
      const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
      throw new InputError(`not enough free space for run folder ${this.dir}: ${mb(free)} free, training needs about ${mb(need)} (checkpoints of ${mb(checkpoint)}); free space or choose another --runs folder`);
    }
  }

  /** Replaces one of the run's files atomically (a reader never sees half of it). */
  write(which: RunFile, text: string): void {
    try {
      writeFileAtomic(this.file(which), text, { force: true });
    } catch (e) {
      throw unwritableRunFolder(this.dir, e);
    }
  }

  /** The file's text, or null when it does not exist. */
  read(which: RunFile): string | null {
    const file = this.file(which);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  }

  writeJson(which: 'corpus' | 'vocab' | 'evaluation', value: unknown, pretty = which !== 'vocab'): void {
    this.write(which, pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value));
  }

  writeConfig(yamlText: string): void {
    this.write('config', yamlText);
  }

  writeBackend(name: string): void {
    this.write('backend', `${name}\n`);
  }

  /** Points `best` or `latest` at a checkpoint name. */
  mark(which: CheckpointMark, name: string): void {
    writeFileAtomic(this.file(which), `${name}\n`, { force: true });
  }

  readMark(which: CheckpointMark): string | undefined {
    try {
      return fs.readFileSync(this.file(which), 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Names of the folders under checkpoints/ (complete or not: the model package tells which load). */
  checkpointNames(): string[] {
    return subfolders(this.checkpointsDir)
      .map((d) => path.basename(d))
      .filter((n) => !n.startsWith('.'));
  }

  removeCheckpoint(name: string): void {
    fs.rmSync(this.checkpointDir(name), { recursive: true, force: true });
  }

  appendMetrics(m: EpochMetrics): void {
    fs.appendFileSync(this.file('metrics'), `${JSON.stringify(m)}\n`);
  }

  /** The metrics log; lines that are not JSON or have no epoch number are reported in `warnings`, not fatal. */
  readMetrics(): { epochs: EpochMetrics[]; warnings: string[] } {
    const epochs: EpochMetrics[] = [];
    const warnings: string[] = [];
    const text = this.read('metrics') ?? '';
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (!line) return;
      try {
        const obj = JSON.parse(line) as EpochMetrics;
        if (typeof obj === 'object' && obj !== null && typeof obj.epoch === 'number') epochs.push(obj);
        else warnings.push(`${RUN_FILES.metrics} line ${i + 1}: no epoch number`);
      } catch {
        warnings.push(`${RUN_FILES.metrics} line ${i + 1}: not valid JSON`);
      }
    });
    return { epochs, warnings };
  }

  /** On resume, the epochs after the checkpoint are trained again, so their old lines go; returns the rest. */
  truncateMetrics(epoch: number): EpochMetrics[] {
    if (!fs.existsSync(this.file('metrics'))) return [];
    const kept = this.readMetrics().epochs.filter((m) => m.epoch <= epoch);
    this.write('metrics', kept.map((m) => `${JSON.stringify(m)}\n`).join(''));
    return kept;
  }

  /** Something a user would miss if the folder went: a checkpoint or a sample. */
  hasFinishedWork(): boolean {
    return this.checkpointNames().length > 0 || fileCount(this.samplesDir) > 0;
  }

  /**
   * Removes a folder this command created when it holds no finished work (a run that failed on its
   * corpus or config); returns whether it went. The name folder above goes too when it is left empty.
   */
  discardIfUnfinished(): boolean {
    if (!fs.existsSync(this.dir) || this.hasFinishedWork()) return false;
    this.release();
    fs.rmSync(this.dir, { recursive: true, force: true });
    try {
      fs.rmdirSync(path.dirname(this.dir)); // only when empty
    } catch {
      // other runs of this name live there
    }
    return true;
  }
}

function subfolders(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => path.join(dir, d.name));
  } catch {
    return [];
  }
}

function fileCount(dir: string): number {
  try {
    return fs.readdirSync(dir).length;
  } catch {
    return 0;
  }
}
