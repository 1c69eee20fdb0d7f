// Loads the Python grammar for web-tree-sitter once per process.
// Loading the wasm runtime and grammar takes tens of milliseconds, so every caller shares one Parser.
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

let pythonParser: Promise<Parser> | undefined;

/** Path of the Python grammar wasm, resolved through node_modules so it works from `server/` and `dist/server/`. */
export function pythonGrammarPath(): string {
  return createRequire(import.meta.url).resolve('tree-sitter-python/tree-sitter-python.wasm');
}

/**
 * The shared Python parser. A Parser is not re-entrant, but parsing is synchronous,
 * so sharing one across async callers is safe.
 */
export function loadPythonParser(): Promise<Parser> {
  pythonParser ??= createPythonParser().catch((error: unknown) => {
    pythonParser = undefined; // let a later call retry instead of caching the failure
    throw error;
  });
  return pythonParser;
}

async function createPythonParser(): Promise<Parser> {
  await Parser.init();
  const python = await Language.load(pythonGrammarPath());
  const parser = new Parser();
  parser.setLanguage(python);
  return parser;
}
