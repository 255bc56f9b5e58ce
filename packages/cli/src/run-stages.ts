import { Container } from 'inversify';
import { NoteSource, Rng, Sampler, Sink, STAGES, STAGE_SECTION, STAGE_TOKENS, type Experiment, type Logger, type StageContext, type StageName, type StageSpec } from '@piano-lstm/core';
import type { RunStages } from '@piano-lstm/generator';
import { cacheDir, type LoadedExperiment } from './app';

export function stageContext(experiment: Pick<Experiment, 'seed'>, stage: StageName, baseDir: string, log: Logger): StageContext {
  return { rng: new Rng(experiment.seed).fork(stage), log, baseDir, cacheDir: cacheDir() };
}

/**
 * One run's stages: a child of the experiment's container in which every stage token
 * (`NoteSource`, `Encoder`, `ModelBuilder`, `Trainer`, `Sampler`, `Sink`) is bound to the
 * implementation the experiment names, built on first `get` from its validated options and the
 * run's seed. The parent (factories, registry) is left as it was, so each run chooses its own.
 */
export function runContainer(loaded: LoadedExperiment, log: Logger): Container {
  const run = new Container({ parent: loaded.container, defaultScope: 'Singleton' });
  for (const stage of STAGES) {
    const spec = loaded.experiment[STAGE_SECTION[stage] as keyof Experiment] as StageSpec;
    const factory = loaded.registry.get(stage, spec.type);
    run.bind(STAGE_TOKENS[stage]).toDynamicValue(() => factory.create(spec.options, stageContext(loaded.experiment, stage, loaded.document.baseDir, log)));
  }
  return run;
}

/** What generation takes from a run's container: its Sampler, Sink and (on demand) NoteSource, with the registry for checkpoint encoders. */
export function generationStages(loaded: LoadedExperiment, stages: Container, log: Logger): RunStages {
  return {
    experiment: loaded.experiment,
    registry: loaded.registry,
    sampler: stages.get<Sampler>(Sampler),
    sink: stages.get<Sink>(Sink),
    source: () => stages.get<NoteSource>(NoteSource),
    log,
  };
}
