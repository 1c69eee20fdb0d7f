import type { InputValue, ManualInput } from '../language/model.js';

// Typed inputs of a manual run: checks what a person (or the API) gave against the workflow's `manual(inputs=…)`,
// converts strings to the declared type, and fills defaults. Every problem is reported, not only the first.

export interface InputProblem {
  input: string;
  code: 'unknown-input' | 'missing-input' | 'wrong-type' | 'not-an-option' | 'not-an-object';
  message: string;
  /** For `not-an-option`: the options. */
  allowed?: string[];
}

export type InputsResult =
  | { ok: true; inputs: Record<string, InputValue> }
  | { ok: false; problems: InputProblem[] };

const MAX_STRING = 64 * 1024;

function convert(name: string, spec: ManualInput, value: unknown): { value: InputValue } | InputProblem {
  const wrong = (expected: string): InputProblem => ({
    input: name, code: 'wrong-type', message: `input \`${name}\` must be ${expected}, got ${describe(value)}`,
  });
  switch (spec.type) {
    case 'boolean':
      if (typeof value === 'boolean') return { value };
      if (value === 'true' || value === 'false') return { value: value === 'true' };
      return wrong('a boolean (true or false)');
    case 'number': {
      if (typeof value === 'number' && Number.isFinite(value)) return { value };
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return { value: Number(value) };
      return wrong('a number');
    }
    case 'choice': {
      if (typeof value !== 'string') return wrong('one of the options, as a string');
      const options = spec.options ?? [];
      if (!options.includes(value)) {
        return { input: name, code: 'not-an-option', allowed: options, message: `input \`${name}\` must be one of ${options.map((o) => `"${o}"`).join(', ')}, got "${value}"` };
      }
      return { value };
    }
    case 'string':
      if (typeof value !== 'string') return wrong('a string');
      if (value.length > MAX_STRING) return wrong(`a string of at most ${MAX_STRING} characters`);
      return { value };
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

export function validateInputs(specs: Record<string, ManualInput>, given: unknown): InputsResult {
  if (given !== undefined && given !== null && (typeof given !== 'object' || Array.isArray(given))) {
    return { ok: false, problems: [{ input: '', code: 'not-an-object', message: `inputs must be an object of name → value, got ${describe(given)}` }] };
  }
  const values = (given ?? {}) as Record<string, unknown>;
  const problems: InputProblem[] = [];
  // Input names are anyone's words (`constructor`, `__proto__`…): read only own keys, write to a bare object.
  const inputs: Record<string, InputValue> = Object.create(null) as Record<string, InputValue>;
  for (const name of Object.keys(values)) {
    if (!Object.hasOwn(specs, name)) {
      const known = Object.keys(specs);
      problems.push({
        input: name, code: 'unknown-input',
        message: `the workflow has no input \`${name}\`${known.length > 0 ? `; its inputs are ${known.map((k) => `\`${k}\``).join(', ')}` : ''}`,
      });
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) {
      if (spec.default !== undefined) inputs[name] = spec.default;
      else if (spec.required) problems.push({ input: name, code: 'missing-input', message: `input \`${name}\` is required` });
      continue;
    }
    const converted = convert(name, spec, value);
    if ('value' in converted) inputs[name] = converted.value;
    else problems.push(converted);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, inputs };
}
