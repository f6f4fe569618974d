#!/usr/bin/env node
// The `apprentice` command: runs the TypeScript CLI through tsx's loader, so `npx apprentice` works
// straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// `apprentice ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
