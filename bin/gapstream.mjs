#!/usr/bin/env node
// The gapstream CLI. Sources are TypeScript; tsx's loader compiles them on the fly.
import { register } from 'tsx/esm/api';

register();
// `gapstream inspect … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
