/** Every verb of the CLI, in the order `apprentice --help` lists them. */
import type { CliCommand } from '../command.js';
import { importCommand } from './import.js';
import { infoCommand } from './info.js';
import { inspectCommand } from './inspect.js';
import { webCommand } from './web.js';

export const COMMANDS: CliCommand[] = [infoCommand, inspectCommand, importCommand, webCommand];
