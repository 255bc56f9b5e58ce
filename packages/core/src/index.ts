export * from './errors';
export * from './rng';
export * from './options';
export * from './registry';
export * from './experiment';
export * from './fs-util';
export * from './stages';
export * from './plural';
