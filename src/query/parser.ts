/**
 * The filter grammar (README.md "Filters"):
 *
 *   filter  := or?
 *   or      := and ( "or" and )*
 *   and     := unary ( "and"? unary )*
 *   unary   := ( "-" | "!" | "not" ) unary | primary
 *   primary := "(" or ")" | KEY ":" value | "~" OP value? | value
 *   value   := WORD | "quoted" | /regex/
 */
import { FilterError, type Token, type ValueToken, tokenize } from './lexer.js';
import { KEYS, type Term, bareTerm } from './terms.js';

export type FilterAst =
  | { type: 'all' }
  | { type: 'term'; term: Term; source: string; start: number; end: number }
  | { type: 'not'; item: FilterAst }
  | { type: 'and'; items: FilterAst[] }
  | { type: 'or'; items: FilterAst[] };

/** mitmproxy filter expressions that map cleanly onto ours. */
const MITM: Record<string, { key: string; regex?: boolean } | { term: Term }> = {
  '~m': { key: 'method' },
  '~c': { key: 'status' },
  '~d': { key: 'host', regex: true },
  '~u': { key: 'url', regex: true },
  '~h': { key: 'header', regex: true },
  '~hq': { key: 'req-header', regex: true },
  '~hs': { key: 'resp-header', regex: true },
  '~b': { key: 'body', regex: true },
  '~bq': { key: 'req-body', regex: true },
  '~bs': { key: 'resp-body', regex: true },
  '~q': { term: { t: 'response', present: false } },
  '~s': { term: { t: 'response', present: true } },
};

const KNOWN = `${Object.keys(KEYS).join(', ')}; or mitmproxy's ${Object.keys(MITM).join(' ')}`;

/** (a b) c is a b c: nested groups of the same operator are one group. */
function flatten(type: 'and' | 'or', items: FilterAst[]): FilterAst[] {
  return items.flatMap((i) => (i.type === type ? i.items : [i]));
}

class Parser {
  private i = 0;
  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
    private readonly now: Date,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  parse(): FilterAst {
    if (this.tokens.length === 0) return { type: 'all' };
    const ast = this.or();
    const extra = this.peek();
    if (extra) throw new FilterError(extra.kind === 'rparen' ? 'unmatched ")"' : 'unexpected text', extra.start, extra.end);
    return ast;
  }

  private or(): FilterAst {
    const items = [this.and()];
    while (this.peek()?.kind === 'or') {
      const op = this.tokens[this.i++];
      if (!this.peek() || this.peek()!.kind === 'rparen' || this.peek()!.kind === 'or')
        throw new FilterError('"or" needs a term after it', op.start, op.end);
      items.push(this.and());
    }
    return items.length === 1 ? items[0] : { type: 'or', items: flatten('or', items) };
  }

  private and(): FilterAst {
    const items = [this.unary()];
    for (;;) {
      const t = this.peek();
      if (!t || t.kind === 'or' || t.kind === 'rparen') break;
      if (t.kind === 'and') {
        this.i++;
        if (!this.peek() || this.peek()!.kind === 'rparen' || this.peek()!.kind === 'or')
          throw new FilterError('"and" needs a term after it', t.start, t.end);
      }
      items.push(this.unary());
    }
    return items.length === 1 ? items[0] : { type: 'and', items: flatten('and', items) };
  }

  private unary(): FilterAst {
    const t = this.peek();
    if (t?.kind === 'not') {
      this.i++;
      if (!this.peek() || this.peek()!.kind === 'rparen' || this.peek()!.kind === 'or')
        throw new FilterError('nothing to negate', t.start, t.end);
      return { type: 'not', item: this.unary() };
    }
    return this.primary();
  }

  private primary(): FilterAst {
    const t = this.tokens[this.i++];
    if (!t) throw new FilterError('the filter ends too soon', this.input.length, this.input.length);
    switch (t.kind) {
      case 'lparen': {
        if (this.peek()?.kind === 'rparen') throw new FilterError('empty parentheses', t.start, this.peek()!.end);
        const inner = this.or();
        const close = this.tokens[this.i++];
        if (!close || close.kind !== 'rparen') throw new FilterError('unclosed "(": add a ")"', t.start, t.end);
        return inner;
      }
      case 'rparen':
        throw new FilterError('unmatched ")"', t.start, t.end);
      case 'pair':
        return this.keyed(t.key, t.value, t.start, t.end);
      case 'mitm':
        return this.mitm(t.op, t.start, t.end);
      case 'word': {
        const colon = t.text.indexOf(':');
        if (colon > 0 && /^[a-zA-Z][a-zA-Z-]*$/.test(t.text.slice(0, colon))) {
          const value: ValueToken = { kind: 'word', text: t.text.slice(colon + 1), start: t.start + colon + 1, end: t.end };
          return this.keyed(t.text.slice(0, colon).toLowerCase(), value, t.start, t.end);
        }
        return this.leaf(bareTerm(t), t.start, t.end);
      }
      case 'quoted':
      case 'regex':
        return this.leaf(bareTerm(t), t.start, t.end);
      default:
        throw new FilterError(`"${t.kind}" needs a term before it`, t.start, t.end);
    }
  }

  private leaf(term: Term, start: number, end: number): FilterAst {
    return { type: 'term', term, source: this.input.slice(start, end), start, end };
  }

  private keyed(key: string, value: ValueToken, start: number, end: number): FilterAst {
    const parse = KEYS[key];
    if (!parse)
      throw new FilterError(`unknown key '${key}:' (to search for this text, put it in quotes): use ${KNOWN}`, start, start + key.length + 1);
    if (value.kind === 'word' && value.text === '') throw new FilterError(`'${key}:' needs a value`, start, end);
    return this.leaf(parse(value, this.now), start, end);
  }

  private mitm(op: string, start: number, end: number): FilterAst {
    const m = MITM[op];
    if (!m) throw new FilterError(`unknown operator '${op}': use one of ${Object.keys(MITM).join(' ')}`, start, end);
    if ('term' in m) return this.leaf(m.term, start, end);
    const v = this.tokens[this.i++];
    if (!v || (v.kind !== 'word' && v.kind !== 'quoted' && v.kind !== 'regex'))
      throw new FilterError(`'${op}' needs a value after it`, start, end);
    // mitmproxy takes regular expressions for these: ~u /api/ and ~u api mean the same
    let value: ValueToken = v;
    if (m.regex && v.kind !== 'regex') {
      try {
        new RegExp(v.text);
      } catch (err) {
        throw new FilterError(`bad regular expression: ${(err as Error).message}`, v.start, v.end);
      }
      value = { kind: 'regex', source: v.text, flags: 'i', start: v.start, end: v.end };
    }
    const ast = this.keyed(m.key, value, start, v.end);
    return ast;
  }
}

export function parseFilter(input: string, now = new Date()): FilterAst {
  return new Parser(input, tokenize(input), now).parse();
}

/** A normal text form of a filter: each term as written, groups in parentheses. */
export function describeFilter(ast: FilterAst): string {
  switch (ast.type) {
    case 'all':
      return '';
    case 'term':
      return ast.source;
    case 'not':
      return `-${ast.item.type === 'term' || ast.item.type === 'not' ? describeFilter(ast.item) : `(${describeFilter(ast.item)})`}`;
    case 'and':
      return ast.items.map((i) => (i.type === 'or' ? `(${describeFilter(i)})` : describeFilter(i))).join(' ');
    case 'or':
      return ast.items.map((i) => (i.type === 'and' ? `(${describeFilter(i)})` : describeFilter(i))).join(' or ');
  }
}
