/** The filter language shared by every command and the TUI (README.md "Filters"). */
export { FilterError } from './lexer.js';
export { type FilterAst, describeFilter, parseFilter } from './parser.js';
export { type CompiledFilter, compileFilter } from './compile-sql.js';
export { registerFilterFunctions } from './functions.js';
export { type FilterSubject, matchesExchange, subjectFromExchange } from './predicate.js';
