import type { RegisterCommand } from '../command-kit';
import { registerBench } from './bench';
import { registerEvaluate } from './evaluate';
import { registerExportKeras } from './export-keras';
import { registerGenerate } from './generate';
import { registerImportKeras } from './import-keras';
import { registerNotes } from './notes';
import { registerReport } from './report';
import { registerRun } from './run';
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
  registerStages,
  registerImportKeras,
  registerExportKeras,
  registerBench,
];
