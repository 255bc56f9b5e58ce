import { ConfigError } from './errors';
import { StageFactory, StageRegistry } from './registry';

const factory = (type: string, stage: StageFactory['stage'] = 'Sampler'): StageFactory => ({
  stage,
  type,
  description: type,
  parseOptions: () => ({}),
  create: () => ({}),
});

describe('StageRegistry', () => {
  it('looks factories up by type and lists them sorted', () => {
    const r = new StageRegistry();
    r.register(factory('top-k'));
    r.register(factory('argmax'));
    expect(r.types('Sampler')).toEqual(['argmax', 'top-k']);
    expect(r.get('Sampler', 'top-k').type).toBe('top-k');
    expect(r.types('Sink')).toEqual([]);
  });

  it('refuses a second factory for the same type', () => {
    const r = new StageRegistry();
    r.register(factory('argmax'));
    expect(() => r.register(factory('argmax'))).toThrow("Sampler type 'argmax' is registered twice");
  });

  it('allows the same type name in different stages', () => {
    const r = new StageRegistry();
    r.register(factory('x', 'Sampler'));
    expect(() => r.register(factory('x', 'Sink'))).not.toThrow();
  });

  it.each([
    ['nucleus', "unknown Sampler type 'nucleus' at sampler.type (known: argmax)"],
    ['argmx', "unknown Sampler type 'argmx' at sampler.type (did you mean 'argmax'? known: argmax)"],
    [42, 'sampler.type: expected the name of a Sampler type (known: argmax)'],
  ])('get(%p) fails naming the known types', (type, message) => {
    const r = new StageRegistry();
    r.register(factory('argmax'));
    expect(() => r.get('Sampler', type)).toThrow(ConfigError);
    expect(() => r.get('Sampler', type)).toThrow(message);
  });

  it('refuses an unknown stage', () => {
    expect(() => new StageRegistry().register(factory('x', 'Nope' as never))).toThrow("unknown stage 'Nope'");
  });
});
