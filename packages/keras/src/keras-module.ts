import { ContainerModule } from 'inversify';
import { StageFactory } from '@piano-lstm/core';
import { notesPickleSourceFactory } from './notes-pickle-source';

/** Registers the `notes-pickle` NoteSource (imported runs train and prime from the notebook's pickle). */
export const kerasModule = new ContainerModule(({ bind }) => {
  bind(StageFactory).toConstantValue(notesPickleSourceFactory);
});
