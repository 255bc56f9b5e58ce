export { buildProgram } from './program';
export { createContainer, loadPlugin } from './container';
export * from './app';
