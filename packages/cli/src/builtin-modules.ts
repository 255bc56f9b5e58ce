import type { ContainerModule } from 'inversify';
import * as midiIo from '@piano-lstm/midi-io';
import * as model from '@piano-lstm/model';
import * as trainer from '@piano-lstm/trainer';
import * as generator from '@piano-lstm/generator';
import * as evaluation from '@piano-lstm/evaluation';
import * as keras from '@piano-lstm/keras';

/** Every ContainerModule the packages export (each package exports one, named `<package>Module`). */
export function builtinModules(): ContainerModule[] {
  const out: ContainerModule[] = [];
  for (const pkg of [midiIo, model, trainer, generator, evaluation, keras] as Record<string, unknown>[]) {
    for (const [key, value] of Object.entries(pkg)) {
      if (key.endsWith('Module') && value && typeof value === 'object' && 'load' in (value as object)) out.push(value as ContainerModule);
    }
  }
  return out;
}
