import type { Command } from 'commander';
import { generateFromRun } from '@piano-lstm/generator';
import { collect } from '../app';
import type { CommandKit } from '../command-kit';
import { generationStages } from '../run-stages';
import { finishReport, printTrainSummary, runDirOption, trainFromConfig, type TrainCommandOptions } from './train';

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
        const { loaded, stages, runDir, log, corpus } = run;
        // Generate from the best checkpoint, exactly as `generate --run` would, into the run's samples/.
        // They are the run's own files, made again from its seed: a resume after a session that wrote
        // them (or some of them) before it was stopped must not stop on them.
        const { files, checkpoint } = await generateFromRun(
          runDir,
          { fileStem: 'sample', seed: loaded.experiment.seed, force: true, corpusPieces: corpus.pieces },
          generationStages(loaded, stages, log),
        );
        kit.io.out(`checkpoint used: ${checkpoint}`);
        for (const f of files) kit.io.out(`sample: ${f}`);
        await finishReport(runDir, kit.io, log);
        kit.io.out(`run folder: ${runDir}`);
      }),
    );
}
