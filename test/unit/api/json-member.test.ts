import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawJsonMember } from '../../../server/core/api/json-member.js';

describe('rawJsonMember', () => {
  it.each([
    ['{"payload": {"n": 1e400, "big": 12345678901234567890}}', 'payload', '{"n": 1e400, "big": 12345678901234567890}'],
    ['{"a": "x\\"}", "payload": [1, {"b": "]"}], "c": 2}', 'payload', '[1, {"b": "]"}]'],
    ['{"payload": 1, "payload": 2}', 'payload', '2'],
    [' { "x" : true , "payload" : -0.5e-3 } ', 'payload', '-0.5e-3'],
    ['{"pay\\u006coad": null}', 'payload', 'null'],
    ['{"other": 1}', 'payload', undefined],
    ['[1, 2]', 'payload', undefined],
  ])('%s', (text, key, expected) => {
    expect(rawJsonMember(text, key)).toBe(expected);
  });

  it('gives text that parses to what JSON.parse gives for the member', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (object, key) => {
      const text = JSON.stringify(object, null, object.length ? 1 : undefined);
      const raw = rawJsonMember(text, key);
      if (Object.hasOwn(object, key)) expect(JSON.parse(raw!)).toEqual(JSON.parse(text)[key]);
      else expect(raw).toBeUndefined();
    }), { numRuns: 500 });
  });
});
