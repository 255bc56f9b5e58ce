import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, makeDirs, RunFolder } from '@piano-lstm/core';
import { corpusFingerprint, saveCheckpoint } from '@piano-lstm/model';
import type { KerasImport } from './import-keras';

/**
 * The one place an import writes a run folder, through core's RunFolder as `train` does (resolved
 * config, vocabulary, corpus summary, a checkpoint marked best and latest), so the run folder
 * is an ordinary one. The notes pickle is copied in as `notes` and is the run's training source.
 */
export const IMPORTED_NOTES_FILE = 'notes';

export interface ImportedRunTarget {
  /** An exact folder (must not exist, or be empty). */
  out?: string;
  /** Else `<runsRoot>/<name>/<stamp>/`. */
  runsRoot: string;
  name: string;
}

/** Creates the run folder; a folder that already holds files is refused before anything is written. */
export function createImportFolder(target: ImportedRunTarget): string {
  if (!target.out) return RunFolder.create(target.runsRoot, target.name).dir;
  const dir = checkImportOut(target.out);
  try {
    makeDirs(dir);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot create ${target.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; choose another --out`);
  }
  return dir;
}

/** `--out` must be a new (or empty) folder; checked before any work, and again when it is created. */
export function checkImportOut(out: string): string {
  const dir = path.resolve(out);
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
    throw new InputError(`--out ${out} already exists and is not an empty folder; give a new folder (or omit --out for runs/<name>/<stamp>)`);
  }
  return dir;
}

/**
 * Fills a fresh run folder from an import. `configYaml` receives the path of the copied notes
 * (the run's source) and returns the resolved experiment and its YAML. On failure the folder is removed.
 */
export async function writeImportedRun(dir: string, imp: KerasImport, configYaml: (notesPath: string) => { yaml: string; experiment: unknown }, backend: string): Promise<void> {
  try {
    const notesPath = path.join(dir, IMPORTED_NOTES_FILE);
    fs.copyFileSync(imp.notesFile, notesPath);
    const config = configYaml(notesPath);
    const run = RunFolder.at(dir);
    run.writeConfig(config.yaml);
    run.writeBackend(backend);
    run.writeJson('vocab', imp.vocabulary);
    const pieces = [{ path: notesPath, tokens: imp.notes }];
    const corpus = {
      files: [{ path: notesPath, tokens: imp.notes.length, split: 'train' }],
      skipped: [],
      tokenCount: imp.notes.length,
      vocabSize: imp.vocabulary.length,
      trainPieces: 1,
      validationPieces: 0,
      importedFrom: { weights: path.resolve(imp.weightsFile), notes: path.resolve(imp.notesFile) },
    };
    run.writeJson('corpus', corpus);
    await saveCheckpoint(run.checkpointDir(imp.checkpointName), {
      model: imp.model,
      encoder: imp.encoder,
      config: config.experiment,
      fingerprint: corpusFingerprint(pieces),
      state: { epoch: imp.epoch, step: 0, globalStep: imp.iterations, rng: {}, metrics: imp.loss !== undefined ? { loss: imp.loss } : {} },
      backend,
    });
    run.mark('best', imp.checkpointName);
    run.mark('latest', imp.checkpointName);
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

