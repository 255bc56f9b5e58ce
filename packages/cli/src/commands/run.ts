import * as path from 'node:path';
import type { Command } from 'commander';
import { Rng, type NoteSource, type Sampler, type Sink } from '@piano-lstm/core';
import { generatePieces, lstmKindOf } from '@piano-lstm/generator';
import { loadCheckpoint } from '@piano-lstm/model';
import { collect, createStage } from '../app';
import type { CommandKit } from '../command-kit';
import { encoderMaker, finishReport, printTrainSummary, runDirOption, trainFromConfig, type TrainCommandOptions } from './train';

export function registerRun(program: Command, kit: CommandKit): void {
  program
    .command('run [config]')
    .description('the whole experiment: parse → encode → train → generate → write (samples/ in the run folder)')
    .option('--set <key=value>', 'override a config key, e.g. generate.count=3 (repeatable)', collect, [])
    .option('--resume <runDir>', 'continue the run in this folder from its newest checkpoint, then generate')
    .option('--runs <dir>', 'where run folders are created (default ./runs)')
    .addOption(runDirOption())
    .action(
      kit.action(async (config: string | undefined, opts: TrainCommandOptions) => {
        const run = await trainFromConfig(config, opts, 'run', kit.io, kit.verbose());
        run.result.model.dispose();
        printTrainSummary(run, kit.io);
        const { loaded, runDir, log, corpus } = run;
        const { experiment } = loaded;
        // Generate from the best checkpoint, exactly what `generate --run` would use.
        const lstm = lstmKindOf(experiment);
        const ckpt = await loadCheckpoint(runDir, undefined, { createEncoder: encoderMaker(loaded, log), ...(lstm ? { lstm } : {}) });
        const sampler = createStage<Sampler>(loaded, 'Sampler', log);
        const sink = createStage<Sink>(loaded, 'Sink', log);
        const source = createStage<NoteSource>(loaded, 'NoteSource', log);
        const trainingIds = corpus.pieces.map((p) => ckpt.encoder.encode(p.tokens).ids);
        const files = await generatePieces({
          model: ckpt.model,
          encoder: ckpt.encoder,
          sampler,
          sink,
          generate: experiment.generate,
          trainingIds,
          source,
          rng: new Rng(experiment.seed).fork('generate'),
          outDir: path.join(runDir, 'samples'),
          log,
        });
        ckpt.model.dispose();
        kit.io.out(`checkpoint used: ${ckpt.dir}`);
        for (const f of files) kit.io.out(`sample: ${f}`);
        await finishReport(runDir, kit.io, log);
        kit.io.out(`run folder: ${runDir}`);
      }),
    );
}
