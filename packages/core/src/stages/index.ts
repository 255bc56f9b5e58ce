export * from './context';
export * from './note-source';
export * from './encoder';
export * from './model-builder';
export * from './sampler';
export * from './sink';
export * from './trainer';
