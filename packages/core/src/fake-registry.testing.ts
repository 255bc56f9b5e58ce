import { ConfigError } from './errors';
import { OptionReader } from './options';
import { StageFactory, StageName, StageRegistry } from './registry';

/** A registry with small fake factories, so loader tests do not depend on real implementations. */
export function fakeRegistry(): StageRegistry {
  const registry = new StageRegistry();
  const add = (stage: StageName, type: string, parse: (r: OptionReader) => Record<string, unknown> = () => ({})) => {
    const factory: StageFactory = {
      stage,
      type,
      description: `fake ${type}`,
      parseOptions(raw, path) {
        const r = new OptionReader(raw, path);
        const out = parse(r);
        r.done();
        return out;
      },
      create: (options) => ({ type, options }),
    };
    registry.register(factory);
  };
  add('NoteSource', 'music21', (r) => ({ part: r.string('part', { default: 'first', choices: ['first', 'first-notes'] }) }));
  add('Encoder', 'seed-scalar', (r) => {
    const options = { sequenceLength: r.int('sequenceLength', { default: 100, min: 1 }), stride: r.int('stride', { default: 1, min: 1 }) };
    const targets = r.string('targets', { choices: ['last', 'all'] });
    return targets ? { ...options, targets } : options;
  });
  add('ModelBuilder', 'seed-doc', (r) => ({ dropout: r.number('dropout', { default: 0.3, min: 0, max: 1, maxExclusive: true }) }));
  add('Trainer', 'supervised', (r) => ({ epochs: r.int('epochs', { default: 200, min: 1 }), batchSize: r.int('batchSize', { default: 64, min: 1 }) }));
  add('Sampler', 'argmax');
  add('Sampler', 'top-k', (r) => ({ k: r.int('k', { default: 8, min: 1 }) }));
  add('Sink', 'seed-midi');
  return registry;
}

/** The message of the ConfigError `fn` throws (any other outcome fails the test). */
export function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}
