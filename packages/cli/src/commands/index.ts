import type { RegisterCommand } from '../command-kit';
import { registerBench } from './bench';
import { registerCompare } from './compare';
import { registerEvaluate } from './evaluate';
import { registerGenerate } from './generate';
import { registerNotes } from './notes';
import { registerReport } from './report';
import { registerRun } from './run';
import { registerStages } from './stages';
import { registerSweep } from './sweep';
import { registerTrain } from './train';
import { registerWorker } from './worker';

/** Every sub-command, in the order `--help` lists them. */
export const commands: RegisterCommand[] = [
  registerRun,
  registerNotes,
  registerTrain,
  registerGenerate,
  registerEvaluate,
  registerReport,
  registerSweep,
  registerWorker,
  registerCompare,
  registerStages,
  registerBench,
];
