import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { LABEL, sortLabels } from '../core/labels.js';
import { isDnsSubdomain } from '../core/names.js';
import { checkKnownKeys } from '../core/props.js';
import { checkLabels } from '../core/scheduling.js';
import { Stack } from '../core/stack.js';
import { monitoringOf } from './monitoring-settings.js';
import { checkRuleGroups } from './rule-checks.js';

/**
 * How urgent an alert is: `page` wakes someone up, `ticket` waits for working hours,
 * `info` only shows on dashboards. The environment's `monitoring.pageSeverity` and
 * `ticketSeverity` turn them into the `severity` label Alertmanager routes on.
 */
export type AlertSeverity = 'page' | 'ticket' | 'info';

/** An alerting rule. */
export interface AlertRuleProps {
  /** Alert name, e.g. `ApiHighErrorRate` (the `alertname` label). */
  readonly alert: string;
  /** PromQL; every series it returns is an alert. Checked with Prometheus' grammar when the rule is created. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires, e.g. `15m`. @default - fires on the first evaluation */
  readonly for?: string;
  /** How long the alert keeps firing after the expression stops returning it, e.g. `5m`. @default - resolves at once */
  readonly keepFiringFor?: string;
  /** Urgency, turned into the `severity` label by the environment. @default - labels.severity, which is then required */
  readonly severity?: AlertSeverity;
  /** One line for the notification title (a template, e.g. `{{ $labels.pod }} is crash looping`). @default - none */
  readonly summary?: string;
  /** What is happening and what it affects (a template). @default - none */
  readonly description?: string;
  /** Where the on-call engineer finds what to do. @default - the environment's `monitoring.runbookBaseUrl`/<alert in lower case>, when set */
  readonly runbookUrl?: string;
  /** Further labels, for routing (they override the environment's `monitoring.alertLabels`). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Further annotations (templates). @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A recording rule: stores the result of `expr` as the series `record`. */
export interface RecordingRuleProps {
  /** Name of the recorded metric, by convention `level:metric:operations`, e.g. `job:http_requests:rate5m`. */
  readonly record: string;
  /** PromQL. */
  readonly expr: string;
  /** Labels added to the recorded series. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A group of rules, evaluated together in order. */
export interface RuleGroupProps {
  /** Group name, unique in the PrometheusRule. */
  readonly name: string;
  /** How often the rules are evaluated, e.g. `30s`. @default - Prometheus' evaluation_interval */
  readonly interval?: string;
  /** The rules, recording rules before the alerts that read them. */
  readonly rules: readonly (AlertRuleProps | RecordingRuleProps)[];
}

/** Props of a {@link PrometheusRule}. */
export interface PrometheusRuleProps {
  /** `metadata.name`. @default - the construct id */
  readonly name?: string;
  /** Rule groups; more can be added with {@link PrometheusRule.addGroup}. @default - none */
  readonly groups?: readonly RuleGroupProps[];
  /** Labels on the object (the environment's `monitoring.selectorLabels` are added). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

const ALERT_KEYS = ['alert', 'expr', 'for', 'keepFiringFor', 'severity', 'summary', 'description', 'runbookUrl', 'labels', 'annotations'];
const RECORD_KEYS = ['record', 'expr', 'labels'];

/**
 * A PrometheusRule of the Prometheus operator: alerting and recording rules in groups.
 * Every rule is checked when it is added: PromQL with Prometheus' own grammar (syntax,
 * functions, argument types), durations, names, templates, a severity on every alert and
 * no alert name twice in a group; the error names the rule, the expression and the
 * position in it.
 *
 * ```ts
 * new PrometheusRule(stack, 'queue-alerts', { groups: [{ name: 'queue', rules: [
 *   { alert: 'OrdersBacklog', expr: 'sum(redis_list_length{key="orders"}) > 1000', for: '10m', severity: 'ticket',
 *     summary: 'Orders queue has {{ $value }} entries' },
 * ] }] });
 * ```
 */
export class PrometheusRule extends ApiObject {
  private readonly groups: Record<string, any>[] = [];
  private readonly ctx: ErrorContext;
  private readonly stackOf: Stack;

  constructor(scope: Construct, id: string, props: PrometheusRuleProps = {}) {
    const ctx = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
    ctx.check(props !== null && typeof props === 'object', 'props', props, 'must be { name?, groups?, labels? }');
    checkKnownKeys(ctx, '', props, ['name', 'groups', 'labels']);
    const stack = Stack.of(scope);
    const monitoring = monitoringOf(stack.env);
    const name = props.name ?? id;
    ctx.check(typeof name === 'string' && isDnsSubdomain(name), props.name === undefined ? 'id' : 'name', name, 'is not a valid object name (DNS-1123 subdomain)');
    const labels = props.labels === undefined ? {} : checkLabels(ctx, 'labels', props.labels);
    const groups: Record<string, any>[] = [];
    super(scope, id, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name, labels: sortLabels({ [LABEL.managedBy]: 'keelson', ...labels, ...monitoring.selectorLabels }) },
      spec: { groups },
    });
    this.groups = groups;
    this.ctx = ctx;
    this.stackOf = stack;
    if (props.groups !== undefined) {
      ctx.check(Array.isArray(props.groups), 'groups', props.groups, 'must be a list of { name, interval?, rules }');
      for (const g of props.groups) this.addGroup(g);
    }
  }

  /** The rule groups as written to the object. */
  public get ruleGroups(): readonly Record<string, any>[] {
    return this.groups;
  }

  /** Adds a group of rules, checked like those of the props. */
  public addGroup(group: RuleGroupProps): this {
    const ctx = this.ctx;
    const gf = `groups[${this.groups.length}]`;
    ctx.check(group !== null && typeof group === 'object' && !Array.isArray(group), gf, group, 'must be { name, interval?, rules }');
    checkKnownKeys(ctx, gf, group, ['name', 'interval', 'rules']);
    ctx.check(typeof group.name === 'string' && group.name.trim() !== '', `${gf}.name`, group.name, 'is required', 'Name the group, e.g. "api.rules"');
    ctx.check(Array.isArray(group.rules) && group.rules.length > 0, `${gf}.rules`, group.rules, 'must be a non-empty list of rules');
    const rules = group.rules.map((r, i) => this.toRule(`${gf}.rules[${i}]`, r));
    const json = { name: group.name, ...(group.interval !== undefined ? { interval: group.interval } : {}), rules };
    const problem = checkRuleGroups([...this.groups, json], 'groups').find((p) => p.field.startsWith(`${gf}.`) || p.field === gf);
    if (problem) {
      throw ctx.error(problem.field.replace(/\.keep_firing_for$/, '.keepFiringFor'), problem.value, problem.message, problem.fix ?? problem.rule.fix);
    }
    this.groups.push(json);
    return this;
  }

  private toRule(field: string, r: AlertRuleProps | RecordingRuleProps): Record<string, any> {
    const ctx = this.ctx;
    ctx.check(r !== null && typeof r === 'object' && !Array.isArray(r), field, r, 'must be an alert ({ alert, expr, ... }) or a recording rule ({ record, expr })');
    if ('record' in r && !('alert' in r)) {
      checkKnownKeys(ctx, field, r, RECORD_KEYS);
      return { record: r.record, expr: r.expr, ...(r.labels ? { labels: { ...r.labels } } : {}) };
    }
    checkKnownKeys(ctx, field, r, ALERT_KEYS);
    const a = r as AlertRuleProps;
    const monitoring = monitoringOf(this.stackOf.env);
    let severity: string | undefined;
    if (a.severity !== undefined) {
      ctx.check(['page', 'ticket', 'info'].includes(a.severity), `${field}.severity`, a.severity, 'must be "page", "ticket" or "info"', 'Or set labels.severity to the exact label value');
      severity = a.severity === 'page' ? monitoring.pageSeverity : a.severity === 'ticket' ? monitoring.ticketSeverity : 'info';
    }
    const runbook = a.runbookUrl ?? (monitoring.runbookBaseUrl && typeof a.alert === 'string' ? `${monitoring.runbookBaseUrl.replace(/\/$/, '')}/${a.alert.toLowerCase()}` : undefined);
    if (runbook !== undefined) ctx.check(typeof runbook === 'string' && /^https?:\/\/\S+$/.test(runbook), `${field}.runbookUrl`, runbook, 'is not an http(s) URL');
    const labels = { ...monitoring.alertLabels, ...(severity ? { severity } : {}), ...a.labels };
    const annotations = {
      ...(a.summary !== undefined ? { summary: a.summary } : {}),
      ...(a.description !== undefined ? { description: a.description } : {}),
      ...(runbook !== undefined ? { runbook_url: runbook } : {}),
      ...a.annotations,
    };
    return {
      alert: a.alert,
      expr: a.expr,
      ...(a.for !== undefined ? { for: a.for } : {}),
      ...(a.keepFiringFor !== undefined ? { keep_firing_for: a.keepFiringFor } : {}),
      labels: sortLabels(labels),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    };
  }
}
