// Finds the `@workflow` functions of a module. Only top-level statements are visited (plus the blocks of
// top-level `if`/`try`/`class`/… to flag workflows placed there), so the cost stays far below the parse.
import type { Node } from 'web-tree-sitter';
import type { DiagnosticList } from './diagnostics.js';
import { Evaluator } from './evaluate.js';
import type { TopLevelStatement } from './module-scope.js';
import { ModuleScope } from './module-scope.js';
import { fieldOf, namedChildrenOf, positionOf, textOf } from './tree-helpers.js';
import type { DecoratedWorkflow } from './workflow-decorator.js';
import { readWorkflowDecorator } from './workflow-decorator.js';

const BLOCK_STATEMENTS: ReadonlyMap<string, string> = new Map([
  ['if_statement', 'an `if` block'], ['for_statement', 'a `for` loop'], ['while_statement', 'a `while` loop'],
  ['try_statement', 'a `try` block'], ['with_statement', 'a `with` block'], ['match_statement', 'a `match` block'],
  ['class_definition', 'a class'],
]);

export function extractWorkflows(
  root: Node,
  source: string,
  fileHasSyntaxErrors: boolean,
  diagnostics: DiagnosticList,
): DecoratedWorkflow[] {
  const statements: TopLevelStatement[] = namedChildrenOf(root, source).map((node) => ({ node, type: node.type }));
  const scope = new ModuleScope(statements, source);
  const evaluator = new Evaluator(scope, source, diagnostics, fileHasSyntaxErrors);
  const workflows: DecoratedWorkflow[] = [];

  const workflowDecorators = (decorated: Node): { decorator: Node; expression: Node }[] => {
    const found: { decorator: Node; expression: Node }[] = [];
    for (const child of namedChildrenOf(decorated, source)) {
      if (child.type !== 'decorator') continue;
      const expression = namedChildrenOf(child, source)[0];
      if (expression === undefined) continue;
      const callee = expression.type === 'call' ? fieldOf(expression, 'function') : expression;
      if (callee !== null && scope.plueNameOf(callee) === 'workflow') found.push({ decorator: child, expression });
    }
    return found;
  };

  const workflowFunctions = new Map<string, number>();
  const readDecorated = (decorated: Node): void => {
    const found = workflowDecorators(decorated);
    const definition = fieldOf(decorated, 'definition');
    if (definition === null) return;
    if (found.length === 0) {
      if (definition.type === 'class_definition') reportNestedWorkflows(definition, 'a class', source, workflowDecorators, diagnostics);
      return;
    }
    if (definition.type !== 'function_definition') {
      for (const { decorator } of found) {
        diagnostics.error('misplaced-workflow', '`@workflow` must decorate a function (`def`), not a class.', positionOf(decorator));
      }
      return;
    }
    const nameNode = fieldOf(definition, 'name');
    const functionName = nameNode === null ? '' : textOf(nameNode, source);
    const line = definition.startPosition.row + 1;
    for (const [index, { decorator, expression }] of found.entries()) {
      // A function is one workflow, and Python keeps only the last `def` of a name.
      const firstLine = workflowFunctions.get(functionName);
      if (index > 0) {
        diagnostics.error('duplicate-function', `\`${functionName}\` already has a \`@workflow\` decorator; a function is one workflow, so remove this one.`, positionOf(decorator));
        continue;
      }
      if (firstLine !== undefined) {
        diagnostics.error('duplicate-function', `A function named \`${functionName}\` is already a workflow (line ${firstLine}); Python keeps only the last \`def ${functionName}\`, so rename one of them.`, positionOf(decorator));
        continue;
      }
      workflowFunctions.set(functionName, line);
      const argumentList = expression.type === 'call' ? fieldOf(expression, 'arguments') : null;
      const args = argumentList === null ? undefined : argumentList.type === 'argument_list' ? evaluator.callArguments(argumentList) : [];
      const at = positionOf(decorator);
      workflows.push(readWorkflowDecorator({ at, args, functionName, line }, diagnostics));
    }
  };

  for (const { node, type } of statements) {
    const where = BLOCK_STATEMENTS.get(type);
    if (type === 'decorated_definition') readDecorated(node);
    else if (where !== undefined) reportNestedWorkflows(node, where, source, workflowDecorators, diagnostics);
  }
  return workflows;
}

/** Workflows inside a top-level block are not registered reliably (or at all), so each is an error. */
function reportNestedWorkflows(
  block: Node,
  where: string,
  source: string,
  workflowDecorators: (decorated: Node) => { decorator: Node }[],
  diagnostics: DiagnosticList,
): void {
  const pending: Node[] = [block];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    for (const child of namedChildrenOf(node, source)) {
      const type = child.type;
      if (type === 'decorated_definition') {
        for (const { decorator } of workflowDecorators(child)) {
          diagnostics.error('misplaced-workflow', `\`@workflow\` only works on functions at the top level of the module; this one is inside ${where}.`, positionOf(decorator));
        }
        const definition = fieldOf(child, 'definition');
        if (definition?.type === 'class_definition') pending.push(definition);
      } else if (type === 'block' || type.endsWith('_clause') || BLOCK_STATEMENTS.has(type)) {
        pending.push(child);
      }
    }
  }
}
