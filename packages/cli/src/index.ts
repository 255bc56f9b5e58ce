export { buildProgram } from './program';
export { createContainer, loadPlugin } from './container';
export { runContainer, stageContext } from './run-stages';
export * from './app';
