// Reading typed option values out of static values, reporting `wrong-type` (and call keyword problems).
import type { DiagnosticList, Position } from './diagnostics.js';
import type { CallArgument, StaticValue } from './static-value.js';
import { describeValue } from './static-value.js';
import { didYouMean, listOfNames } from './suggest.js';

export interface Located<T> {
  value: T;
  at: Position;
  /** For a string: where the source wrote the value's UTF-16 unit `index`. */
  charAt?: (index: number) => Position;
}

export interface KeywordValue {
  value: StaticValue;
  /** Position of the keyword's name. */
  at: Position;
}

/**
 * The keyword arguments of a call, checked against `allowed`. Reports `positional-argument`, `unknown-keyword`
 * and `duplicate-keyword`; the returned map holds each allowed keyword's first value.
 */
export function readKeywords(
  callName: string,
  args: readonly CallArgument[],
  allowed: readonly string[],
  diagnostics: DiagnosticList,
): Map<string, KeywordValue> {
  const keywords = new Map<string, KeywordValue>();
  for (const arg of args) {
    if (arg.kind === 'positional') {
      const hint = allowed.length === 0 ? 'takes no arguments' : `takes keyword arguments only, such as \`${allowed[0]}=...\``;
      diagnostics.error('positional-argument', `\`${callName}()\` ${hint}.`, arg.value.at);
      continue;
    }
    if (!allowed.includes(arg.name)) {
      const options = allowed.length === 0
        ? `\`${callName}()\` takes no arguments.`
        : `\`${callName}()\` has no option \`${arg.name}\`.${didYouMean(arg.name, allowed) || ` Its options are ${listOfNames(allowed, 'and')}.`}`;
      diagnostics.error('unknown-keyword', options, arg.at);
      continue;
    }
    if (keywords.has(arg.name)) {
      diagnostics.error('duplicate-keyword', `\`${arg.name}\` is given more than once; give it once.`, arg.at);
      continue;
    }
    keywords.set(arg.name, { value: arg.value, at: arg.at });
  }
  return keywords;
}

/**
 * Reports a value that is not what `what` needs: `wrong-type`, or `non-static` for a call to a function that
 * is not a `plue` trigger (a value nobody can know without running Python). Silent for invalid values.
 */
export function reportUnexpected(what: string, expected: string, value: StaticValue, diagnostics: DiagnosticList): undefined {
  if (value.kind === 'call' && !value.known) {
    diagnostics.error('non-static', `\`${value.callee}()\` is a function call, which needs running Python; workflow options must be literals or module-level constants.`, value.at);
  } else if (value.kind !== 'invalid') {
    diagnostics.error('wrong-type', `${what} must be ${expected}, got ${describeValue(value)}.`, value.at);
  }
  return undefined;
}

const wrongType = reportUnexpected;

export function readString(value: StaticValue, what: string, diagnostics: DiagnosticList): string | undefined {
  if (value.kind === 'string') return value.value;
  return wrongType(what, 'a string', value, diagnostics);
}

export function readBool(value: StaticValue, what: string, diagnostics: DiagnosticList): boolean | undefined {
  if (value.kind === 'bool') return value.value;
  return wrongType(what, 'a bool (`True` or `False`)', value, diagnostics);
}

/** A string or a list/tuple of strings (a single string is a one-element list). Undefined if any item is wrong. */
export function readStringList(
  value: StaticValue,
  what: string,
  diagnostics: DiagnosticList,
): Located<string>[] | undefined {
  if (value.kind === 'string') return [located(value)];
  if (value.kind !== 'list') return wrongType(what, 'a string or a list of strings', value, diagnostics);
  const items: Located<string>[] = [];
  let ok = true;
  for (const item of value.items) {
    if (item.kind === 'string') items.push(located(item));
    else ok = wrongType(`Each item of ${what}`, 'a string', item, diagnostics) ?? false;
  }
  return ok ? items : undefined;
}

function located(value: Extract<StaticValue, { kind: 'string' }>): Located<string> {
  return value.charAt === undefined ? { value: value.value, at: value.at } : { value: value.value, at: value.at, charAt: value.charAt };
}

/** Like readStringList, but an empty list is an error: it would silently match nothing. */
export function readNonEmptyStringList(
  value: StaticValue,
  what: string,
  emptyHint: string,
  diagnostics: DiagnosticList,
): Located<string>[] | undefined {
  const items = readStringList(value, what, diagnostics);
  if (items?.length === 0) {
    diagnostics.error('wrong-type', `${what} is an empty list; ${emptyHint}.`, value.at);
    return undefined;
  }
  return items;
}
