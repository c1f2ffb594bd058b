import { LABEL_NAME } from './promql.js';

/**
 * Checks the Go templates of alert annotations and labels as Prometheus expands them:
 * `{{ $labels.pod }}`, `{{ $value | humanize }}`, `{{ printf "%.2f" $value }}`. Every `{{`
 * has its `}}`, `if`/`range`/`with` have their `end`, variables are the ones Prometheus
 * defines and functions are Go's or Prometheus' template functions.
 */

/** One problem in a template. */
export interface TemplateProblem {
  /** What is wrong. */
  readonly message: string;
  /** Offset in the template (0-based). */
  readonly offset: number;
  /** How to fix it. */
  readonly hint?: string;
}

const VARIABLES = ['$labels', '$value', '$externalLabels', '$externalURL'];
/** Go's template builtins and Prometheus' template functions (template/template.go). */
const FUNCTIONS = new Set([
  'and', 'or', 'not', 'len', 'index', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'html', 'js', 'urlquery', 'slice', 'call',
  'query', 'first', 'label', 'value', 'strvalue', 'args', 'reReplaceAll', 'safeHtml', 'match', 'title', 'toUpper', 'toLower', 'graphLink', 'tableLink',
  'sortByLabel', 'stripPort', 'stripDomain', 'humanize', 'humanize1024', 'humanizeDuration', 'humanizePercentage', 'humanizeTimestamp', 'toTime',
  'toDuration', 'pathPrefix', 'externalURL', 'parseDuration', 'now', 'urlQueryEscape',
]);
const OPENERS = new Set(['if', 'range', 'with', 'define', 'block']);

/** The problems of one template; an empty list when Prometheus can expand it. */
export function checkAlertTemplate(text: string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const open: { word: string; offset: number }[] = [];
  const declared = new Set<string>(VARIABLES);
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('{{', i);
    const stray = text.indexOf('}}', i);
    if (stray >= 0 && (start < 0 || stray < start)) {
      problems.push({ message: 'has "}}" without "{{"', offset: stray, hint: 'Open the action with "{{" or remove the braces' });
      return problems;
    }
    if (start < 0) break;
    const end = text.indexOf('}}', start + 2);
    const nested = text.indexOf('{{', start + 2);
    if (end < 0 || (nested >= 0 && nested < end)) {
      problems.push({ message: 'has "{{" without "}}"', offset: start, hint: 'Close the action with "}}"' });
      return problems;
    }
    const action = text.slice(start + 2, end).replace(/^-\s|\s-$/g, '').trim();
    checkAction(action, start, problems, open, declared);
    i = end + 2;
  }
  for (const o of open) problems.push({ message: `has "{{ ${o.word} }}" without "{{ end }}"`, offset: o.offset, hint: 'Close the block with {{ end }}' });
  return problems;
}

function checkAction(action: string, offset: number, problems: TemplateProblem[], open: { word: string; offset: number }[], declared: Set<string>): void {
  if (action === '' ) return void problems.push({ message: 'has an empty action "{{ }}"', offset });
  if (action.startsWith('/*')) return;
  const words = action.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""').split(/\s+/);
  const first = words[0]!;
  if (first === 'end') {
    if (!open.pop()) problems.push({ message: 'has "{{ end }}" without a block to close', offset, hint: 'Remove it, or open the block with {{ if }}, {{ range }} or {{ with }}' });
    return;
  }
  if (first === 'else') {
    if (!open.length) problems.push({ message: 'has "{{ else }}" outside a block', offset });
    return;
  }
  if (OPENERS.has(first)) open.push({ word: first, offset });
  const assignment = /^(\$\w+)\s*:?=/.exec(action.replace(/^(range|with|if)\s+/, ''));
  if (assignment) declared.add(assignment[1]!);
  for (const word of words) {
    for (const variable of word.matchAll(/\$\w*/g)) {
      const name = variable[0];
      if (name === '$' || declared.has(name)) continue;
      const near = VARIABLES.find((v) => v.toLowerCase().startsWith(name.toLowerCase().slice(0, 5)));
      problems.push({ message: `uses the unknown variable ${name}`, offset, hint: near ? `Did you mean ${near}?` : `Prometheus defines ${VARIABLES.join(', ')}` });
      return;
    }
    const field = /^\$labels\.(.*)$/.exec(word) ?? /^\$externalLabels\.(.*)$/.exec(word);
    if (field && !LABEL_NAME.test(field[1]!)) {
      problems.push({ message: `reads the label ${JSON.stringify(field[1])}, which is not a valid label name`, offset, hint: 'Use index for such names: {{ index $labels "name" }}' });
      return;
    }
  }
  // Each command of the pipeline starts with a function, a variable, a field, a constant or a parenthesised pipeline.
  for (const command of action.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`/g, '""').split('|').map((c) => c.trim())) {
    const head = command.replace(/^(if|range|with|else if)\s+/, '').replace(/^\$\w+\s*:?=\s*/, '').split(/\s+/)[0] ?? '';
    if (head === '' || /^[$.("']|^-?\d/.test(head) || head === 'true' || head === 'false' || head === 'nil' || OPENERS.has(head)) continue;
    if (!FUNCTIONS.has(head)) {
      problems.push({ message: `calls the unknown template function ${JSON.stringify(head)}`, offset, hint: 'Use a Prometheus template function such as humanize, humanizePercentage, humanizeDuration, printf, toUpper' });
      return;
    }
  }
}
