import * as tf from '@tensorflow/tfjs';

export type LstmLayerClass = 'FusedLSTM' | 'LSTM';
const CLASS = { fused: 'FusedLSTM', layers: 'LSTM' } as const;
/** Keys of a FusedLSTM config that the stock LSTM does not know. */
const FUSED_ONLY_KEYS = ['seed'];

/** A saved LSTM layer: its class and (snake_case) config, as in a topology. */
export interface SavedLstmLayer {
  className: LstmLayerClass;
  config: Record<string, unknown>;
}

/** Every LSTM / FusedLSTM layer node of a saved topology (nested models included), in order. */
function lstmNodes(topology: unknown): { class_name: LstmLayerClass; config: Record<string, unknown> }[] {
  const found: { class_name: LstmLayerClass; config: Record<string, unknown> }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if ((obj.class_name === 'LSTM' || obj.class_name === 'FusedLSTM') && obj.config && typeof obj.config === 'object') {
      found.push(obj as unknown as (typeof found)[number]);
    }
    Object.values(obj).forEach(visit);
  };
  visit(topology);
  return found;
}

/** The LSTM layers of saved artifacts. */
export function savedLstmLayers(artifacts: tf.io.ModelArtifacts): SavedLstmLayer[] {
  return lstmNodes(artifacts.modelTopology).map((n) => ({ className: n.class_name, config: n.config }));
}

/**
 * Rewrites the LSTM layers of a saved model's topology to another class, so that
 * `tf.loadLayersModel` of a `layers` checkpoint builds FusedLSTM layers and vice versa: to one
 * implementation for all (`'fused'`, `'layers'`), or per layer (`to` returns the class, undefined
 * for unchanged). Weights need no change: both use `<layer>/kernel`, `<layer>/recurrent_kernel`,
 * `<layer>/bias` in the same layout. Returns new artifacts; the input is not modified.
 */
export function convertLstmTopology(
  artifacts: tf.io.ModelArtifacts,
  to: 'fused' | 'layers' | ((layer: SavedLstmLayer) => LstmLayerClass | undefined),
): tf.io.ModelArtifacts {
  const target = typeof to === 'function' ? to : () => CLASS[to];
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology ?? null)) as unknown;
  for (const node of lstmNodes(topology)) {
    const cls = target({ className: node.class_name, config: node.config });
    if (!cls || cls === node.class_name) continue;
    const config = node.config;
    const act = config.recurrent_activation;
    if (cls === 'FusedLSTM' && act !== undefined && act !== 'sigmoid') {
      throw new Error(
        `layer '${String(config.name)}': recurrent_activation '${String(act)}' cannot run as FusedLSTM (sigmoid only); keep lstm: layers for this checkpoint`,
      );
    }
    node.class_name = cls;
    if (cls === 'LSTM') for (const k of FUSED_ONLY_KEYS) delete config[k];
  }
  return { ...artifacts, modelTopology: topology as tf.io.ModelArtifacts['modelTopology'] };
}
