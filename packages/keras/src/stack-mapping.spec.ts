import { parseModelConfig } from './keras-architecture';
import { mapArchitecture, stackLayout, SEED_DOC_SHAPE, SEED_REPO_SHAPE } from './stack-mapping';

const lstm = (name: string, units: number, seq: boolean, rd = 0) => ({ class_name: 'LSTM', config: { name, units, return_sequences: seq, recurrent_dropout: rd, dropout: 0, activation: 'tanh', recurrent_activation: 'sigmoid' } });
const layer = (class_name: string, config: Record<string, unknown>) => ({ class_name, config });
const model = (layers: unknown[], shape: (number | null)[] = [null, 100, 1]) =>
  JSON.stringify({ class_name: 'Sequential', config: { name: 'sequential', layers: [layer('InputLayer', { batch_shape: shape, name: 'input' }), ...layers] } });

describe('Keras Sequential → piano-lstm builder', () => {
  it('a small stack with an inline Dense activation maps to an lstm builder whose layout is the Keras one', () => {
    const arch = parseModelConfig(model([lstm('lstm', 8, true), layer('Dropout', { name: 'd', rate: 0.2 }), lstm('lstm_1', 4, false), layer('Dense', { name: 'h', units: 6, activation: 'tanh' }), layer('Dropout', { name: 'd2', rate: 0.2 }), layer('Dense', { name: 'o', units: 5, activation: 'softmax' })], [null, 12, 1]), 'm.h5');
    const net = mapArchitecture(arch, 'm.h5');
    expect(net).toEqual({
      builder: 'lstm',
      stack: { layers: [8, 4], dense: [6], denseActivation: 'tanh', dropout: 0.2, recurrentDropout: 0, batchNorm: false, dropoutAfter: 'inner-lstms' },
      encoder: { type: 'seed-scalar', options: { sequenceLength: 12, stride: 1, crossPieces: true } },
      outputs: 5,
    });
  });

  it('knows the seed networks\' layouts', () => {
    expect(stackLayout(SEED_DOC_SHAPE, false)).toEqual(['lstm', 'dropout', 'lstm', 'dropout', 'lstm', 'dense', 'dropout', 'dense', 'activation:softmax']);
    expect(stackLayout(SEED_REPO_SHAPE, false)).toEqual(['lstm', 'lstm', 'lstm', 'batchnorm', 'dropout', 'dense', 'activation:relu', 'batchnorm', 'dropout', 'dense', 'activation:softmax']);
  });

  it('refuses an unsupported layer naming it, and an order piano-lstm does not build', () => {
    expect(() => parseModelConfig(model([layer('GRU', { name: 'gru_1', units: 8 })]), 'm.h5')).toThrow("m.h5: layer 'gru_1' is a GRU, which piano-lstm cannot import (supported: LSTM, Dense, Dropout, BatchNormalization, Activation, Embedding)");
    const arch = parseModelConfig(model([layer('Dense', { name: 'first', units: 4 }), lstm('lstm', 8, false), layer('Dense', { name: 'o', units: 5, activation: 'softmax' })]), 'm.h5');
    expect(() => mapArchitecture(arch, 'm.h5')).toThrow(/its layer order \(dense → lstm → dense → activation:softmax\) is not one piano-lstm builds/);
  });

  it('refuses LSTMs that compute differently (another activation, input dropout)', () => {
    const relu = { ...lstm('lstm', 8, false), config: { ...lstm('lstm', 8, false).config, activation: 'relu' } };
    expect(() => parseModelConfig(model([relu]), 'm.h5')).toThrow(/LSTM 'lstm' has activation="relu"/);
    const drop = { ...lstm('lstm', 8, false), config: { ...lstm('lstm', 8, false).config, dropout: 0.2 } };
    const arch = parseModelConfig(model([drop, layer('Dense', { name: 'o', units: 5, activation: 'softmax' })]), 'm.h5');
    expect(() => mapArchitecture(arch, 'm.h5')).toThrow(/input dropout 0.2/);
  });
});
