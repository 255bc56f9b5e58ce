import * as path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { experimentToYaml, parseExperiment, resolveExperiment, StageRegistry } from '@piano-lstm/core';
import { checkImportOut, createImportFolder, prepareKerasImport, writeImportedRun, type KerasImport } from '@piano-lstm/keras';
import { initBackend } from '@piano-lstm/model';
import { consoleLogger } from '../app';
import type { CommandKit } from '../command-kit';
import { createContainer } from '../container';

interface ImportKerasOptions {
  weights: string;
  notes: string;
  out?: string;
  runs?: string;
}

/** `piano-lstm import keras`: a notebook checkpoint + its notes pickle → an ordinary run folder. */
export function registerImportKeras(program: Command, kit: CommandKit): void {
  const group = program.commands.find((c) => c.name() === 'import') ?? program.command('import').description('bring a model trained elsewhere in as a run folder');
  group
    .command('keras')
    .description('import a Keras .hdf5/.h5 model (the notebook\'s ModelCheckpoint) and its notes pickle as a run folder')
    .requiredOption('--weights <file>', 'the Keras model file (weights-improvement-NN-L.LLLL-bigger.hdf5)')
    .requiredOption('--notes <file>', 'the notebook\'s pickled token list (data/notes)')
    .option('--out <runDir>', 'the run folder to create (default: runs/<name>/<stamp>)')
    .option('--runs <dir>', 'where run folders are created when --out is not given (default ./runs)')
    .action(
      kit.action(async (opts: ImportKerasOptions) => {
        const log = consoleLogger(kit.io, kit.verbose());
        if (opts.out) checkImportOut(opts.out);
        let backend = 'wasm';
        const imp = await prepareKerasImport(opts.weights, opts.notes, { beforeBuild: async () => (backend = (await initBackend('auto', log)).name) });
        try {
          const name = `keras-${imp.network.builder}`;
          const dir = createImportFolder({ out: opts.out, runsRoot: path.resolve(opts.runs ?? 'runs'), name });
          kit.io.out(`run folder: ${dir}`);
          await writeImportedRun(dir, imp, (notesPath) => resolvedConfig(imp, name, notesPath, dir), backend);
          log.info(`imported ${imp.network.builder} (${imp.model.countParams()} parameters, vocabulary ${imp.vocabulary.length}, ${imp.notes.length} notes) as checkpoint ${imp.checkpointName}`);
          kit.io.out(`generate with: piano-lstm generate --run ${dir} --sampler argmax --mode window`);
        } finally {
          imp.model.dispose();
        }
      }),
    );
}

/** The run's config, resolved like any other (every default filled in): the notebook's training setup on the copied pickle. */
function resolvedConfig(imp: KerasImport, name: string, notesPath: string, dir: string): { yaml: string; experiment: unknown } {
  const data = {
    name,
    seed: 42,
    backend: 'auto',
    source: { type: 'notes-pickle', paths: [notesPath] },
    encoder: imp.network.encoder,
    model: { type: imp.network.builder, options: imp.modelOptions },
    trainer: {
      type: 'supervised',
      options: {
        epochs: 200,
        batchSize: imp.network.builder === 'seed-repo' ? 128 : 64,
        checkpoint: { monitor: 'loss', mode: 'min', saveBestOnly: true, filename: 'weights-improvement-{epoch:02d}-{loss:.4f}-bigger' },
      },
    },
    sampler: { type: 'argmax' },
    generate: { length: 500, count: 1, primer: 'random-window', mode: 'window' },
    sink: { type: 'seed-midi' },
  };
  const registry = createContainer([], dir).get(StageRegistry);
  const experiment = resolveExperiment(parseExperiment(stringify(data), { baseDir: dir }), registry);
  return { yaml: experimentToYaml(experiment), experiment };
}
