// Branch, tag and path filter patterns: one grammar (parse), one matcher (match) and the lints (lints), shared by
// the workflow language (core/language) and the event matcher (core/match).
export { parseFilterPattern } from './parse.js';
export type { ParsedPattern, ParseResult, PatternNode, PatternProblem, Repeat, SetRange } from './parse.js';
export { patternMatcher } from './match.js';
export { patternLints } from './lints.js';
export type { PatternKind, PatternLint } from './lints.js';
