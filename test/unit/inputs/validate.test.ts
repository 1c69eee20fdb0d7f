import { describe, expect, it } from 'vitest';
import { validateInputs } from '../../../server/core/inputs/validate.js';
import type { ManualInput } from '../../../server/core/language/model.js';

const SPECS: Record<string, ManualInput> = {
  environment: { type: 'choice', required: true, options: ['staging', 'production'] },
  dry_run: { type: 'boolean', required: false, default: true },
  replicas: { type: 'number', required: false },
  note: { type: 'string', required: false, default: '' },
};

describe('validateInputs', () => {
  it.each([
    { name: 'fills defaults', given: { environment: 'staging' }, inputs: { environment: 'staging', dry_run: true, note: '' } },
    { name: 'converts strings to the declared types', given: { environment: 'production', dry_run: 'false', replicas: '3' },
      inputs: { environment: 'production', dry_run: false, replicas: 3, note: '' } },
    { name: 'keeps native JSON types', given: { environment: 'staging', dry_run: false, replicas: 2.5, note: 'hi' },
      inputs: { environment: 'staging', dry_run: false, replicas: 2.5, note: 'hi' } },
  ])('accepts: $name', ({ given, inputs }) => {
    expect(validateInputs(SPECS, given)).toEqual({ ok: true, inputs });
  });

  it.each([
    { name: 'a missing required input', given: {}, problems: [['environment', 'missing-input']] },
    { name: 'an unknown input', given: { environment: 'staging', colour: 'red' }, problems: [['colour', 'unknown-input']] },
    { name: 'a choice outside the options', given: { environment: 'prod' }, problems: [['environment', 'not-an-option']] },
    { name: 'a wrong boolean', given: { environment: 'staging', dry_run: 'yes' }, problems: [['dry_run', 'wrong-type']] },
    { name: 'a wrong number', given: { environment: 'staging', replicas: 'many' }, problems: [['replicas', 'wrong-type']] },
    { name: 'an infinite number', given: { environment: 'staging', replicas: 'Infinity' }, problems: [['replicas', 'wrong-type']] },
    { name: 'a string given a number', given: { environment: 'staging', note: 5 }, problems: [['note', 'wrong-type']] },
    { name: 'a list where a string goes', given: { environment: ['staging'] }, problems: [['environment', 'wrong-type']] },
    { name: 'every problem at once', given: { environment: 'x', dry_run: 1, extra: 1 },
      problems: [['extra', 'unknown-input'], ['environment', 'not-an-option'], ['dry_run', 'wrong-type']] },
    { name: 'inputs that are not an object', given: ['staging'], problems: [['', 'not-an-object']] },
    { name: '__proto__ is just an unknown name', given: JSON.parse('{"environment":"staging","__proto__":{"x":1}}'), problems: [['__proto__', 'unknown-input']] },
  ])('rejects $name, naming each problem', ({ given, problems }) => {
    const result = validateInputs(SPECS, given);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => [p.input, p.code])).toEqual(problems);
  });

  // Input names that are also members of every JS object: only the caller's own keys count.
  const OBJECT_NAMED = Object.fromEntries<ManualInput>([
    ['constructor', { type: 'string', required: false, default: 'c' }],
    ['toString', { type: 'number', required: true }],
    ['hasOwnProperty', { type: 'boolean', required: false }],
    ['valueOf', { type: 'string', required: false }],
  ]);
  type Case = { name: string; given: Record<string, unknown>; inputs: Record<string, unknown> };
  it.each<Case>([
    { name: 'defaults and conversions', given: { toString: '2' }, inputs: { constructor: 'c', toString: 2 } },
    { name: 'given values', given: { constructor: 'x', toString: 1, hasOwnProperty: 'true', valueOf: 'v' },
      inputs: { constructor: 'x', toString: 1, hasOwnProperty: true, valueOf: 'v' } },
  ])('accepts inputs named like Object members: $name', ({ given, inputs }) => {
    const result = validateInputs(OBJECT_NAMED, given);
    expect(result).toEqual({ ok: true, inputs });
    if (result.ok) expect(Object.keys(result.inputs).sort()).toEqual(Object.keys(inputs).sort());
  });

  it.each<{ name: string; given: Record<string, unknown>; problems: string[][] }>([
    { name: 'a missing required one (not the inherited method)', given: {}, problems: [['toString', 'missing-input']] },
    { name: 'an inherited name that is not an input', given: { toString: 1, isPrototypeOf: 'x' }, problems: [['isPrototypeOf', 'unknown-input']] },
    { name: 'a wrong type', given: { toString: 'many', constructor: 5 }, problems: [['constructor', 'wrong-type'], ['toString', 'wrong-type']] },
  ])('rejects inputs named like Object members: $name', ({ given, problems }) => {
    const result = validateInputs(OBJECT_NAMED, given);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => [p.input, p.code])).toEqual(problems);
  });

  it('never takes an inherited member for a spec or a value', () => {
    const result = validateInputs(Object.fromEntries<ManualInput>([['constructor', { type: 'string', required: false }]]), {});
    expect(result).toEqual({ ok: true, inputs: {} });
    if (result.ok) expect(Object.hasOwn(result.inputs, 'constructor')).toBe(false);
  });

  it('takes no inputs at all for a workflow without inputs', () => {
    expect(validateInputs({}, undefined)).toEqual({ ok: true, inputs: {} });
    const result = validateInputs({}, { a: 1 });
    expect(result.ok).toBe(false);
  });
});
