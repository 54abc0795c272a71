/**
 * The filter language shared by every command and the TUI (docs/filter-language.md):
 * parse → AST → SQL where clause, or an in-memory predicate with the same meaning.
 */
export { FilterError } from './errors.js';
export type { Cmp, FilterAst, HeaderScope, IsWhat, PathPattern, Regex, StatusRange, StringPattern, Term, TextField, TextScope, TimeSpec } from './ast.js';
export { parseFilter } from './parser.js';
export { describeFilter } from './describe.js';
export { type CompileOptions, type CompiledFilter, compileFilter } from './compile-sql.js';
export { registerFilterFunctions } from './functions.js';
export { type FilterSubject, type MatchOptions, matchesExchange, subjectFromExchange } from './predicate.js';
