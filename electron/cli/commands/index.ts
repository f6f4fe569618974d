/** Every verb of the CLI, in the order `apprentice --help` lists them. */
import type { CliCommand } from '../command.js';
import { demoCommand } from './demo.js';
import { fuseCommand } from './fuse.js';
import { evaluateCommand } from './evaluate.js';
import { exportCommand } from './export.js';
import { exportMasksCommand } from './export-masks.js';
import { finetuneCommand } from './finetune.js';
import { importCommand } from './import.js';
import { inferCommand } from './infer.js';
import { infoCommand } from './info.js';
import { inspectCommand } from './inspect.js';
import { trainCommand } from './train.js';
import { transferCommand } from './transfer.js';
import { webCommand } from './web.js';

export const COMMANDS: CliCommand[] = [
  infoCommand,
  inspectCommand,
  importCommand,
  inferCommand,
  fuseCommand,
  trainCommand,
  finetuneCommand,
  evaluateCommand,
  exportCommand,
  exportMasksCommand,
  transferCommand,
  demoCommand,
  webCommand,
];
