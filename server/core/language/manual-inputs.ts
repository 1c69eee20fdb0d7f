// `manual(inputs={...})`: the inputs a person fills in when starting a workflow by hand.
import type { DiagnosticList } from './diagnostics.js';
import type { InputType, InputValue, ManualInput } from './model.js';
import { INPUT_TYPES } from './model.js';
import type { StaticValue } from './static-value.js';
import { describeValue } from './static-value.js';
import { didYouMean, listOfNames } from './suggest.js';
import { readBool, readString, readStringList, reportUnexpected } from './value-readers.js';

const SPEC_KEYS = ['type', 'required', 'default', 'options', 'description'] as const;
type SpecKey = (typeof SPEC_KEYS)[number];

const DEFAULT_KINDS: Readonly<Record<InputType, { kind: StaticValue['kind']; name: string }>> = {
  string: { kind: 'string', name: 'a string' },
  choice: { kind: 'string', name: 'a string' },
  boolean: { kind: 'bool', name: 'a bool (`True` or `False`)' },
  number: { kind: 'number', name: 'a number' },
};

/** The one name an input cannot have, though it is well formed. Other names of Object members work. */
export const RESERVED_INPUT_NAME = '__proto__';

/** Input names: a letter or `_`, then letters, digits, `_` or `-`. */
export function isValidInputName(name: string): boolean {
  if (name === '') return false;
  for (let i = 0; i < name.length; i++) {
    const char = name[i] as string;
    const letter = (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || char === '_';
    const later = (char >= '0' && char <= '9') || char === '-';
    if (!letter && (i === 0 || !later)) return false;
  }
  return true;
}

export function readManualInputs(value: StaticValue, diagnostics: DiagnosticList): Record<string, ManualInput> {
  const inputs: Record<string, ManualInput> = {};
  if (value.kind !== 'dict') {
    reportUnexpected('`inputs`', 'a dict of input names to specs', value, diagnostics);
    return inputs;
  }
  for (const { key, value: spec } of value.entries) {
    if (key.kind !== 'string') {
      if (key.kind !== 'invalid') diagnostics.error('bad-input', `Input names must be strings, got ${describeValue(key)}.`, key.at);
      continue;
    }
    const name = key.value;
    if (!isValidInputName(name)) {
      diagnostics.error('bad-input', `\`${name}\` is not a valid input name: start with a letter or \`_\`, then use letters, digits, \`_\` or \`-\`.`, key.at);
      continue;
    }
    if (name === RESERVED_INPUT_NAME) {
      // JSON bodies with this key are refused, and plain objects would take it as their prototype.
      diagnostics.error('bad-input', `\`${name}\` cannot be an input name; choose another name.`, key.at);
      continue;
    }
    if (Object.hasOwn(inputs, name)) {
      diagnostics.error('bad-input', `Input \`${name}\` is defined more than once.`, key.at);
      continue;
    }
    const input = readInputSpec(name, spec, diagnostics);
    if (input !== undefined) inputs[name] = input;
  }
  return inputs;
}

function readInputSpec(name: string, spec: StaticValue, diagnostics: DiagnosticList): ManualInput | undefined {
  if (spec.kind !== 'dict') {
    if (spec.kind === 'call' && !spec.known) {
      reportUnexpected(`Input \`${name}\``, 'a dict', spec, diagnostics); // reported as non-static
    } else if (spec.kind !== 'invalid') {
      diagnostics.error('bad-input', `Input \`${name}\` must be described by a dict such as \`{"type": "string"}\`, got ${describeValue(spec)}.`, spec.at);
    }
    return undefined;
  }
  const fields = new Map<SpecKey, StaticValue>();
  for (const { key, value } of spec.entries) {
    if (key.kind !== 'string') {
      if (key.kind !== 'invalid') diagnostics.error('bad-input', `Keys of input \`${name}\` must be strings, got ${describeValue(key)}.`, key.at);
    } else if (!(SPEC_KEYS as readonly string[]).includes(key.value)) {
      const hint = didYouMean(key.value, SPEC_KEYS) || ` The keys are ${listOfNames(SPEC_KEYS, 'and')}.`;
      diagnostics.error('bad-input', `Input \`${name}\` has an unknown key \`${key.value}\`.${hint}`, key.at);
    } else if (fields.has(key.value as SpecKey)) {
      diagnostics.error('bad-input', `Input \`${name}\` gives \`${key.value}\` more than once.`, key.at);
    } else {
      fields.set(key.value as SpecKey, value);
    }
  }

  const input: ManualInput = { type: readInputType(name, fields.get('type'), diagnostics), required: false };
  const required = fields.get('required');
  if (required !== undefined) input.required = readBool(required, `\`required\` of input \`${name}\``, diagnostics) ?? false;
  const description = fields.get('description');
  if (description !== undefined) {
    const text = readString(description, `\`description\` of input \`${name}\``, diagnostics);
    if (text !== undefined) input.description = text;
  }
  const options = fields.get('options');
  if (options !== undefined) {
    if (input.type !== 'choice') {
      diagnostics.error('bad-input', `\`options\` only applies to \`choice\` inputs; input \`${name}\` is a \`${input.type}\` input.`, options.at);
    } else {
      const list = readStringList(options, `\`options\` of input \`${name}\``, diagnostics);
      if (list !== undefined && list.length > 0) input.options = [...new Set(list.map((o) => o.value))];
    }
  }
  if (input.type === 'choice' && input.options === undefined && (options === undefined || (options.kind === 'list' && options.items.length === 0))) {
    diagnostics.error('choice-without-options', `Input \`${name}\` is a \`choice\` input without options; add \`"options": ["a", "b"]\`.`, (options ?? spec).at);
  }
  const defaultValue = fields.get('default');
  if (defaultValue !== undefined && defaultValue.kind !== 'none') {
    const value = readDefault(name, input, defaultValue, diagnostics);
    if (value !== undefined) input.default = value;
  }
  return input;
}

function readInputType(name: string, value: StaticValue | undefined, diagnostics: DiagnosticList): InputType {
  if (value === undefined) return 'string';
  const type = readString(value, `\`type\` of input \`${name}\``, diagnostics);
  if (type === undefined) return 'string';
  if ((INPUT_TYPES as readonly string[]).includes(type)) return type as InputType;
  const hint = didYouMean(type, INPUT_TYPES) || ` Use ${listOfNames(INPUT_TYPES)}.`;
  diagnostics.error('bad-input', `\`${type}\` is not an input type.${hint}`, value.at);
  return 'string';
}

function readDefault(name: string, input: ManualInput, value: StaticValue, diagnostics: DiagnosticList): InputValue | undefined {
  const expected = DEFAULT_KINDS[input.type];
  if (value.kind !== expected.kind || !(value.kind === 'string' || value.kind === 'bool' || value.kind === 'number')) {
    return reportUnexpected(`The default of ${input.type} input \`${name}\``, expected.name, value, diagnostics);
  }
  if (input.type === 'choice' && input.options !== undefined && !input.options.includes(value.value as string)) {
    diagnostics.error(
      'default-not-in-options',
      `The default \`${String(value.value)}\` of input \`${name}\` is not one of its options ${listOfNames(input.options)}.`,
      value.at,
    );
    return undefined;
  }
  return value.value;
}
