import type { Rule } from '../core/checks/finding.js';
import type { ContentProblem } from '../core/kind-definition.js';
import { checkAlertTemplate } from './alert-template.js';
import { checkPromql, describePosition, isPromDuration, LABEL_NAME, METRIC_NAME } from './promql.js';

const rule = (id: string, summary: string, fix: string): Rule => ({ id, severity: 'error', family: 'prometheus-rules', summary, fix });

/** What Prometheus refuses, or what cannot page anyone, in a PrometheusRule. */
export const PROMETHEUS_RULE_RULES = {
  promql: rule('promql-invalid', 'every expr is PromQL Prometheus accepts (syntax, functions, argument and operator types)', 'Fix the expression at the position given'),
  duration: rule('rule-duration-invalid', 'for, keep_firing_for and interval are Prometheus durations', 'Use a number and a unit without spaces, largest unit first: 30s, 5m, 1h30m, 1d'),
  name: rule('rule-name-invalid', 'a rule has exactly one of alert and record; a record is a metric name', 'Give each rule either alert: <Name> or record: <level:metric:operation>'),
  label: rule('rule-label-invalid', 'rule label names are valid Prometheus label names', 'Use [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__"'),
  template: rule('rule-template-invalid', 'annotation and label templates are balanced and use known variables and functions', 'Use {{ $labels.<name> }}, {{ $value }} and Prometheus template functions such as humanize'),
  severity: rule('alert-severity-missing', 'every alert has a severity label', 'Add labels: { severity: "warning" } (or "critical" for alerts that page)'),
  duplicateAlert: rule('rule-group-duplicate-alert', 'alert names are unique within a rule group', 'Rename one of the alerts, or merge their expressions with "or"'),
  duplicateGroup: rule('rule-group-duplicate-name', 'group names are unique within a PrometheusRule', 'Rename one of the groups'),
} as const;

/** A problem found in rule groups, with the value it is about. */
export interface RuleProblem extends ContentProblem {
  /** The offending value (an expression, a duration, a name). */
  readonly value: unknown;
  /** The field path the problem is reported at. */
  readonly field: string;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks rule groups as Prometheus loads them (the `spec.groups` of a PrometheusRule):
 * PromQL of every `expr`, durations, names, label names, templates, a severity on every
 * alert and no alert name twice in a group. `prefix` is the field path of the groups.
 */
export function checkRuleGroups(groups: unknown, prefix: string): RuleProblem[] {
  const R = PROMETHEUS_RULE_RULES;
  const out: RuleProblem[] = [];
  if (!Array.isArray(groups)) return out;
  const groupNames = new Map<string, number>();
  groups.forEach((group, g) => {
    if (!isObject(group)) return;
    const gf = `${prefix}[${g}]`;
    if (typeof group.name === 'string') {
      const seen = groupNames.get(group.name);
      if (seen !== undefined) out.push({ rule: R.duplicateGroup, field: `${gf}.name`, value: group.name, message: `is also the name of ${prefix}[${seen}]` });
      else groupNames.set(group.name, g);
    }
    if (group.interval !== undefined && !isPromDuration(group.interval)) out.push(durationProblem(`${gf}.interval`, group.interval, `of group ${JSON.stringify(group.name)}`));
    const alerts = new Map<string, number>();
    (Array.isArray(group.rules) ? group.rules : []).forEach((r: unknown, i: number) => {
      if (!isObject(r)) return;
      const rf = `${gf}.rules[${i}]`;
      const what = typeof r.alert === 'string' ? `alert ${JSON.stringify(r.alert)}` : typeof r.record === 'string' ? `record ${JSON.stringify(r.record)}` : `rule ${i}`;
      if ((r.alert === undefined) === (r.record === undefined)) {
        out.push({ rule: R.name, field: rf, value: { alert: r.alert, record: r.record }, message: `${what} must have exactly one of alert and record` });
      }
      if (r.record !== undefined && !(typeof r.record === 'string' && METRIC_NAME.test(r.record))) {
        out.push({ rule: R.name, field: `${rf}.record`, value: r.record, message: 'is not a valid metric name for a recording rule', fix: 'Use [a-zA-Z_:][a-zA-Z0-9_:]*, by convention level:metric:operations, e.g. job:http_requests:rate5m' });
      }
      if (r.alert !== undefined && !(typeof r.alert === 'string' && r.alert.trim() !== '')) out.push({ rule: R.name, field: `${rf}.alert`, value: r.alert, message: 'is not an alert name' });
      if (typeof r.alert === 'string') {
        const seen = alerts.get(r.alert);
        if (seen !== undefined) out.push({ rule: R.duplicateAlert, field: `${rf}.alert`, value: r.alert, message: `is also the alert of ${gf}.rules[${seen}] in group ${JSON.stringify(group.name)}` });
        else alerts.set(r.alert, i);
      }
      const expr = typeof r.expr === 'number' ? String(r.expr) : r.expr;
      if (typeof expr !== 'string') out.push({ rule: R.promql, field: `${rf}.expr`, value: expr, message: `of ${what} is missing`, fix: 'Write a PromQL expression, e.g. up == 0' });
      else {
        const problem = checkPromql(expr)[0];
        if (problem) {
          out.push({ rule: R.promql, field: `${rf}.expr`, value: expr, message: `of ${what} is not valid PromQL at ${describePosition(problem)}: ${problem.message}`, ...(problem.hint ? { fix: problem.hint } : {}) });
        }
      }
      for (const key of ['for', 'keep_firing_for']) {
        if (r[key] !== undefined && !isPromDuration(r[key])) out.push(durationProblem(`${rf}.${key}`, r[key], `of ${what}`));
      }
      if (r.record !== undefined && (r.for !== undefined || r.annotations !== undefined)) {
        out.push({ rule: R.name, field: `${rf}.${r.for !== undefined ? 'for' : 'annotations'}`, value: r.for ?? r.annotations, message: `of ${what}: recording rules take no for or annotations`, fix: 'Move them to an alert on the recorded metric' });
      }
      for (const key of ['labels', 'annotations'] as const) {
        const map = r[key];
        if (!isObject(map)) continue;
        for (const [name, value] of Object.entries(map)) {
          const f = `${rf}.${key}.${name}`;
          if (!LABEL_NAME.test(name) || name.startsWith('__')) {
            out.push({ rule: R.label, field: f, value: name, message: `of ${what} is not a valid ${key === 'labels' ? 'label' : 'annotation'} name${name.startsWith('__') ? ' (names starting with "__" are reserved)' : ''}` });
          }
          if (typeof value !== 'string') continue;
          const t = checkAlertTemplate(value)[0];
          if (t) out.push({ rule: R.template, field: f, value, message: `of ${what} ${t.message} (at offset ${t.offset})`, ...(t.hint ? { fix: t.hint } : {}) });
        }
      }
      if (r.alert !== undefined && !(isObject(r.labels) && typeof r.labels.severity === 'string' && r.labels.severity !== '')) {
        out.push({ rule: R.severity, field: `${rf}.labels.severity`, value: r.labels?.severity, message: `of ${what} is missing` });
      }
    });
  });
  return out;
}

function durationProblem(field: string, value: unknown, of: string): RuleProblem {
  const spaced = typeof value === 'string' && /\d\s+[a-z]/i.test(value);
  return {
    rule: PROMETHEUS_RULE_RULES.duration,
    field,
    value,
    message: `${of} is not a Prometheus duration`,
    fix: spaced || (typeof value === 'string' && /minute|hour|second|day/i.test(value)) ? 'Write it as a number and a unit without spaces, e.g. 20m for 20 minutes' : PROMETHEUS_RULE_RULES.duration.fix,
  };
}
