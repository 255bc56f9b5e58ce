import type { Command } from 'commander';
import type { NoteSource, Sampler, Sink } from '@piano-lstm/core';
import { generateFromRun } from '@piano-lstm/generator';
import { collect, createStage } from '../app';
import type { CommandKit } from '../command-kit';
import { encoderMaker, finishReport, printTrainSummary, trainFromConfig, type TrainCommandOptions } from './train';

export function registerRun(program: Command, kit: CommandKit): void {
  program
    .command('run [config]')
    .description('the whole experiment: parse → encode → train → generate → write (samples/ in the run folder)')
    .option('--set <key=value>', 'override a config key, e.g. generate.count=3 (repeatable)', collect, [])
    .option('--resume <runDir>', 'continue the run in this folder from its newest checkpoint, then generate')
    .option('--runs <dir>', 'where run folders are created (default ./runs)')
    .action(
      kit.action(async (config: string | undefined, opts: TrainCommandOptions) => {
        const run = await trainFromConfig(config, opts, 'run', kit.io, kit.verbose());
        run.result.model.dispose();
        printTrainSummary(run, kit.io);
        const { loaded, runDir, log } = run;
        // Generate from the best checkpoint, exactly as `generate --run` would, into the run's samples/.
        const { files, checkpoint } = await generateFromRun(
          runDir,
          { fileStem: 'sample' },
          {
            experiment: loaded.experiment,
            sampler: createStage<Sampler>(loaded, 'Sampler', log),
            sink: createStage<Sink>(loaded, 'Sink', log),
            source: () => createStage<NoteSource>(loaded, 'NoteSource', log),
            log,
            createEncoder: encoderMaker(loaded, log),
          },
        );
        kit.io.out(`checkpoint used: ${checkpoint}`);
        for (const f of files) kit.io.out(`sample: ${f}`);
        await finishReport(runDir, kit.io, log);
        kit.io.out(`run folder: ${runDir}`);
      }),
    );
}
