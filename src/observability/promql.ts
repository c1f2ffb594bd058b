import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { editDistance } from '../core/props.js';

/**
 * PromQL checked with the Prometheus project's own grammar (`@prometheus-io/lezer-promql`):
 * syntax, known functions and their argument counts and types (instant vector, range
 * vector, scalar, string), operators between those types, durations and label names.
 * What Prometheus would refuse to load is reported with its position in the expression.
 */

/** The type a PromQL expression evaluates to. */
export type PromqlType = 'scalar' | 'instant vector' | 'range vector' | 'string';

/** One problem in an expression. */
export interface PromqlProblem {
  /** What is wrong, e.g. `rate() needs a range vector, got an instant vector`. */
  readonly message: string;
  /** Offset of the problem in the expression (0-based). */
  readonly offset: number;
  /** Line and column of the offset (1-based). */
  readonly line: number;
  readonly column: number;
  /** How to fix it, when there is a likely fix. */
  readonly hint?: string;
}

const S: PromqlType = 'scalar';
const V: PromqlType = 'instant vector';
const M: PromqlType = 'range vector';
const STR: PromqlType = 'string';

/** A function's argument types (the last repeats when `variadic`), how many may be left out at the end, and its result. */
interface Signature {
  readonly args: readonly PromqlType[];
  readonly optional?: number;
  readonly variadic?: boolean;
  readonly returns: PromqlType;
  /** Needs `--enable-feature=promql-experimental-functions`. */
  readonly experimental?: boolean;
}

const fn = (args: readonly PromqlType[], returns: PromqlType = V, extra: Partial<Signature> = {}): Signature => ({ args, returns, ...extra });

/** The functions of Prometheus 3 (promql/parser/functions.go). */
const FUNCTIONS: Readonly<Record<string, Signature>> = {
  abs: fn([V]), absent: fn([V]), absent_over_time: fn([M]), acos: fn([V]), acosh: fn([V]), asin: fn([V]), asinh: fn([V]), atan: fn([V]), atanh: fn([V]),
  avg_over_time: fn([M]), ceil: fn([V]), changes: fn([M]), clamp: fn([V, S, S]), clamp_max: fn([V, S]), clamp_min: fn([V, S]), cos: fn([V]), cosh: fn([V]),
  count_over_time: fn([M]), days_in_month: fn([V], V, { optional: 1 }), day_of_month: fn([V], V, { optional: 1 }), day_of_week: fn([V], V, { optional: 1 }),
  day_of_year: fn([V], V, { optional: 1 }), deg: fn([V]), delta: fn([M]), deriv: fn([M]), exp: fn([V]), floor: fn([V]),
  histogram_avg: fn([V]), histogram_count: fn([V]), histogram_sum: fn([V]), histogram_stddev: fn([V]), histogram_stdvar: fn([V]),
  histogram_fraction: fn([S, S, V]), histogram_quantile: fn([S, V]), double_exponential_smoothing: fn([M, S, S], V, { experimental: true }),
  hour: fn([V], V, { optional: 1 }), idelta: fn([M]), increase: fn([M]), info: fn([V, V], V, { optional: 1, experimental: true }), irate: fn([M]),
  label_replace: fn([V, STR, STR, STR, STR]), label_join: fn([V, STR, STR, STR], V, { variadic: true, optional: 1 }), last_over_time: fn([M]),
  ln: fn([V]), log10: fn([V]), log2: fn([V]), mad_over_time: fn([M], V, { experimental: true }), max_over_time: fn([M]), min_over_time: fn([M]),
  first_over_time: fn([M], V, { experimental: true }), minute: fn([V], V, { optional: 1 }), month: fn([V], V, { optional: 1 }), pi: fn([], S),
  predict_linear: fn([M, S]), present_over_time: fn([M]), quantile_over_time: fn([S, M]), rad: fn([V]), rate: fn([M]), resets: fn([M]),
  round: fn([V, S], V, { optional: 1 }), scalar: fn([V], S), sgn: fn([V]), sin: fn([V]), sinh: fn([V]), sort: fn([V]), sort_desc: fn([V]),
  sort_by_label: fn([V, STR], V, { variadic: true, optional: 1, experimental: true }), sort_by_label_desc: fn([V, STR], V, { variadic: true, optional: 1, experimental: true }),
  sqrt: fn([V]), stddev_over_time: fn([M]), stdvar_over_time: fn([M]), sum_over_time: fn([M]), tan: fn([V]), tanh: fn([V]), time: fn([], S),
  timestamp: fn([V]), ts_of_first_over_time: fn([M], V, { experimental: true }), ts_of_last_over_time: fn([M], V, { experimental: true }),
  ts_of_max_over_time: fn([M], V, { experimental: true }), ts_of_min_over_time: fn([M], V, { experimental: true }), vector: fn([S]), year: fn([V], V, { optional: 1 }),
};

/** Aggregations with a parameter before the vector, and its type. */
const AGGREGATION_PARAMS: Readonly<Record<string, PromqlType>> = { topk: S, bottomk: S, quantile: S, count_values: STR, limitk: S, limit_ratio: S };
const EXPERIMENTAL_AGGREGATIONS = new Set(['limitk', 'limit_ratio']);

const COMPARISONS = new Set(['Eql', 'Neq', 'Gtr', 'Lss', 'Gte', 'Lte']);
const SET_OPERATORS = new Set(['And', 'Or', 'Unless']);
const OPERATORS = new Set(['Pow', 'Mul', 'Div', 'Mod', 'Add', 'Sub', 'Atan2', 'TrimUpper', 'TrimLower', ...COMPARISONS, ...SET_OPERATORS]);

/** Prometheus' duration format (model.ParseDuration): units from years to milliseconds, largest first, or `0`. */
const DURATION = /^(0|(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$/;

/** True when `value` is a duration Prometheus accepts in rule files and CRDs (`30s`, `1h30m`, `0`). */
export function isPromDuration(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && DURATION.test(value);
}

/** Seconds of a Prometheus duration (`1h30m` → 5400). */
export function durationSeconds(value: string): number {
  const factors: Record<string, number> = { y: 365 * 86400, w: 7 * 86400, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)) total += Number(n) * factors[unit!]!;
  return total;
}

/** The duration `seconds` as Prometheus writes it (5400 → `1h30m`). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** Label names: `[a-zA-Z_][a-zA-Z0-9_]*`. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Metric names (and recording rule names): `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Line and column (1-based) of `offset` in `text`. */
function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** `line 1, column 11` of a problem, for messages. */
export function describePosition(p: Pick<PromqlProblem, 'line' | 'column'>): string {
  return `line ${p.line}, column ${p.column}`;
}

/** The nearest known function name to `name`, when close enough to be a typo. */
function nearestFunction(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = name.length <= 4 ? 2 : 3;
  // The most used names first, so that a tie goes to them (rat → rate, not rad).
  const common = ['rate', 'irate', 'increase', 'sum', 'avg', 'min', 'max', 'count', 'histogram_quantile', 'absent', 'delta', 'time', 'vector', 'scalar'];
  for (const known of [...common, ...Object.keys(FUNCTIONS), ...Object.keys(AGGREGATION_PARAMS), 'group', 'stddev', 'stdvar']) {
    const d = editDistance(name, known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

class Checker {
  public readonly problems: PromqlProblem[] = [];

  constructor(private readonly text: string) {}

  public report(offset: number, message: string, hint?: string): void {
    this.problems.push({ message, offset, ...position(this.text, offset), ...(hint ? { hint } : {}) });
  }

  public source(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  /** Children of `node` that are expressions (not keywords, operators or modifiers). */
  private operands(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) if (isExpression(c)) out.push(c);
    return out;
  }

  /** The type of `node`, reporting what Prometheus would refuse; undefined when unknown (after a problem). */
  public typeOf(node: SyntaxNode): PromqlType | undefined {
    switch (node.name) {
      case 'PromQL':
      case 'ParenExpr': {
        const inner = this.operands(node)[0];
        return inner ? this.typeOf(inner) : undefined;
      }
      case 'NumberDurationLiteral':
        return S;
      case 'StringLiteral':
        return STR;
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'MatrixSelector': {
        const inner = this.operands(node)[0];
        if (inner && inner.name !== 'VectorSelector') {
          this.report(inner.from, `a range [..] applies to a metric selector, not to ${describe(this.typeOf(inner))} "${this.source(inner)}"`, 'Use a subquery like (expr)[5m:1m] for the range of an expression');
          return M;
        }
        if (inner) this.typeOf(inner);
        return M;
      }
      case 'SubqueryExpr': {
        const inner = this.operands(node)[0];
        const t = inner && this.typeOf(inner);
        if (t && t !== V) this.report(node.from, `a subquery needs an instant vector, got ${describe(t)}`);
        return M;
      }
      case 'OffsetExpr':
      case 'StepInvariantExpr':
      case 'AnchoredExpr':
      case 'SmoothedExpr': {
        const inner = this.operands(node)[0];
        return inner ? this.typeOf(inner) : undefined;
      }
      case 'UnaryExpr': {
        const inner = this.operands(node)[0];
        const t = inner && this.typeOf(inner);
        if (t && t !== S && t !== V) this.report(node.from, `a unary - or + needs a scalar or an instant vector, got ${describe(t)}`);
        return t === S ? S : V;
      }
      case 'BinaryExpr':
        return this.binary(node);
      case 'FunctionCall':
        return this.functionCall(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      default:
        return undefined;
    }
  }

  private vectorSelector(node: SyntaxNode): PromqlType {
    let named = false;
    let nonEmpty = false;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === 'Identifier') named = true;
      if (c.name !== 'LabelMatchers') continue;
      for (let m = c.firstChild; m; m = m.nextSibling) {
        if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
        const op = m.getChild('MatchOp')?.firstChild?.name;
        const value = m.getChild('StringLiteral');
        const literal = value ? unquote(this.source(value)) : undefined;
        if (literal === undefined) continue;
        if (op === 'EqlRegex' || op === 'NeqRegex') {
          try {
            new RegExp(`^(?:${literal})$`);
          } catch {
            this.report(value!.from, `${this.source(value!)} is not a valid regular expression`, 'Label regexes are RE2, anchored at both ends, e.g. "5.." or "GET|POST"');
          }
        }
        // Prometheus refuses a selector that matches the empty string only: at least one matcher must not match "".
        const matchesEmpty = op === 'EqlSingle' ? literal === '' : op === 'Neq' ? literal !== '' : op === 'EqlRegex' ? safeTest(literal, '') : op === 'NeqRegex' ? !safeTest(literal, '') : true;
        if (!matchesEmpty) nonEmpty = true;
      }
    }
    if (!named && !nonEmpty) this.report(node.from, `the selector "${this.source(node)}" matches every series`, 'Name a metric, or add a matcher that does not match the empty string, e.g. {job="api"}');
    return V;
  }

  private binary(node: SyntaxNode): PromqlType | undefined {
    const [left, right] = this.operands(node);
    let op: SyntaxNode | undefined;
    let bool = false;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (OPERATORS.has(c.name)) op ??= c;
      if (c.name === 'BoolModifier') bool = true;
    }
    const lt = left && this.typeOf(left);
    const rt = right && this.typeOf(right);
    if (!op || !lt || !rt) return undefined;
    const symbol = this.source(op);
    for (const [t, side] of [[lt, left!], [rt, right!]] as const) {
      if (t === M || t === STR) {
        this.report(side.from, `"${symbol}" needs scalars or instant vectors, got ${describe(t)} "${this.source(side)}"`, t === M ? 'Wrap the range in a function such as rate() or avg_over_time()' : undefined);
        return undefined;
      }
    }
    if (SET_OPERATORS.has(op.name) && (lt !== V || rt !== V)) {
      this.report(op.from, `"${symbol}" is only defined between instant vectors`, 'Compare with a scalar first, e.g. (a > 0) and b');
      return V;
    }
    if (bool && !COMPARISONS.has(op.name)) this.report(op.from, `"bool" applies only to comparison operators, not to "${symbol}"`);
    if (COMPARISONS.has(op.name) && lt === S && rt === S && !bool) this.report(op.from, `a comparison between two scalars needs "bool" (e.g. 1 ${symbol} bool 2)`);
    const matching = node.getChild('MatchingModifierClause');
    if (matching && (lt !== V || rt !== V)) this.report(matching.from, 'vector matching (on, ignoring, group_left, group_right) applies only between two instant vectors');
    return lt === S && rt === S ? S : V;
  }

  private functionCall(node: SyntaxNode): PromqlType | undefined {
    const ident = node.getChild('FunctionIdentifier');
    const name = ident ? this.source(ident) : '';
    const sig = FUNCTIONS[name];
    const body = node.getChild('FunctionCallBody');
    const args = body ? this.operands(body) : [];
    const types = args.map((a) => this.typeOf(a));
    if (!sig) {
      this.report(node.from, `${name}() is not a PromQL function`, nearestFunction(name) ? `Did you mean ${nearestFunction(name)}()?` : undefined);
      return undefined;
    }
    if (sig.experimental) this.report(node.from, `${name}() is experimental`, 'Prometheus refuses it unless started with --enable-feature=promql-experimental-functions; use a stable function');
    const min = sig.args.length - (sig.optional ?? 0);
    const max = sig.variadic ? Infinity : sig.args.length;
    if (args.length < min || args.length > max) {
      const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      this.report(node.from, `${name}() takes ${expected} argument${expected === '1' ? '' : 's'}, got ${args.length}`, `Signature: ${name}(${sig.args.join(', ')}${sig.variadic ? ', ...' : ''})`);
      return sig.returns;
    }
    args.forEach((arg, i) => {
      const want = sig.args[Math.min(i, sig.args.length - 1)]!;
      const got = types[i];
      if (got && got !== want) {
        const selector = arg.name === 'VectorSelector';
        const hint = want === M && got === V ? (selector ? `Add a range, e.g. ${this.source(arg)}[5m]` : `Use a subquery, e.g. (${this.source(arg)})[5m:1m]`) : want === V && got === M ? `Drop the range, or apply a function such as rate() to it first` : undefined;
        this.report(arg.from, `${name}() needs ${describe(want)} as argument ${i + 1}, got ${describe(got)} "${this.source(arg)}"`, hint);
      }
    });
    return sig.returns;
  }

  private aggregate(node: SyntaxNode): PromqlType | undefined {
    const opNode = node.getChild('AggregateOp');
    const name = opNode ? this.source(opNode).toLowerCase() : '';
    if (EXPERIMENTAL_AGGREGATIONS.has(name)) this.report(node.from, `${name} is experimental`, 'Prometheus refuses it unless started with --enable-feature=promql-experimental-functions');
    const body = node.getChild('FunctionCallBody');
    const args = body ? this.operands(body) : [];
    const param = AGGREGATION_PARAMS[name];
    const want = param ? [param, V] : [V];
    if (args.length !== want.length) {
      this.report(node.from, `${name}() takes ${want.length} argument${want.length === 1 ? '' : 's'} (${want.join(', ')}), got ${args.length}`);
      return V;
    }
    args.forEach((arg, i) => {
      const got = this.typeOf(arg);
      if (got && got !== want[i]) {
        this.report(arg.from, `${name}() needs ${describe(want[i]!)} as argument ${i + 1}, got ${describe(got)} "${this.source(arg)}"`, got === M ? 'Apply a function such as rate() to the range first' : undefined);
      }
    });
    return V;
  }
}

/** True for nodes that are (sub)expressions rather than keywords, operators and modifiers. */
function isExpression(node: SyntaxNode): boolean {
  return [
    'NumberDurationLiteral', 'StringLiteral', 'VectorSelector', 'MatrixSelector', 'SubqueryExpr', 'OffsetExpr', 'StepInvariantExpr', 'AnchoredExpr', 'SmoothedExpr',
    'UnaryExpr', 'BinaryExpr', 'FunctionCall', 'AggregateExpr', 'ParenExpr',
  ].includes(node.name);
}

function describe(t: PromqlType | undefined): string {
  return t === undefined ? 'an expression' : `${t === 'instant vector' ? 'an' : 'a'} ${t}`;
}

function unquote(literal: string): string | undefined {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  try {
    return JSON.parse(literal.startsWith("'") ? `"${literal.slice(1, -1).replace(/"/g, '\\"')}"` : literal);
  } catch {
    return undefined;
  }
}

function safeTest(regex: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${regex})$`).test(value);
  } catch {
    return true;
  }
}

/** What the text at a syntax error is, for the message. */
function describeSyntaxError(text: string, offset: number, checker: Checker): void {
  if (offset >= text.trimEnd().length) {
    const open = (text.match(/\(/g) ?? []).length - (text.match(/\)/g) ?? []).length;
    const brackets = (text.match(/\[/g) ?? []).length - (text.match(/\]/g) ?? []).length;
    const braces = (text.match(/\{/g) ?? []).length - (text.match(/\}/g) ?? []).length;
    const missing = open > 0 ? '")"' : brackets > 0 ? '"]"' : braces > 0 ? '"}"' : undefined;
    checker.report(Math.min(offset, text.length), `syntax error: the expression ends early${missing ? `, ${missing} is missing` : ''}`, missing ? `Close it with ${missing}` : 'Complete the expression');
    return;
  }
  const rest = text.slice(offset);
  const token = /^\s*(\w+|.)/.exec(rest)?.[1] ?? rest[0]!;
  const call = /^([a-zA-Z_]\w*)\s*\($/.exec(text.slice(0, offset + 1).match(/[a-zA-Z_]\w*\s*\($/)?.[0] ?? '');
  if (call) {
    const near = nearestFunction(call[1]!);
    checker.report(offset - call[1]!.length - (call[0]!.length - call[1]!.length - 1), `${call[1]}() is not a PromQL function`, near ? `Did you mean ${near}()?` : undefined);
    return;
  }
  const before = text.slice(0, offset);
  const durationUnit = /(\[[^\]]*|offset\s+)\d+[a-z]*\s*$/.test(before);
  checker.report(offset, `syntax error: unexpected ${JSON.stringify(token)}`, durationUnit ? 'Durations are a number and a unit without spaces: ms, s, m, h, d, w, y (e.g. 5m, 1h30m)' : undefined);
}

/**
 * Problems by wanted types and expression: an expression is checked when its rule is added
 * and again by the checks of every synth, and presets repeat the same expressions per
 * service. Parsing is the costly part of a synth of many rules.
 */
const checked = new Map<string, readonly PromqlProblem[]>();

/**
 * Parses `expr` with Prometheus' grammar and checks what Prometheus checks when it loads a
 * rule: syntax, functions, argument and operator types. `want` is the type the expression
 * must have (rules: an instant vector or a scalar). Returns the problems, first one first.
 */
export function checkPromql(expr: string, want: readonly PromqlType[] = [V, S]): readonly PromqlProblem[] {
  if (typeof expr !== 'string') return parsePromql(expr, want);
  const key = `${want.join(',')}\0${expr}`;
  let problems = checked.get(key);
  if (!problems) checked.set(key, (problems = Object.freeze(parsePromql(expr, want))));
  return problems;
}

function parsePromql(expr: string, want: readonly PromqlType[]): PromqlProblem[] {
  const checker = new Checker(expr);
  if (typeof expr !== 'string' || expr.trim() === '') {
    checker.report(0, 'is empty', 'Write a PromQL expression, e.g. up == 0');
    return checker.problems;
  }
  const tree = parser.parse(expr);
  let errorAt: number | undefined;
  tree.iterate({
    enter(n) {
      if (errorAt === undefined && n.type.isError) errorAt = n.from;
      return errorAt === undefined;
    },
  });
  if (errorAt !== undefined) {
    describeSyntaxError(expr, errorAt, checker);
    return checker.problems;
  }
  const type = checker.typeOf(tree.topNode);
  if (type && !want.includes(type) && checker.problems.length === 0) {
    checker.report(0, `evaluates to ${describe(type)}, but must be ${want.map(describe).join(' or ')}`, type === M ? 'Apply a function such as rate() or max_over_time() to the range' : undefined);
  }
  return checker.problems;
}
