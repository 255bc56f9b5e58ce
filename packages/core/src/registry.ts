import { ConfigError, UnknownTypeError } from './errors';
import type { OptionsSchema } from './option-schema';
import { nearest } from './options';
import type { StageContext } from './stages/context';
import { Encoder, ModelBuilder, NoteSource, Sampler, Sink, Trainer } from './stages';

/** The stages an experiment configures by `type`, each an interface and a DI token of the same name. */
export const STAGES = ['NoteSource', 'Encoder', 'ModelBuilder', 'Sampler', 'Sink', 'Trainer'] as const;
export type StageName = (typeof STAGES)[number];

/** The token a run binds each stage's chosen implementation to. */
export const STAGE_TOKENS: Record<StageName, symbol> = { NoteSource, Encoder, ModelBuilder, Sampler, Sink, Trainer };

/** YAML section of each stage. */
export const STAGE_SECTION: Record<StageName, string> = {
  NoteSource: 'source',
  Encoder: 'encoder',
  ModelBuilder: 'model',
  Sampler: 'sampler',
  Sink: 'sink',
  Trainer: 'trainer',
};

/**
 * Makes one implementation of a stage. `parseOptions` validates raw YAML options and fills in
 * defaults (throwing ConfigError with the YAML path); `create` builds the instance.
 */
export interface StageFactory<T = unknown, O = unknown> {
  stage: StageName;
  type: string;
  /** One line, shown by `piano-lstm stages`. */
  description: string;
  /**
   * The options declared as data (what `stages --options` prints and the README tables show);
   * `parseOptions` is then usually `optionsParser(options)`. A plugin may leave it out and read
   * its options with `OptionReader` alone.
   */
  options?: OptionsSchema;
  parseOptions(raw: unknown, path: string): O;
  create(options: O, context: StageContext): T;
}

/** Multi-injection token: every package's ContainerModule binds its factories to it. */
export const StageFactory = Symbol.for('@piano-lstm/core/StageFactory');

/** Factories per stage, looked up by `type`; refuses a second factory for the same type. */
export class StageRegistry {
  private readonly factories = new Map<StageName, Map<string, StageFactory>>();

  register(factory: StageFactory<unknown, unknown>): void {
    if (!STAGES.includes(factory.stage)) {
      throw new Error(`cannot register '${factory.type}': unknown stage '${factory.stage}' (stages: ${STAGES.join(', ')})`);
    }
    const byType = this.factories.get(factory.stage) ?? new Map<string, StageFactory>();
    if (byType.has(factory.type)) {
      throw new Error(`${factory.stage} type '${factory.type}' is registered twice: two packages or plugins provide it`);
    }
    byType.set(factory.type, factory);
    this.factories.set(factory.stage, byType);
  }

  types(stage: StageName): string[] {
    return [...(this.factories.get(stage)?.keys() ?? [])].sort();
  }

  list(stage: StageName): StageFactory[] {
    return this.types(stage).map((t) => this.factories.get(stage)!.get(t)!);
  }

  /** Every factory of `type`, whatever its stage (`multi-head` is both an Encoder and a ModelBuilder). */
  find(type: string): StageFactory[] {
    return STAGES.flatMap((stage) => (this.has(stage, type) ? [this.factories.get(stage)!.get(type)!] : []));
  }

  has(stage: StageName, type: string): boolean {
    return this.factories.get(stage)?.has(type) ?? false;
  }

  /** The factory for `type`, or an error naming the YAML path and the known types. */
  get<T = unknown, O = unknown>(stage: StageName, type: unknown, path = `${STAGE_SECTION[stage]}.type`): StageFactory<T, O> {
    if (typeof type !== 'string' || type === '') {
      throw new ConfigError(path, `expected the name of a ${stage} type (known: ${this.types(stage).join(', ')})`);
    }
    const f = this.factories.get(stage)?.get(type);
    if (!f) throw new UnknownTypeError(stage, type, path, this.types(stage), nearest(type, this.types(stage)));
    return f as StageFactory<T, O>;
  }
}
