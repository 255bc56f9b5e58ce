import type { RegisterCommand } from '../command-kit';
import { registerBench } from './bench';
import { registerCache } from './cache';
import { registerCompare } from './compare';
import { registerEvaluate } from './evaluate';
import { registerExportKeras } from './export-keras';
import { registerGenerate } from './generate';
import { registerImportKeras } from './import-keras';
import { registerNotes } from './notes';
import { registerReport } from './report';
import { registerRun } from './run';
import { registerScore } from './score';
import { registerServe } from './serve';
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
  registerScore,
  registerServe,
  registerSweep,
  registerWorker,
  registerCompare,
  registerStages,
  registerCache,
  registerImportKeras,
  registerExportKeras,
  registerBench,
];
