// Commands write through this so tests can run them in-process and read what they printed.
export interface CommandIO {
  cwd: string;
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadableStream;
}

export function processIO(): CommandIO {
  return {
    cwd: process.cwd(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    stdin: process.stdin,
  };
}
