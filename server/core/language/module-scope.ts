// What the module's top level tells us: how `plue` and its functions are imported, and which names are
// constants (bound exactly once, by `NAME = value`). Constants are collected lazily, on first use.
import type { Node } from 'web-tree-sitter';
import { fieldOf, namedChildrenOf, textOf } from './tree-helpers.js';

export interface TopLevelStatement {
  node: Node;
  type: string;
}

type Binding =
  | { kind: 'assignment'; value: Node; end: number; line: number }
  | { kind: 'other'; how: string; line: number };

export type ConstantLookup = { value: Node } | { problem: string };

const COMPOUND_STATEMENTS: ReadonlyMap<string, string> = new Map([
  ['if_statement', 'an `if` block'], ['for_statement', 'a `for` loop'], ['while_statement', 'a `while` loop'],
  ['try_statement', 'a `try` block'], ['with_statement', 'a `with` block'], ['match_statement', 'a `match` block'],
]);

const MAX_NAME_SEARCHES = 8;

export class ModuleScope {
  /** Local names of the `plue` module (`import plue as p` adds `p`). */
  private readonly moduleNames = new Set(['plue']);
  /** Local name → name in `plue`, from `from plue import workflow as wf`. */
  private readonly importedNames = new Map<string, string>();
  /** Bindings per name, collected on first lookup of that name. */
  private readonly bindings = new Map<string, Binding[]>();
  private allBindings: Map<string, Binding[]> | undefined;

  constructor(
    private readonly statements: readonly TopLevelStatement[],
    private readonly source: string,
  ) {
    for (const { node, type } of statements) {
      if (type === 'import_statement') this.addPlueModuleImport(node);
      else if (type === 'import_from_statement') this.addPlueNameImport(node);
    }
  }

  /**
   * The `plue` function an expression names: `push` → push, `wf` → workflow (when imported so),
   * `plue.push` / `p.push` → push. Bare names count even when not imported. Undefined for anything else.
   */
  plueNameOf(node: Node): string | undefined {
    const type = node.type;
    if (type === 'identifier') {
      const name = textOf(node, this.source);
      return this.importedNames.get(name) ?? name;
    }
    if (type !== 'attribute') return undefined;
    const object = fieldOf(node, 'object');
    const attribute = fieldOf(node, 'attribute');
    if (object?.type !== 'identifier' || attribute === null) return undefined;
    return this.moduleNames.has(textOf(object, this.source)) ? textOf(attribute, this.source) : undefined;
  }

  /** The value node of module constant `name` used at source index `usedAt`, or why it is not a constant. */
  constant(name: string, usedAt: number): ConstantLookup {
    let bindings = this.bindings.get(name);
    if (bindings === undefined) {
      // A few names: search for each. Many names (a big generated file): one pass over every statement.
      if (this.bindings.size < MAX_NAME_SEARCHES) {
        bindings = this.collectBindings(name);
        this.bindings.set(name, bindings);
      } else {
        this.allBindings ??= this.collectAllBindings();
        bindings = this.allBindings.get(name) ?? [];
      }
    }
    const first = bindings[0];
    if (first === undefined) {
      return { problem: `\`${name}\` is not defined at module level; workflow options must be literals or module-level constants` };
    }
    if (bindings.length > 1) {
      const shown = bindings.slice(0, 5).map((b) => b.line).join(', ');
      const lines = bindings.length > 5 ? `${shown}, …` : shown;
      return { problem: `\`${name}\` is bound ${bindings.length} times at module level (lines ${lines}); a constant must be assigned exactly once` };
    }
    if (first.kind === 'other') {
      return { problem: `\`${name}\` is bound by ${first.how} on line ${first.line}; a constant must be a plain \`${name} = value\` at module level` };
    }
    if (first.end > usedAt) {
      return { problem: `\`${name}\` is assigned on line ${first.line}, after it is used here; move the assignment up` };
    }
    return { value: first.value };
  }

  private addPlueModuleImport(node: Node): void {
    for (const child of namedChildrenOf(node, this.source)) {
      if (child.type !== 'aliased_import') continue;
      const name = fieldOf(child, 'name');
      const alias = fieldOf(child, 'alias');
      if (name !== null && alias !== null && textOf(name, this.source) === 'plue') {
        this.moduleNames.add(textOf(alias, this.source));
      }
    }
  }

  private addPlueNameImport(node: Node): void {
    const [module, ...names] = namedChildrenOf(node, this.source);
    if (module === undefined || textOf(module, this.source) !== 'plue') return;
    for (const child of names) {
      if (child.type !== 'aliased_import') continue;
      const name = fieldOf(child, 'name');
      const alias = fieldOf(child, 'alias');
      if (name !== null && alias !== null) this.importedNames.set(textOf(alias, this.source), textOf(name, this.source));
    }
  }

  private collectAllBindings(): Map<string, Binding[]> {
    const bindings = new Map<string, Binding[]>();
    const collector = new BindingCollector(this.source, (name, binding) => {
      const list = bindings.get(name);
      if (list === undefined) bindings.set(name, [binding]);
      else list.push(binding);
    });
    for (const { node, type } of this.statements) collector.statement(node, type, undefined);
    return bindings;
  }

  /**
   * Every module-level binding of `name`. Only statements whose text contains `name` can bind it, and finding
   * those is a plain string search, so most statements of a big file are never looked at through wasm.
   */
  private collectBindings(name: string): Binding[] {
    const bindings: Binding[] = [];
    const collector = new BindingCollector(this.source, (bound, binding) => {
      if (bound === name) bindings.push(binding);
    });
    let index = 0;
    for (let at = this.source.indexOf(name); at >= 0; at = this.source.indexOf(name, at + name.length)) {
      // Statements are in source order: skip to the one containing `at` (a statement ends where the next begins).
      while (index + 1 < this.statements.length && (this.statements[index + 1] as TopLevelStatement).node.startIndex <= at) index++;
      const statement = this.statements[index];
      if (statement === undefined || statement.node.startIndex > at) continue;
      collector.statement(statement.node, statement.type, undefined);
      // The statement is done: continue the search after it.
      const next = this.statements[index + 1];
      if (next === undefined) break;
      at = Math.max(at, next.node.startIndex - name.length);
      index++;
    }
    return bindings;
  }
}

/** Finds every name a module-level statement binds, descending into `if`/`for`/`try`/… blocks. */
class BindingCollector {
  constructor(
    private readonly source: string,
    private readonly bind: (name: string, binding: Binding) => void,
  ) {}

  /** `nestedIn` names the enclosing block; a binding there is never a constant. */
  statement(node: Node, type: string, nestedIn: string | undefined): void {
    const line = node.startPosition.row + 1;
    switch (type) {
      case 'expression_statement':
        for (const child of namedChildrenOf(node, this.source)) {
          const childType = child.type;
          if (childType === 'assignment') this.assignment(child, nestedIn);
          else if (childType === 'augmented_assignment') this.targets(fieldOf(child, 'left'), 'an augmented assignment', line);
        }
        return;
      case 'import_statement':
      case 'import_from_statement':
        this.imports(node, type === 'import_from_statement', line);
        return;
      case 'function_definition':
      case 'class_definition':
        this.targets(fieldOf(node, 'name'), type === 'class_definition' ? 'a `class`' : 'a `def`', line);
        return;
      case 'decorated_definition': {
        const definition = fieldOf(node, 'definition');
        if (definition !== null) this.statement(definition, definition.type, nestedIn);
        return;
      }
    }
    const how = COMPOUND_STATEMENTS.get(type);
    if (how === undefined) return;
    if (type === 'for_statement') this.targets(fieldOf(node, 'left'), how, line);
    this.blocks(node, how);
  }

  private blocks(node: Node, how: string): void {
    for (const child of namedChildrenOf(node, this.source)) {
      const type = child.type;
      if (type === 'block') {
        for (const statement of namedChildrenOf(child, this.source)) {
          const statementType = statement.type;
          if (statementType.endsWith('_clause')) this.blocks(statement, how);
          else this.statement(statement, statementType, how);
        }
      } else if (type.endsWith('_clause')) {
        this.blocks(child, how);
      }
    }
  }

  private assignment(node: Node, nestedIn: string | undefined): void {
    const line = node.startPosition.row + 1;
    const end = node.endIndex;
    const targets: Node[] = [];
    let current: Node | null = node;
    let value: Node | null = null;
    while (current !== null && current.type === 'assignment') {
      const left = fieldOf(current, 'left');
      if (left !== null) targets.push(left);
      value = fieldOf(current, 'right');
      current = value;
    }
    if (value === null) return; // `X: int` annotates without binding
    for (const target of targets) {
      if (target.type === 'identifier' && nestedIn === undefined) {
        this.bind(textOf(target, this.source), { kind: 'assignment', value, end, line });
      } else {
        this.targets(target, nestedIn === undefined ? 'an unpacking assignment' : `an assignment inside ${nestedIn}`, line);
      }
    }
  }

  private imports(node: Node, isFrom: boolean, line: number): void {
    const children = namedChildrenOf(node, this.source);
    for (const child of isFrom ? children.slice(1) : children) {
      const type = child.type;
      if (type === 'aliased_import') {
        this.targets(fieldOf(child, 'alias'), 'an import', line);
      } else if (type === 'dotted_name') {
        const first = child.firstNamedChild;
        if (first !== null) this.targets(first, 'an import', line);
      }
    }
  }

  /** Binds every plain name in an assignment target such as `a`, `a, b` or `[a, (b, c)]`. */
  private targets(target: Node | null, how: string, line: number): void {
    // A stack, not recursion: targets can be nested thousands of parentheses deep.
    const pending = target === null ? [] : [target];
    for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
      const type = node.type;
      if (type === 'identifier') this.bind(textOf(node, this.source), { kind: 'other', how, line });
      else if (type !== 'attribute' && type !== 'subscript') pending.push(...namedChildrenOf(node, this.source));
    }
  }
}
