/**
 * data + encoder + model builder → a trained model in the run folder. The job and result types
 * belong to the implementation (they carry tfjs models), so core only fixes the call.
 */
export interface Trainer<TJob = unknown, TResult = unknown> {
  train(job: TJob): Promise<TResult>;
}

export const Trainer = Symbol.for('@piano-lstm/core/Trainer');
