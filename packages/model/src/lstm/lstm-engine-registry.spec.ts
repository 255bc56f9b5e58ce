import * as tf from '@tensorflow/tfjs';
import { fusedLstmEngine } from './engines/fused-lstm-engine';
import { LSTM_KINDS, type LstmEngine } from './lstm-engine';
import { lstmEngine, lstmEngines, registerLstmEngine, resolveLstmEngine } from './lstm-engine-registry';
import { nativeLstmStatus } from './native-lstm-math';

type Registry = typeof import('./lstm-engine-registry');

/**
 * `body` with a fresh registry (and native loader) where the addon fails to load with `reason`.
 * The addon is required on first use, so that use happens here, while the mock is in place.
 */
function withoutNative(reason: string, body: (registry: Registry) => void): void {
  jest.isolateModules(() => {
    jest.doMock('@tensorflow/tfjs', () => tf);
    jest.doMock('@tensorflow/tfjs-backend-wasm', () => ({}));
    jest.doMock('@piano-lstm/native-lstm', () => ({ loadNativeLstm: () => ({ available: false, reason, threads: 0 }) }));
    body(require('./lstm-engine-registry') as Registry);
  });
  for (const m of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@piano-lstm/native-lstm']) jest.dontMock(m);
}

type Create = typeof import('./create-lstm-layer');

/** A fresh registry (changes to it stay in this test), with the createLstmLayer that uses it. */
function freshRegistry(): Registry & Create {
  let isolated: (Registry & Create) | undefined;
  jest.isolateModules(() => {
    jest.doMock('@tensorflow/tfjs', () => tf);
    isolated = { ...(require('./lstm-engine-registry') as Registry), ...(require('./create-lstm-layer') as Create) };
  });
  jest.dontMock('@tensorflow/tfjs');
  return isolated!;
}

describe('LSTM engine registry', () => {
  it('holds the built-in engines, best first; the config values are auto and their names', () => {
    expect(lstmEngines().map((e) => e.name)).toEqual(['native', 'fused', 'layers']);
    expect(LSTM_KINDS).toEqual(['auto', ...lstmEngines().map((e) => e.name)]);
    expect(lstmEngine('native').supports).toEqual({ recurrentDropout: false, statefulStep: true });
  });

  it('auto picks the best available engine, skipping those that lack a needed feature with the reason', () => {
    const native = nativeLstmStatus().available;
    expect(resolveLstmEngine('auto').engine.name).toBe(native ? 'native' : 'fused');
    const withDropout = resolveLstmEngine('auto', { recurrentDropout: true });
    expect(withDropout.engine.name).toBe('fused');
    expect(withDropout.skipped).toEqual([{ name: 'native', reason: native ? 'has no recurrent dropout' : expect.stringMatching(/^unavailable here \(/) }]);
  });

  it('looks auto up once per feature set: later layers get the same choice without asking the engines again', () => {
    const registry = freshRegistry();
    const spy = jest.spyOn(registry.lstmEngine('native'), 'available');
    const first = registry.resolveLstmEngine('auto');
    const calls = spy.mock.calls.length;
    expect(registry.resolveLstmEngine('auto')).toBe(first);
    expect(spy.mock.calls.length).toBe(calls);
    spy.mockRestore();
  });

  it("records why native was skipped when the addon does not load (the addon's own message)", () => {
    withoutNative('libdnnl.so.2: cannot open shared object file', (registry) => {
      const choice = registry.resolveLstmEngine('auto');
      expect(choice.engine.name).toBe('fused');
      expect(choice.skipped).toEqual([{ name: 'native', reason: 'unavailable here (libdnnl.so.2: cannot open shared object file)' }]);
      expect(registry.lstmEngine('native').available()).toMatchObject({ available: false, fix: expect.stringContaining('npm rebuild @piano-lstm/native-lstm') });
    });
  });

  it('takes a plugin engine: auto prefers it by priority, and createLstmLayer builds with it', () => {
    const registry = freshRegistry();
    const created: string[] = [];
    const plugin: LstmEngine = {
      ...fusedLstmEngine,
      name: 'plugin-fast',
      priority: 100,
      createLayer: (config) => {
        created.push(config.name ?? '');
        return fusedLstmEngine.createLayer(config);
      },
    };
    registry.registerLstmEngine(plugin);
    expect(registry.lstmEngines()[0].name).toBe('plugin-fast');
    expect(registry.resolveLstmEngine('auto').engine).toBe(plugin);
    expect(registry.resolveLstmEngine('auto', { recurrentDropout: true }).engine).toBe(plugin);
    registry.createLstmLayer('auto', { units: 3, name: 'from_plugin' });
    expect(created).toEqual(['from_plugin']);
    expect(registry.createLstmLayer('plugin-fast', { units: 3, name: 'named' }).name).toBe('named');
    expect(created).toEqual(['from_plugin', 'named']);
  });

  it('refuses a duplicate name, the name auto, and names an unknown engine with the registered ones', () => {
    expect(() => registerLstmEngine({ ...fusedLstmEngine })).toThrow("an LSTM engine named 'fused' is already registered");
    expect(() => registerLstmEngine({ ...fusedLstmEngine, name: 'auto' })).toThrow("cannot be named 'auto'");
    expect(() => lstmEngine('gpu')).toThrow("unknown LSTM engine 'gpu' (registered: auto, native, fused, layers)");
  });
});
