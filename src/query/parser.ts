/**
 * The filter language's parser: text → FilterAst, or a FilterError pointing at the bad term.
 *
 * Written by hand, not with a parser generator or combinator library, for two reasons: errors
 * must point at the exact characters of the bad term and say what would be right (a generated
 * parser reports "unexpected token" at a position, not "bad status 'abc': use 404, 5xx..."),
 * and the grammar is our own and context-dependent (what `/…/` means depends on the key before
 * it; a mitmproxy operator's value is a raw regex), which a recursive descent over an on-demand
 * lexer (lexer.ts) expresses directly. docs/filter-language.md describes the language.
 *
 * Grammar (EBNF; keywords case-insensitive; terms side by side are ANDed):
 *
 *   filter   = [ or ] ;
 *   or       = and , { ( "or" | "|" | "||" ) , and } ;
 *   and      = unary , { [ "and" | "&" | "&&" ] , unary } ;
 *   unary    = ( "-" | "!" | "not" ) , unary | primary ;      (- and ! stick to what they negate)
 *   primary  = "(" , or , ")" | term ;
 *   term     = key , ":" , value          (* method:POST  body:"a b"  path:/^\/v\d+/ *)
 *            | mitm-op , [ raw-value ]    (* ~m POST  ~q *)
 *            | regex                      (* /\/users\/\d+/ : the URL *)
 *            | quoted | word ;            (* full-text search *)
 *   value    = quoted | regex | word ;
 *   key      = letter , { letter | "-" } ;
 *   mitm-op  = "~" , letter , { letter } ;
 *   raw-value = quoted | word ;
 *   quoted   = '"' , { char - '"' | '\"' | '\\' } , '"' ;
 *   regex    = "/" , source , "/" , { "i" | "m" | "s" } ;    (no whitespace; then space, ")" or the end)
 *   word     = { char - space } ;        (ends before a ")" that closes a group)
 */
import type { FilterAst } from './ast.js';
import { FilterError } from './errors.js';
import { KEYS, KEY_ALIASES, KNOWN_KEYS, MITM, own } from './keys.js';
import { Lexer, type Token, type ValueToken } from './lexer.js';
import { timeCutBySpace } from './time-values.js';

/** Deeper nesting than this is refused (a recursive parser must not overflow the stack). */
const MAX_DEPTH = 100;

/**
 * More conditions than this (terms, and the values of method:/status: lists) are refused:
 * SQLite plans a statement in time that grows faster than its terms (1000 take 0.1 s, 10000
 * take 15 s), and allows 32766 parameters (a text term binds ten).
 */
export const MAX_CONDITIONS = 1000;

const KNOWN_HINT = `known keys: ${KNOWN_KEYS.map((k) => `${k}:`).join(' ')}; mitmproxy's ${Object.keys(MITM).join(' ')}; to search for text with a ':' in it, put it in quotes`;

function flatten(type: 'and' | 'or', items: FilterAst[]): FilterAst {
  const flat = items.flatMap((i) => (i.type === type ? i.items : [i]));
  return flat.length === 1 ? flat[0] : { type, items: flat };
}

function describeToken(t: Token): string {
  return t.kind === 'and' || t.kind === 'or' || t.kind === 'not' ? `'${t.kind}'` : t.kind === 'rparen' ? "')'" : 'this';
}

/** How many conditions a term adds: each value of a list is one. */
function conditionsOf(ast: FilterAst): number {
  return ast.type === 'method' ? ast.methods.length : ast.type === 'status' ? ast.ranges.length : 1;
}

class Parser {
  private depth = 0;
  private conditions = 0;

  constructor(private readonly lexer: Lexer) {}

  parse(): FilterAst {
    if (!this.lexer.peek()) return { type: 'all' };
    const ast = this.or();
    const extra = this.lexer.next();
    if (extra) {
      // and() stops only at 'or', ')' or the end, and or() consumes every 'or': a ')' is left
      throw new FilterError("unmatched ')'", extra.start, extra.end, "remove it, or add a '(' before");
    }
    return ast;
  }

  /** The next token must start a term: not the end, ')', 'and' or 'or'. */
  private expectTerm(after: Token, problem: string): void {
    const t = this.lexer.peek();
    if (!t || t.kind === 'rparen' || t.kind === 'or' || t.kind === 'and')
      throw new FilterError(problem, after.start, after.end, t ? `${describeToken(t)} cannot follow it` : 'the filter ends after it');
  }

  private or(): FilterAst {
    const items = [this.and()];
    for (let t = this.lexer.peek(); t?.kind === 'or'; t = this.lexer.peek()) {
      this.lexer.next();
      this.expectTerm(t, `'${this.lexer.input.slice(t.start, t.end)}' needs a term after it`);
      items.push(this.and());
    }
    return flatten('or', items);
  }

  private and(): FilterAst {
    const items = [this.unary()];
    for (let t = this.lexer.peek(); t && t.kind !== 'or' && t.kind !== 'rparen'; t = this.lexer.peek()) {
      if (t.kind === 'and') {
        this.lexer.next();
        this.expectTerm(t, `'${this.lexer.input.slice(t.start, t.end)}' needs a term after it`);
      }
      items.push(this.unary());
    }
    return flatten('and', items);
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_DEPTH) throw new FilterError('the filter nests too deeply', t.start, t.end, `use at most ${MAX_DEPTH} levels of parentheses and negations`);
  }

  private unary(): FilterAst {
    const t = this.lexer.peek()!;
    if (t.kind !== 'not') return this.primary();
    this.lexer.next();
    this.expectTerm(t, 'nothing to negate');
    this.enter(t);
    const item = this.unary();
    this.depth--;
    return { type: 'not', item };
  }

  private primary(): FilterAst {
    const t = this.lexer.peek();
    const ast = this.primaryAt();
    if (t && t.kind !== 'lparen' && (this.conditions += conditionsOf(ast)) > MAX_CONDITIONS)
      throw new FilterError('the filter has too many terms', t.start, t.end, `use at most ${MAX_CONDITIONS} terms and list values (a regex can stand for many: path:/^\\/(a|b|c)$/)`);
    return ast;
  }

  private primaryAt(): FilterAst {
    const t = this.lexer.next();
    if (!t) throw new FilterError('the filter ends too soon', this.lexer.end, this.lexer.end);
    switch (t.kind) {
      case 'lparen': {
        const first = this.lexer.peek();
        if (first?.kind === 'rparen') throw new FilterError('empty parentheses', t.start, first.end, 'put a term between them, or remove them');
        if (!first) throw new FilterError("unclosed '('", t.start, t.end, "add a ')'");
        this.enter(t);
        const inner = this.or();
        this.depth--;
        const close = this.lexer.next();
        if (close?.kind !== 'rparen') throw new FilterError("unclosed '('", t.start, t.end, "add a ')'");
        return inner;
      }
      case 'rparen':
        throw new FilterError("unmatched ')'", t.start, t.end, "remove it, or add a '(' before");
      case 'and':
      case 'or':
      case 'not':
        throw new FilterError(`'${this.lexer.input.slice(t.start, t.end)}' needs a term before it`, t.start, t.end);
      case 'keyed':
        return this.keyed(t.key, t.value, t.start);
      case 'mitm':
        return this.mitm(t.op, t.start, t.end);
      case 'regex':
        return { type: 'text-regex', scope: 'url', regex: { source: t.source, flags: t.flags } };
      case 'word':
      case 'quoted':
        if (t.text === '') throw new FilterError('empty quotes', t.start, t.end, 'put the text to search for between them');
        return { type: 'text', scope: 'all', text: t.text };
    }
  }

  private keyed(key: string, value: ValueToken, start: number): FilterAst {
    const name = own(KEY_ALIASES, key) ?? key;
    const read = own(KEYS, name);
    if (!read) throw new FilterError(`unknown key '${key}:'`, start, start + key.length + 1, KNOWN_HINT);
    if (value.kind !== 'regex' && value.text === '')
      throw new FilterError(`'${key}:' needs a value`, start, Math.max(value.end, start + key.length + 1), `write ${key}:value, with no space after the ':'`);
    if ((name === 'since' || name === 'until') && value.kind === 'word') this.refuseCutTime(key, value.text, start, value.end);
    return read(value, key);
  }

  /** `since:yesterday 14:00` would be since:yesterday and a search for "14:00": said, not run. */
  private refuseCutTime(key: string, value: string, start: number, end: number): void {
    const cut = timeCutBySpace(value, this.lexer.input.slice(end));
    if (cut) throw new FilterError(`the time after '${key}:' has a space in it`, start, end + cut.length, `quote it: ${key}:"${cut.time}"`);
  }

  private mitm(op: string, start: number, end: number): FilterAst {
    const m = own(MITM, op);
    if (!m)
      throw new FilterError(`unknown operator '${op}'`, start, end, `use one of ${Object.entries(MITM).map(([o, d]) => `${o} (${d.help})`).join(', ')}`);
    if (!m.value) return m.read();
    const value = this.lexer.rawValue();
    if (!value || value.text === '') throw new FilterError(`'${op}' needs a value after it`, start, end, `write ${op} value`);
    return m.read(value);
  }
}

/**
 * Parses a filter; empty or blank input is { type: 'all' }. Throws only FilterError.
 * (`since:5m` is kept as written: pass `now` to compileFilter / matchesExchange.)
 */
export function parseFilter(
  input: string,
  /** Ignored: src/cli/filter-arg.ts still passes it; now belongs to compileFilter. */
  _unusedNow?: Date,
): FilterAst {
  return new Parser(new Lexer(input)).parse();
}
