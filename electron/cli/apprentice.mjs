#!/usr/bin/env node
// The `apprentice` command: runs the TypeScript CLI through tsx's loader, so `npx apprentice` works
// straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
