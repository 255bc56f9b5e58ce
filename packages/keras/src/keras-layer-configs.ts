/**
 * Layer configs as Keras 3's legacy HDF5 writer stores them in `model_config` (copied from what
 * Keras 3.15 wrote for the notebook's fixtures), so `keras.models.load_model` rebuilds the same layers.
 */
const DTYPE = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const init = (className: string, config: Record<string, unknown> = {}) => ({ module: 'keras.initializers', class_name: className, config, registered_name: null });
const GLOROT = init('GlorotUniform', { seed: null, input_axes: null, output_axes: null });
const ZEROS = init('Zeros');

export function inputLayerConfig(name: string, batchShape: (number | null)[], dtype: 'float32' | 'int32') {
  return { class_name: 'InputLayer', config: { batch_shape: batchShape, dtype, sparse: false, ragged: false, name, optional: false } };
}

export function lstmConfig(name: string, units: number, returnSequences: boolean, recurrentDropout: number) {
  return {
    class_name: 'LSTM',
    config: {
      name,
      trainable: true,
      dtype: DTYPE,
      return_sequences: returnSequences,
      return_state: false,
      go_backwards: false,
      stateful: false,
      unroll: false,
      zero_output_for_mask: false,
      units,
      activation: 'tanh',
      recurrent_activation: 'sigmoid',
      use_bias: true,
      kernel_initializer: GLOROT,
      recurrent_initializer: init('Orthogonal', { seed: null, gain: 1 }),
      bias_initializer: ZEROS,
      unit_forget_bias: true,
      kernel_regularizer: null,
      recurrent_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      recurrent_constraint: null,
      bias_constraint: null,
      dropout: 0,
      recurrent_dropout: recurrentDropout,
      seed: null,
    },
  };
}

export function denseConfig(name: string, units: number, activation: string) {
  return {
    class_name: 'Dense',
    config: {
      name,
      trainable: true,
      dtype: DTYPE,
      units,
      activation,
      use_bias: true,
      kernel_initializer: GLOROT,
      bias_initializer: ZEROS,
      kernel_regularizer: null,
      bias_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      quantization_config: null,
    },
  };
}

export function activationConfig(name: string, activation: string) {
  return { class_name: 'Activation', config: { name, trainable: true, dtype: DTYPE, activation } };
}

export function dropoutConfig(name: string, rate: number) {
  return { class_name: 'Dropout', config: { name, trainable: true, dtype: DTYPE, rate, seed: null, noise_shape: null } };
}

export function batchNormConfig(name: string, epsilon: number, momentum: number) {
  return {
    class_name: 'BatchNormalization',
    config: {
      name,
      trainable: true,
      dtype: DTYPE,
      axis: -1,
      momentum,
      epsilon,
      center: true,
      scale: true,
      beta_initializer: ZEROS,
      gamma_initializer: init('Ones'),
      moving_mean_initializer: ZEROS,
      moving_variance_initializer: init('Ones'),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
      synchronized: false,
      renorm: false,
      renorm_clipping: null,
      renorm_momentum: 0.99,
    },
  };
}

export function embeddingConfig(name: string, inputDim: number, outputDim: number) {
  return {
    class_name: 'Embedding',
    config: {
      name,
      trainable: true,
      dtype: DTYPE,
      input_dim: inputDim,
      output_dim: outputDim,
      embeddings_initializer: init('RandomUniform', { minval: -0.05, maxval: 0.05, seed: null }),
      embeddings_regularizer: null,
      activity_regularizer: null,
      embeddings_constraint: null,
      mask_zero: false,
      lora_rank: null,
    },
  };
}

export function sequentialConfig(name: string, layers: unknown[], buildInputShape: (number | null)[]) {
  return { class_name: 'Sequential', config: { name, trainable: true, dtype: DTYPE, layers, build_input_shape: buildInputShape } };
}
