// Turns decorator argument nodes into static values. Anything that would need running Python is
// reported as `non-static` here, once, at the position of the offending expression.
import type { Node } from 'web-tree-sitter';
import type { DiagnosticList, Position } from './diagnostics.js';
import type { ModuleScope } from './module-scope.js';
import { decodeLocatedStringLiteral, decodeNumberLiteral } from './python-literal.js';
import type { CallArgument, DictEntry, StaticValue } from './static-value.js';
import { excerptOf, fieldOf, namedChildrenOf, positionOf, textOf } from './tree-helpers.js';

/** `plue` functions whose calls are read as values (their arguments are evaluated too). */
export const PLUE_FUNCTIONS: ReadonlySet<string> = new Set([
  'workflow', 'push', 'pull_request', 'issue', 'chat', 'manual', 'dispatch', 'schedule', 'workflow_run',
]);

// Far deeper than any real option value, and keeps recursion well inside the JS stack.
const MAX_DEPTH = 64;

const EXPRESSION_KINDS: ReadonlyMap<string, string> = new Map([
  ['attribute', 'an attribute access'], ['subscript', 'a subscript'], ['binary_operator', 'an arithmetic expression'],
  ['boolean_operator', 'a boolean expression'], ['comparison_operator', 'a comparison'], ['not_operator', 'a boolean expression'],
  ['conditional_expression', 'a conditional expression'], ['lambda', 'a lambda'], ['set', 'a set (use a list)'],
  ['list_comprehension', 'a comprehension'], ['dictionary_comprehension', 'a comprehension'],
  ['set_comprehension', 'a comprehension'], ['generator_expression', 'a generator'], ['await', 'an `await`'],
  ['named_expression', 'an assignment expression'], ['ellipsis', '`...`'],
]);

export class Evaluator {
  constructor(
    private readonly scope: ModuleScope,
    private readonly source: string,
    private readonly diagnostics: DiagnosticList,
    /** When the file has syntax errors, values touching them are skipped (already reported). */
    private readonly fileHasSyntaxErrors: boolean,
  ) {}

  value(node: Node, depth = 0): StaticValue {
    const at = positionOf(node);
    if (depth > MAX_DEPTH) return this.nonStatic(node, 'this value is nested too deeply to read', false);
    if (this.fileHasSyntaxErrors && node.hasError) return { kind: 'invalid', at };
    const type = node.type;
    switch (type) {
      case 'string':
      case 'concatenated_string':
        return this.string(node, type === 'string' ? [node] : namedChildrenOf(node, this.source));
      case 'integer':
      case 'float': {
        const value = decodeNumberLiteral(textOf(node, this.source));
        return value === undefined ? this.nonStatic(node, `\`${excerptOf(node, this.source)}\` is not supported; use a plain integer or float`, false) : { kind: 'number', value, at };
      }
      case 'true':
      case 'false':
        return { kind: 'bool', value: type === 'true', at };
      case 'none':
        return { kind: 'none', at };
      case 'unary_operator':
        return this.signedNumber(node, depth);
      case 'parenthesized_expression': {
        const inner = namedChildrenOf(node, this.source)[0];
        return inner === undefined ? { kind: 'invalid', at } : this.value(inner, depth + 1);
      }
      case 'list':
      case 'tuple':
        return { kind: 'list', tuple: type === 'tuple', items: this.items(node, depth), at };
      case 'dictionary':
        return { kind: 'dict', entries: this.entries(node, depth), at };
      case 'identifier':
        return this.constant(node, depth);
      case 'call':
        return this.call(node, depth);
      case 'ERROR':
        return { kind: 'invalid', at };
      default:
        return this.nonStatic(node, EXPRESSION_KINDS.get(type) ?? 'an expression');
    }
  }

  /** The arguments of a call's `argument_list`, in order. `*args`/`**kwargs` are reported and left out. */
  callArguments(argumentList: Node, depth = 0): CallArgument[] {
    const args: CallArgument[] = [];
    for (const child of namedChildrenOf(argumentList, this.source)) {
      const type = child.type;
      if (type === 'keyword_argument') {
        const parts = namedChildrenOf(child, this.source);
        const name = parts[0];
        const value = parts.length > 1 ? parts[parts.length - 1] : undefined;
        if (name === undefined || value === undefined || name.type !== 'identifier') continue; // syntax error
        args.push({ kind: 'keyword', name: textOf(name, this.source), at: positionOf(name), value: this.value(value, depth + 1) });
      } else if (type === 'list_splat' || type === 'dictionary_splat') {
        this.nonStatic(child, 'arguments unpacked with `*` or `**` cannot be read without running Python; write them out', false);
      } else if (type !== 'ERROR') {
        args.push({ kind: 'positional', value: this.value(child, depth + 1) });
      }
    }
    return args;
  }

  private string(node: Node, parts: readonly Node[]): StaticValue {
    const at = positionOf(node);
    let value = '';
    let isBytes = false;
    // Where each UTF-16 unit of the value was written in the source, for diagnostics about one character.
    const origins: number[] = [];
    for (const part of parts) {
      const literal = decodeLocatedStringLiteral(textOf(part, this.source));
      if (literal.kind === 'f-string') return this.nonStatic(part, 'an f-string is evaluated at run time; write a plain string', false);
      if (literal.kind === 'invalid') return this.nonStatic(part, literal.reason, false);
      if (literal.kind === 'bytes') isBytes = true;
      value += literal.value;
      for (const offset of literal.offsets) origins.push(part.startIndex + offset);
    }
    if (isBytes) return { kind: 'bytes', at };
    const source = this.source;
    const charAt = (index: number): Position => {
      const origin = origins[index];
      return origin === undefined ? at : positionAfter(at, source, node.startIndex, origin);
    };
    return { kind: 'string', value, at, charAt };
  }

  private signedNumber(node: Node, depth: number): StaticValue {
    const operand = fieldOf(node, 'argument');
    const sign = this.source[node.startIndex];
    const value = operand === null ? undefined : this.value(operand, depth + 1);
    if (value?.kind === 'number' && (sign === '-' || sign === '+')) {
      return { kind: 'number', value: sign === '-' ? -value.value : value.value, at: positionOf(node) };
    }
    if (value?.kind === 'invalid') return value;
    return this.nonStatic(node, 'an arithmetic expression');
  }

  private items(node: Node, depth: number): StaticValue[] {
    const items: StaticValue[] = [];
    for (const child of namedChildrenOf(node, this.source)) {
      if (child.type === 'list_splat') this.nonStatic(child, 'unpacking with `*` cannot be read without running Python', false);
      else items.push(this.value(child, depth + 1));
    }
    return items;
  }

  private entries(node: Node, depth: number): DictEntry[] {
    const entries: DictEntry[] = [];
    for (const child of namedChildrenOf(node, this.source)) {
      if (child.type !== 'pair') {
        if (child.type === 'dictionary_splat') this.nonStatic(child, 'unpacking with `**` cannot be read without running Python', false);
        continue;
      }
      const key = fieldOf(child, 'key');
      const value = fieldOf(child, 'value');
      if (key === null || value === null) continue;
      entries.push({ key: this.value(key, depth + 1), value: this.value(value, depth + 1) });
    }
    return entries;
  }

  private constant(node: Node, depth: number): StaticValue {
    const name = textOf(node, this.source);
    const lookup = this.scope.constant(name, node.startIndex);
    if ('value' in lookup) return this.value(lookup.value, depth + 1);
    if (PLUE_FUNCTIONS.has(this.scope.plueNameOf(node) ?? '')) {
      return this.nonStatic(node, `\`${name}\` is a function; call it, as in \`${name}()\``, false);
    }
    return this.nonStatic(node, lookup.problem, false);
  }

  private call(node: Node, depth: number): StaticValue {
    const at = positionOf(node);
    const callee = fieldOf(node, 'function');
    const name = callee === null ? undefined : this.scope.plueNameOf(callee);
    if (name === undefined || !PLUE_FUNCTIONS.has(name)) {
      return { kind: 'call', callee: callee === null ? '?' : excerptOf(callee, this.source), known: false, args: [], at };
    }
    const argumentList = fieldOf(node, 'arguments');
    if (argumentList?.type !== 'argument_list') {
      return argumentList === null ? { kind: 'invalid', at } : this.nonStatic(argumentList, 'a generator argument');
    }
    return { kind: 'call', callee: name, known: true, args: this.callArguments(argumentList, depth), at };
  }

  /** Reports `non-static` and returns an invalid value. `kind` describes what was found. */
  private nonStatic(node: Node, kind: string, describes = true): StaticValue {
    const at = positionOf(node);
    const message = describes
      ? `\`${excerptOf(node, this.source)}\` is ${kind}, which needs running Python; workflow options must be literals or module-level constants.`
      : capitalize(kind.endsWith('.') ? kind : `${kind}.`);
    this.diagnostics.error('non-static', message, at);
    return { kind: 'invalid', at };
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The position of `source[index]`, counting from `start`, the position of `source[startIndex]`. */
function positionAfter(start: Position, source: string, startIndex: number, index: number): Position {
  let line = start.line;
  let lineStart = -1;
  for (let i = source.indexOf('\n', startIndex); i >= 0 && i < index; i = source.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i;
  }
  return lineStart < 0 ? { line, column: start.column + index - startIndex } : { line, column: index - lineStart };
}
