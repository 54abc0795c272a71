/**
 * A filter as SQL over the exchanges table (aliased x): indexed columns and the trigram index do
 * the narrowing; only regular expressions and short (< 3 character) texts scan.
 */
import { textMatchSql } from '../session/text-search.js';
import type { FilterAst } from './parser.js';
import type { StringMatch, Term, TextColumn } from './terms.js';

export interface CompiledFilter {
  where: string;
  params: unknown[];
}

/** A glob (only * is special) as a GLOB pattern: other GLOB metacharacters taken literally. */
export function globPattern(glob: string): string {
  return glob.replace(/[[\]?]/g, (c) => `[${c}]`);
}

/** A glob as a LIKE pattern (ESCAPE '\'): * is %, LIKE's own wildcards escaped. */
export function likePattern(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%');
}

function stringSql(column: string, m: StringMatch, params: unknown[]): string {
  const col = `x.${column}`;
  switch (m.kind) {
    case 'eq':
      params.push(m.value);
      return m.nocase ? `${col} = ? COLLATE NOCASE` : `${col} = ?`;
    case 'glob':
      params.push(m.nocase ? likePattern(m.value) : globPattern(m.value));
      return m.nocase ? `${col} LIKE ? ESCAPE '\\'` : `${col} GLOB ?`;
    case 'regex':
      params.push(m.pattern.source, m.pattern.flags);
      return `tt_regexp(?, ?, ${col})`;
    case 'contains':
      params.push(m.value);
      return `instr(lower(${col}), ?) > 0`;
    case 'pathPrefix':
      params.push(m.value, m.value.length + (m.value.endsWith('/') ? 0 : 1), m.value.endsWith('/') ? m.value : `${m.value}/`);
      return `(${col} = ? OR substr(${col}, 1, ?) = ?)`;
  }
}

function textColumnsSql(columns: TextColumn[], build: (c: TextColumn) => string): string {
  return columns.map(build).join(' OR ');
}

function termSql(term: Term, params: unknown[]): string {
  switch (term.t) {
    case 'text': {
      const m = textMatchSql(term.text, term.columns);
      params.push(...m.params);
      return `x.id IN (${m.sql})`;
    }
    case 'textRegex':
      for (const _ of term.columns) params.push(term.pattern.source, term.pattern.flags);
      return `x.id IN (SELECT id FROM exchange_text WHERE ${textColumnsSql(term.columns, (c) => `tt_regexp(?, ?, ${c})`)})`;
    case 'string':
      return `(${term.columns.map((c) => stringSql(c, term.match, params)).join(' OR ')})`;
    case 'number': {
      const parts = term.columns.map((c) => {
        params.push(term.value);
        return `x.${c} ${term.cmp} ?`;
      });
      return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
    }
    case 'status':
      return `(${term.ranges
        .map(([lo, hi]) => {
          if (lo === hi) {
            params.push(lo);
            return 'x.status = ?';
          }
          params.push(lo, hi);
          return 'x.status BETWEEN ? AND ?';
        })
        .join(' OR ')})`;
    case 'header': {
      // the trigram index finds exchanges whose headers mention the name; tt_header checks the line
      const needle = `${term.name}:`;
      const m = textMatchSql(needle, term.columns);
      params.push(...m.params);
      const check = term.columns.map((c) => {
        params.push(term.name, term.contains);
        return `tt_header(${c}, ?, ?)`;
      });
      return `x.id IN (SELECT id FROM exchange_text WHERE id IN (${m.sql}) AND (${check.join(' OR ')}))`;
    }
    case 'flags':
      params.push(term.mask);
      return '(x.flags & ?) != 0';
    case 'error':
      return '(x.status >= 400 OR x.error IS NOT NULL)';
    case 'response':
      return term.present ? 'x.status IS NOT NULL' : 'x.status IS NULL';
  }
}

function astSql(ast: FilterAst, params: unknown[]): string {
  switch (ast.type) {
    case 'all':
      return '1';
    case 'term':
      return termSql(ast.term, params);
    case 'not':
      // NULL columns (no response) make comparisons NULL: a negated term must still be true then
      return `NOT coalesce(${astSql(ast.item, params)}, 0)`;
    case 'and':
      return `(${ast.items.map((i) => astSql(i, params)).join(' AND ')})`;
    case 'or':
      return `(${ast.items.map((i) => astSql(i, params)).join(' OR ')})`;
  }
}

export function compileFilter(ast: FilterAst): CompiledFilter {
  const params: unknown[] = [];
  const where = astSql(ast, params);
  return { where, params };
}
