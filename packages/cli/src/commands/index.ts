import type { RegisterCommand } from '../command-kit';
import { registerBench } from './bench';
import { registerCache } from './cache';
import { registerEvaluate } from './evaluate';
import { registerGenerate } from './generate';
import { registerNotes } from './notes';
import { registerReport } from './report';
import { registerRun } from './run';
import { registerServe } from './serve';
import { registerStages } from './stages';
import { registerTrain } from './train';

/** Every sub-command, in the order `--help` lists them. */
export const commands: RegisterCommand[] = [
  registerRun,
  registerNotes,
  registerTrain,
  registerGenerate,
  registerEvaluate,
  registerReport,
  registerServe,
  registerStages,
  registerCache,
  registerBench,
];
