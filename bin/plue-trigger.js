#!/usr/bin/env node
import { runCli } from '../dist/server/cli/main.js';
import { processIO } from '../dist/server/cli/io.js';

runCli(process.argv.slice(2), processIO()).then(
  (status) => { process.exitCode = status; },
  (error) => {
    process.stderr.write(`plue-trigger: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
