import * as fs from 'node:fs';
import { InputError } from '@piano-lstm/core';
import { withH5Bytes, type H5File, type H5Group, type H5Module } from './h5wasm-loader';
import { parseModelConfig, type KerasArchitecture } from './keras-architecture';

/** One weight array of a layer, named by its last path part (`kernel`, `recurrent_kernel`, `gamma`…). */
export interface KerasWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface KerasModelFile {
  file: string;
  architecture: KerasArchitecture;
  /** Weights of each layer by layer name, in the order the file lists them. */
  weights: Map<string, KerasWeight[]>;
  kerasVersion?: string;
  /** `training_config.optimizer_config` when the file carries one. */
  optimizer?: { className: string; learningRate?: number };
  /** Optimizer steps taken (`optimizer_weights/*\/iteration` or `iterations:0`), when saved. */
  iterations?: number;
}

/**
 * Reads a full Keras model saved as legacy HDF5 (`model.save('x.hdf5')`, `ModelCheckpoint`), from
 * Keras 2 (`lstm_1/lstm_1/kernel:0`) or Keras 3 (`lstm_1/sequential/lstm_1/lstm_cell/kernel`): the
 * dataset of each weight is `model_weights/<layer>/<weight_names[i]>`, whatever the writer.
 */
export async function readKerasH5(file: string): Promise<KerasModelFile> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (give the .hdf5 file ModelCheckpoint wrote)`, { file });
  }
  if (bytes.length < 8 || bytes.subarray(0, 8).toString('latin1') !== '\x89HDF\r\n\x1a\n') {
    throw new InputError(`${file} is not an HDF5 file (no HDF5 signature); give the .hdf5/.h5 file Keras saved`, { file });
  }
  try {
    return await withH5Bytes(bytes, (h5file, h5) => readOpened(h5file, h5, file));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file} cannot be read as HDF5 (${String((e as Error).message ?? e).split('\n')[0]}); the file is damaged or truncated — copy it again`, { file });
  }
}

function readOpened(f: H5File, h5: H5Module, file: string): KerasModelFile {
  const configText = attrString(f, 'model_config');
  if (configText === undefined) {
    throw new InputError(`${file} has no model_config attribute: it holds weights only (save_weights) or is not a Keras model; save the full model (model.save or ModelCheckpoint without save_weights_only)`, { file });
  }
  const architecture = parseModelConfig(configText, file);
  const root = f.get('model_weights');
  const group = root instanceof h5.Group ? root : f;
  const weights = new Map<string, KerasWeight[]>();
  for (const layer of architecture.layers) {
    if (layer.kind === 'dense' || layer.kind === 'lstm' || layer.kind === 'batchnorm' || layer.kind === 'embedding') {
      weights.set(layer.name, readLayerWeights(group, h5, layer.name, file));
    }
  }
  const training = attrString(f, 'training_config');
  return { file, architecture, weights, kerasVersion: attrString(f, 'keras_version'), ...optimizerOf(training), ...iterationsOf(f, h5) };
}

function readLayerWeights(root: H5Group, h5: H5Module, layer: string, file: string): KerasWeight[] {
  const g = root.get(layer);
  if (!(g instanceof h5.Group)) throw new InputError(`${file}: model_weights has no group for layer '${layer}'; the file is incomplete`, { file });
  const names = g.attrs.weight_names?.value;
  const list = (Array.isArray(names) ? names : names === undefined || names === null ? [] : [names]).map(String);
  return list.map((wname) => {
    const ds = g.get(wname);
    if (!(ds instanceof h5.Dataset)) throw new InputError(`${file}: weight '${wname}' of layer '${layer}' is missing; the file is incomplete`, { file });
    const value = ds.value;
    const data = value instanceof Float32Array ? value : Float32Array.from(value as ArrayLike<number>);
    return { name: wname.split('/').pop()!.replace(/:\d+$/, ''), shape: ds.shape ?? [], data };
  });
}

function attrString(o: H5Group, name: string): string | undefined {
  const a = o.attrs[name];
  if (!a) return undefined;
  const v = a.value;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return v === null || v === undefined ? undefined : String(v);
}

function optimizerOf(training: string | undefined): Pick<KerasModelFile, 'optimizer'> {
  if (!training) return {};
  try {
    const oc = (JSON.parse(training) as { optimizer_config?: { class_name?: string; config?: { learning_rate?: unknown } } }).optimizer_config;
    if (!oc?.class_name) return {};
    const lr = oc.config?.learning_rate;
    return { optimizer: { className: oc.class_name, ...(typeof lr === 'number' ? { learningRate: lr } : {}) } };
  } catch {
    return {};
  }
}

function iterationsOf(f: H5File, h5: H5Module): Pick<KerasModelFile, 'iterations'> {
  const opt = f.get('optimizer_weights');
  if (!(opt instanceof h5.Group)) return {};
  for (const k of opt.keys()) {
    const g = opt.get(k);
    const ds = g instanceof h5.Group ? (g.get('iteration') ?? g.get('iterations:0')) : undefined;
    if (ds instanceof h5.Dataset) return { iterations: Number(ds.value) };
  }
  return {};
}
