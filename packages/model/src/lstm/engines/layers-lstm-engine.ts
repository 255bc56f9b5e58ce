import * as tf from '@tensorflow/tfjs';
import type { LstmEngine } from '../lstm-engine';
import { kerasLstmArgs } from '../lstm-layer-config';
import { KerasLstmStepCell } from '../step/keras-step-cell';

/** The stock `tf.layers.lstm` (autodiff through every step; slow, but the reference). */
export const layersLstmEngine: LstmEngine = {
  name: 'layers',
  priority: 10,
  supports: { recurrentDropout: true, statefulStep: true },
  layerClass: 'LSTM',
  available: () => ({ available: true }),
  // tfjs' LSTM defaults to hardSigmoid; Keras (and FusedLSTM) use sigmoid.
  createLayer: (config) => tf.layers.lstm({ ...kerasLstmArgs(config), recurrentActivation: 'sigmoid', activation: 'tanh' }),
  runs: (layer) => layer.getClassName() === 'LSTM',
  adopt: () => undefined,
  createStepCell: (layer, weights) => new KerasLstmStepCell(layer, weights),
};
