import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError, Rng, modelSpecOf } from '@piano-lstm/core';
import { buildStack, EmbeddingEncoder, OPTIMIZERS, SeedScalarEncoder, type OptimizerName, type StackOptions, type TokenEncoder } from '@piano-lstm/model';
import { notebookVocabulary, readNotesPickle } from './notes-pickle';
import { readKerasH5, type KerasModelFile, type KerasWeight } from './read-keras-h5';
import { mapArchitecture, type MappedNetwork } from './stack-mapping';

/** Everything an import needs, checked and built in memory: nothing is written until this exists. */
export interface KerasImport {
  weightsFile: string;
  notesFile: string;
  notes: string[];
  vocabulary: string[];
  network: MappedNetwork;
  /** `model.options` of the run's config. */
  modelOptions: Record<string, unknown>;
  model: tf.LayersModel;
  encoder: TokenEncoder;
  /** Checkpoint name: the .hdf5 file's stem (`weights-improvement-01-4.5916-bigger`). */
  checkpointName: string;
  /** Epoch and loss read from a ModelCheckpoint file name, when it has them. */
  epoch: number;
  loss?: number;
  iterations: number;
}

export const IMPORT_SEED = 42;

/**
 * Reads a Keras HDF5 model and the notebook's notes pickle, rebuilds the vocabulary as the notebook
 * does and the network with piano-lstm's builder, carrying Keras' weights. Every problem is an
 * InputError (exit 2) before anything is written; `beforeBuild` runs once both files are checked
 * (the CLI starts the tfjs backend there).
 */
export async function prepareKerasImport(weightsFile: string, notesFile: string, options: { beforeBuild?: () => Promise<unknown> } = {}): Promise<KerasImport> {
  const notes = readNotesPickle(notesFile);
  const keras = await readKerasH5(weightsFile);
  const network = mapArchitecture(keras.architecture, weightsFile);
  const vocabulary = notebookVocabulary(notes);
  if (network.outputs !== vocabulary.length) {
    throw new InputError(
      `${weightsFile} predicts ${network.outputs} tokens but ${notesFile} has ${vocabulary.length} distinct notes; the notes pickle must be the one this model was trained on`,
      { file: notesFile },
    );
  }
  // the files are valid: only now start the backend (whose one-line notice would precede an error line)
  await options.beforeBuild?.();
  const encoder = network.encoder.type === 'embedding' ? new EmbeddingEncoder(network.encoder.options) : new SeedScalarEncoder(network.encoder.options);
  encoder.restore(vocabulary);
  const modelOptions = modelOptionsOf(network, keras);
  const model = buildStack({ ...network.stack, embedding: 0, lstm: 'auto', optimizer: modelOptions.optimizer as OptimizerName } as StackOptions, modelSpecOf(encoder), new Rng(IMPORT_SEED).fork('ModelBuilder'));
  try {
    assignWeights(model, keras);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const stem = path.basename(weightsFile).replace(/\.(hdf5|h5|keras)$/i, '');
  const m = /-(\d+)-(\d+(?:\.\d+)?)(?:-bigger)?$/.exec(stem);
  return {
    weightsFile,
    notesFile,
    notes,
    vocabulary,
    network,
    modelOptions,
    model,
    encoder,
    checkpointName: stem.replace(/[^\w.+-]/g, '_') || 'keras',
    epoch: m ? Number(m[1]) : 0,
    ...(m ? { loss: Number(m[2]) } : {}),
    iterations: keras.iterations ?? 0,
  };
}

function modelOptionsOf(network: MappedNetwork, keras: KerasModelFile): Record<string, unknown> {
  const name = keras.optimizer?.className.toLowerCase();
  const optimizer: OptimizerName = name && (OPTIMIZERS as readonly string[]).includes(name) ? (name as OptimizerName) : 'rmsprop';
  const lr = keras.optimizer?.learningRate;
  // Keras stores 0.001 as float32 (0.0010000000474974513): keep the value the user typed
  const learningRate = lr === undefined ? undefined : Number(lr.toPrecision(6));
  return { ...network.stack, optimizer, ...(learningRate !== undefined ? { learningRate } : {}) };
}

/**
 * Copies Keras' arrays into the built model, layer by layer (the weighted layers come in the same
 * order in both), matching each weight by name: Keras' LSTM kernel [in, 4u], recurrent kernel
 * [u, 4u] and bias [4u] with gates i, f, c, o are exactly the layout piano-lstm's LSTMs use.
 */
function assignWeights(model: tf.LayersModel, keras: KerasModelFile): void {
  const file = keras.file;
  const weighted = keras.architecture.layers.filter((l) => keras.weights.has(l.name));
  const ours = model.layers.filter((l) => l.weights.length > 0);
  if (weighted.length !== ours.length) throw new InputError(`${file}: ${weighted.length} layers carry weights, the rebuilt network has ${ours.length}; the file does not match its own model_config`, { file });
  ours.forEach((layer, i) => {
    const source = keras.weights.get(weighted[i].name)!;
    const tensors = layer.weights.map((w) => {
      const suffix = w.originalName.split('/').pop()!;
      const k: KerasWeight | undefined = source.find((s) => s.name === suffix);
      if (!k) throw new InputError(`${file}: layer '${weighted[i].name}' has no '${suffix}' weight (it has ${source.map((s) => s.name).join(', ') || 'none'})`, { file });
      if (k.shape.join() !== w.shape.join()) {
        throw new InputError(`${file}: weight '${suffix}' of layer '${weighted[i].name}' is [${k.shape.join(', ')}], the network needs [${w.shape.join(', ')}]; the file does not match its own model_config`, { file });
      }
      return tf.tensor(k.data, k.shape, 'float32');
    });
    layer.setWeights(tensors);
    tf.dispose(tensors);
  });
}
