// @piano-lstm/native-lstm: optional oneDNN LSTM kernels for Node. No tfjs dependency: plain
// Float32Arrays in and out, so the tfjs `tf.customGrad` layer can call it.
export * from './native';
export {
  benchNativeLstm,
  benchNativeLstmStep,
  type NativeLstmBenchOptions,
  type NativeLstmBenchResult,
  type NativeLstmStepBenchOptions,
  type NativeLstmStepBenchResult,
} from './bench';
