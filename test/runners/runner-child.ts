// A runner in its own process (for the kill -9 test): `node --import tsx runner-child.ts runner --server … --token …`.
import { processIO } from '../../server/cli/io.js';
import { runCli } from '../../server/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2), processIO());
