import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { InputError, NoteSource, PianoLstmError, RunFolder, writeFileAtomic } from '@piano-lstm/core';
import { encodeNotesPickle, exportKerasH5, notebookVocabulary } from '@piano-lstm/keras';
import { initBackend, loadCheckpoint } from '@piano-lstm/model';
import { consoleLogger, loadExperiment } from '../app';
import { runContainer } from '../run-stages';
import type { CommandKit } from '../command-kit';

interface ExportKerasOptions {
  run: string;
  checkpoint?: string;
  out: string;
  notes?: string;
  force?: boolean;
}

/** `piano-lstm export keras`: a run's checkpoint → a legacy-HDF5 Keras model (+ the notebook's notes pickle). */
export function registerExportKeras(program: Command, kit: CommandKit): void {
  const group = program.commands.find((c) => c.name() === 'export') ?? program.command('export').description('write a run\'s model for another tool');
  group
    .command('keras')
    .description('write a run\'s checkpoint as a Keras model file (legacy HDF5, what keras.models.load_model opens) and optionally the notes pickle')
    .requiredOption('--run <runDir>', 'the run folder')
    .option('--checkpoint <name>', 'a checkpoint folder under checkpoints/ (default: the best one)')
    .requiredOption('--out <model.h5>', 'the Keras model file to write')
    .option('--notes <file>', 'also write the run\'s training tokens as the notebook\'s notes pickle')
    .option('--force', 'overwrite existing files')
    .action(
      kit.action(async (opts: ExportKerasOptions) => {
        const run = RunFolder.require(opts.run);
        const runDir = run.dir;
        for (const f of [opts.out, opts.notes]) {
          if (f && fs.existsSync(f) && !opts.force) throw new InputError(`${f} already exists; add --force to overwrite it or choose another name`);
        }
        const log = consoleLogger(kit.io, kit.verbose());
        const loaded = loadExperiment(run.file('config'));
        await initBackend(loaded.experiment.backend, log);
        const ckpt = await loadCheckpoint(runDir, opts.checkpoint, { registry: loaded.registry }).catch((e: unknown) => {
          throw e instanceof PianoLstmError ? new InputError(e.message) : e;
        });
        try {
          if (ckpt.encoderSpec.type !== 'seed-scalar' && ckpt.encoderSpec.type !== 'embedding') {
            throw new InputError(`the run's encoder is '${ckpt.encoderSpec.type}'; export keras writes seed-scalar or embedding models (the notebook's input) only`);
          }
          const notes = opts.notes ? await trainingNotes(loaded, log, ckpt.encoder.vocabulary) : undefined;
          const bytes = await exportKerasH5(ckpt.model, ckpt.encoder.sequenceLength);
          writeFileAtomic(path.resolve(opts.out), bytes, { force: true });
          kit.io.out(path.resolve(opts.out));
          if (notes && opts.notes) {
            writeFileAtomic(path.resolve(opts.notes), encodeNotesPickle(notes), { force: true });
            kit.io.out(path.resolve(opts.notes));
          }
          log.info(`exported checkpoint ${ckpt.name} (${ckpt.model.countParams()} parameters, vocabulary ${ckpt.encoder.vocabSize})`);
        } finally {
          ckpt.model.dispose();
        }
      }),
    );
}

/** The run's tokens, file after file, as the notebook keeps them; its sorted set must be the checkpoint's vocabulary. */
async function trainingNotes(loaded: ReturnType<typeof loadExperiment>, log: ReturnType<typeof consoleLogger>, vocabulary: readonly string[]): Promise<string[]> {
  const source = runContainer(loaded, log).get<NoteSource>(NoteSource);
  const corpus = await source.load(loaded.experiment.source.paths);
  const notes = corpus.pieces.flatMap((p) => p.tokens);
  const rebuilt = notebookVocabulary(notes);
  if (rebuilt.length !== vocabulary.length || rebuilt.some((t, i) => t !== vocabulary[i])) {
    throw new InputError(
      `the run's source (${loaded.experiment.source.paths.join(', ')}) now gives ${rebuilt.length} distinct notes, the checkpoint's vocabulary has ${vocabulary.length}; the notebook would number them differently — export without --notes, or restore the training files`,
    );
  }
  return notes;
}
