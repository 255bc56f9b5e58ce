import type { ContainerModule } from 'inversify';
import { midiIoModule } from '@piano-lstm/midi-io';
import { modelModule } from '@piano-lstm/model';
import { trainerModule } from '@piano-lstm/trainer';
import { generatorModule } from '@piano-lstm/generator';
import { kerasModule } from '@piano-lstm/keras';

/**
 * The packages whose stage types the CLI offers, each by its one ContainerModule. Listed by hand
 * (Theia style): a package joins by being named here, never because of how an export is spelled.
 */
export const BUILTIN_MODULES: readonly ContainerModule[] = [midiIoModule, modelModule, trainerModule, generatorModule, kerasModule];
