import * as tf from '@tensorflow/tfjs';
import { NativeLstmMath, nativeLstmStatus, newNativeLayer, type NativeLayer } from '../native-lstm-math';
import type { LstmState, LstmStepCell, LstmWeights } from '../step/lstm-step-cell';
import { fusedLayerEngine } from './fused-layer-engine';

const INSTALL = 'install it (apt-get install libdnnl-dev g++, then npm rebuild @piano-lstm/native-lstm)';

/** FusedLSTM computed by the oneDNN addon `@piano-lstm/native-lstm` (optional; no recurrent dropout). */
export const nativeLstmEngine = fusedLayerEngine({
  name: 'native',
  priority: 30,
  // oneDNN's cell has no hook for a mask on h.
  supports: { recurrentDropout: false, statefulStep: true },
  available: () => {
    const s = nativeLstmStatus();
    return s.available ? { available: true } : { available: false, reason: s.reason ?? 'the oneDNN addon did not load', fix: INSTALL };
  },
  math: () => new NativeLstmMath(),
  createStepCell: (_layer, weights) => new NativeLstmStepCell(weights),
});

/** One step on the addon's `step()` (its weights copied once to the native side). */
class NativeLstmStepCell implements LstmStepCell {
  readonly units: number;
  private readonly layer: NativeLayer;

  constructor(weights: LstmWeights) {
    this.units = weights.units;
    this.layer = newNativeLayer({ T: 1, B: 1, I: weights.inputDim, H: weights.units });
    const bias = weights.bias ? (weights.bias.read().dataSync() as Float32Array) : new Float32Array(4 * weights.units);
    this.layer.setWeights(weights.kernel.read().dataSync() as Float32Array, weights.recurrentKernel.read().dataSync() as Float32Array, bias);
  }

  step(x: tf.Tensor2D, state: LstmState): LstmState {
    const B = x.shape[0];
    // dataSync copies out of the backend's memory (see NativeLstmMath.run).
    const next = this.layer.step(x.dataSync() as Float32Array, state.h.dataSync() as Float32Array, state.c.dataSync() as Float32Array);
    return { h: tf.tensor2d(next.h, [B, this.units]), c: tf.tensor2d(next.c, [B, this.units]) };
  }

  dispose(): void {
    this.layer.dispose();
  }
}
