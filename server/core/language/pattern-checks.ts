// Diagnostics of one branch, tag or path filter pattern: its syntax (`bad-glob`) and its lints, each at the
// character at fault. The grammar and the lints live in core/filter-pattern, shared with the matcher.
import { parseFilterPattern, patternLints, type PatternKind } from '../filter-pattern/index.js';
import type { DiagnosticList, Position } from './diagnostics.js';
import type { Located } from './value-readers.js';

/** Where the source wrote the pattern's character number `offset` (code points), or the string for null. */
function positionOfCharacter(pattern: Located<string>, offset: number | null): Position {
  if (offset === null || pattern.charAt === undefined) return pattern.at;
  const unitIndex = Array.from(pattern.value).slice(0, offset).join('').length;
  return pattern.charAt(unitIndex);
}

export function checkFilterPattern(pattern: Located<string>, kind: PatternKind, diagnostics: DiagnosticList): void {
  const parsed = parseFilterPattern(pattern.value);
  if (!parsed.ok) {
    for (const problem of parsed.problems) {
      const hint = problem.hint === undefined ? '' : `; ${problem.hint}`;
      diagnostics.error('bad-glob', `\`${pattern.value}\` is not a valid pattern: ${problem.message}${hint}.`, positionOfCharacter(pattern, problem.offset));
    }
    return;
  }
  for (const lint of patternLints(pattern.value, kind, parsed.pattern)) {
    diagnostics[lint.severity](lint.code, `${lint.message}.`, positionOfCharacter(pattern, lint.offset));
  }
}
