import * as tf from '@tensorflow/tfjs';

const CLASS = { fused: 'FusedLSTM', layers: 'LSTM' } as const;
/** Keys of a FusedLSTM config that the stock LSTM does not know. */
const FUSED_ONLY_KEYS = ['seed'];

/**
 * Rewrites the LSTM layers of a saved model's topology to the other implementation, so that
 * `tf.loadLayersModel` of a `layers` checkpoint builds FusedLSTM layers and vice versa. Weights
 * need no change: both use `<layer>/kernel`, `<layer>/recurrent_kernel`, `<layer>/bias` in the
 * same layout. Returns new artifacts; the input is not modified.
 */
export function convertLstmTopology(artifacts: tf.io.ModelArtifacts, to: 'fused' | 'layers'): tf.io.ModelArtifacts {
  const from = to === 'fused' ? CLASS.layers : CLASS.fused;
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology ?? null)) as unknown;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (obj.class_name === from && obj.config && typeof obj.config === 'object') {
      const config = obj.config as Record<string, unknown>;
      const act = config.recurrent_activation;
      if (to === 'fused' && act !== undefined && act !== 'sigmoid') {
        throw new Error(
          `layer '${String(config.name)}': recurrent_activation '${String(act)}' cannot run as FusedLSTM (sigmoid only); keep lstm: layers for this checkpoint`,
        );
      }
      obj.class_name = CLASS[to];
      if (to === 'layers') for (const k of FUSED_ONLY_KEYS) delete config[k];
    }
    for (const v of Object.values(obj)) visit(v);
  };
  visit(topology);
  return { ...artifacts, modelTopology: topology as tf.io.ModelArtifacts['modelTopology'] };
}
