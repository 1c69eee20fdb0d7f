// Static values: what a decorator argument means without running Python. Plain data with positions,
// produced by `evaluate.ts` and read by the decorator and trigger readers.
import type { Position } from './diagnostics.js';

export type StaticValue =
  /** `charAt(i)`: where the source wrote the value's UTF-16 unit `i` (an escape: its backslash). */
  | { kind: 'string'; value: string; at: Position; charAt?: (index: number) => Position }
  | { kind: 'bytes'; at: Position }
  | { kind: 'number'; value: number; at: Position }
  | { kind: 'bool'; value: boolean; at: Position }
  | { kind: 'none'; at: Position }
  | { kind: 'list'; items: StaticValue[]; tuple: boolean; at: Position }
  | { kind: 'dict'; entries: DictEntry[]; at: Position }
  | StaticCall
  /** Not a usable value; the reason is already reported (non-static value or syntax error). */
  | { kind: 'invalid'; at: Position };

export interface DictEntry {
  key: StaticValue;
  value: StaticValue;
}

export interface StaticCall {
  kind: 'call';
  /** The `plue` function called (`push` for `plue.push(...)`), or the callee's source text when unknown. */
  callee: string;
  /** Whether `callee` is a `plue` function; arguments are only read for those. */
  known: boolean;
  args: CallArgument[];
  at: Position;
}

export type CallArgument =
  | { kind: 'keyword'; name: string; at: Position; value: StaticValue }
  | { kind: 'positional'; value: StaticValue };

/** "a string", "a list", … for "must be X, got Y" messages. */
export function describeValue(value: StaticValue): string {
  switch (value.kind) {
    case 'string': return 'a string';
    case 'bytes': return 'a bytes literal';
    case 'number': return 'a number';
    case 'bool': return value.value ? '`True`' : '`False`';
    case 'none': return '`None`';
    case 'list': return value.tuple ? 'a tuple' : 'a list';
    case 'dict': return 'a dict';
    case 'call': return `a call to \`${value.callee}()\``;
    case 'invalid': return 'an invalid value';
  }
}
