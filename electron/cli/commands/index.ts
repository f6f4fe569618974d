/** Every verb of the CLI, in the order `apprentice --help` lists them. */
import type { CliCommand } from '../command.js';
import { infoCommand } from './info.js';
import { webCommand } from './web.js';

export const COMMANDS: CliCommand[] = [infoCommand, webCommand];
