import { describe, expect, it } from 'vitest';
import { checkAlertTemplate, checkPromql, KeelsonError, PrometheusRule, type AlertRuleProps, type RuleGroupProps } from '../src/index.js';
import { findObject, synthObjects } from '../src/testing.js';
import { defineEnvironment, production, staging } from '../presets/index.js';
import { newStack } from './support/app.js';

const ok: AlertRuleProps = { alert: 'QueueBacklog', expr: 'sum(redis_list_length{key="orders"}) > 1000', for: '10m', severity: 'ticket', summary: 'Backlog is {{ $value }}' };

/** The error of a PrometheusRule whose only group has `rules`. */
function errorOf(rules: readonly unknown[], group: Partial<RuleGroupProps> = {}): KeelsonError {
  try {
    new PrometheusRule(newStack(), 'custom', { groups: [{ name: 'custom', rules: rules as AlertRuleProps[], ...group }] });
  } catch (e) {
    expect(e).toBeInstanceOf(KeelsonError);
    return e as KeelsonError;
  }
  throw new Error('no error');
}

describe('PrometheusRule', () => {
  it('writes alerts with severity from the environment, summary, description, runbook and routing labels', () => {
    const env = defineEnvironment(production, { name: 'prod-eu', monitoring: { selectorLabels: { release: 'kps' }, alertLabels: { team: 'shop' }, runbookBaseUrl: 'https://runbooks.example.com/shop' } });
    const stack = newStack(env);
    new PrometheusRule(stack, 'queue', {
      groups: [
        { name: 'queue', interval: '1m', rules: [{ record: 'job:redis_list_length:sum', expr: 'sum by (key) (redis_list_length)' }, { ...ok, keepFiringFor: '5m' }, { ...ok, alert: 'QueueStuck', severity: 'page' }] },
      ],
    });
    const rule = findObject(synthObjects(stack), 'PrometheusRule', 'queue');
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata.labels.release).toBe('kps');
    const [record, backlog, stuck] = rule.spec.groups[0].rules;
    expect(rule.spec.groups[0].interval).toBe('1m');
    expect(record).toEqual({ record: 'job:redis_list_length:sum', expr: 'sum by (key) (redis_list_length)' });
    expect(backlog.labels).toEqual({ severity: 'warning', team: 'shop' });
    expect(backlog.keep_firing_for).toBe('5m');
    expect(backlog.annotations).toEqual({ summary: 'Backlog is {{ $value }}', runbook_url: 'https://runbooks.example.com/shop/queuebacklog' });
    expect(stuck.labels.severity).toBe('critical');
  });

  it('lets environments decide what pages: staging turns pages into warnings', () => {
    const stack = newStack(staging);
    new PrometheusRule(stack, 'r', { groups: [{ name: 'g', rules: [{ ...ok, severity: 'page' }] }] });
    expect(findObject(synthObjects(stack), 'PrometheusRule', 'r').spec.groups[0].rules[0].labels.severity).toBe('warning');
  });

  it('accepts groups added later and checks them the same way', () => {
    const rule = new PrometheusRule(newStack(), 'r');
    rule.addGroup({ name: 'a', rules: [ok] });
    expect(() => rule.addGroup({ name: 'a', rules: [ok] })).toThrow(/groups\[1\]\.name "a" is also the name of groups\[0\]/);
    expect(rule.ruleGroups).toHaveLength(1);
  });

  // Each bad input: the field, the rule (alert or record name), the expression or value, and the position where there is one.
  const bad: [string, unknown[], RegExp][] = [
    ['unclosed parenthesis', [{ ...ok, expr: 'rate(http_requests_total[5m]' }], /groups\[0\]\.rules\[0\]\.expr "rate\(http_requests_total\[5m\]" of alert "QueueBacklog" is not valid PromQL at line 1, column 29: .*"\)" is missing/],
    ['unknown function', [{ ...ok, expr: 'rat(x[5m]) > 1' }], /expr "rat\(x\[5m\]\) > 1" of alert "QueueBacklog" is not valid PromQL at line 1, column 1: rat\(\) is not a PromQL function\. Did you mean rate\(\)\?/],
    ['unknown aggregation-like function', [{ ...ok, expr: 'summ(up) > 1' }], /column 1: summ\(\) is not a PromQL function\. Did you mean sum\(\)\?/],
    ['instant vector where a range is needed', [{ ...ok, expr: 'rate(http_requests_total) > 1' }], /column 6: rate\(\) needs a range vector as argument 1, got an instant vector "http_requests_total"\. Add a range, e\.g\. http_requests_total\[5m\]/],
    ['range vector where an instant vector is needed', [{ ...ok, expr: 'sum(http_requests_total[5m]) > 1' }], /column 5: sum\(\) needs an instant vector as argument 1, got a range vector/],
    ['range vector in an operator', [{ ...ok, expr: 'up[5m] > 1' }], /column 1: ">" needs scalars or instant vectors, got a range vector "up\[5m\]"/],
    ['rule that evaluates to a range vector', [{ ...ok, expr: 'up[5m]' }], /column 1: evaluates to a range vector, but must be an instant vector or a scalar/],
    ['rule that evaluates to a string', [{ ...ok, expr: '"up"' }], /evaluates to a string/],
    ['wrong argument count', [{ ...ok, expr: 'histogram_quantile(0.99) > 1' }], /column 1: histogram_quantile\(\) takes 2 arguments, got 1/],
    ['string where a scalar is needed', [{ ...ok, expr: 'topk("3", up)' }], /column 6: topk\(\) needs a scalar as argument 1, got a string/],
    ['scalar comparison without bool', [{ ...ok, expr: '1 > 2' }], /column 3: a comparison between two scalars needs "bool"/],
    ['set operator with a scalar', [{ ...ok, expr: 'up and 1' }], /column 4: "and" is only defined between instant vectors/],
    ['duration with a space in a range', [{ ...ok, expr: 'rate(x[5 m]) > 1' }], /column 10: syntax error: unexpected "m"\. Durations are a number and a unit without spaces/],
    ['unknown duration unit', [{ ...ok, expr: 'rate(x[5x]) > 1' }], /is not valid PromQL at line 1, column \d+: syntax error/],
    ['label name starting with a digit', [{ ...ok, expr: 'up{1job="x"} == 0' }], /column 4: syntax error: unexpected "1job"/],
    ['invalid label regex', [{ ...ok, expr: 'up{job=~"api("} == 0' }], /column 9: "api\(" is not a valid regular expression/],
    ['selector that matches everything', [{ ...ok, expr: '{job=""} == 0' }], /column 1: the selector "\{job=""\}" matches every series/],
    ['experimental function', [{ ...ok, expr: 'sort_by_label(up, "job")' }], /sort_by_label\(\) is experimental/],
    ['expression on a second line', [{ ...ok, expr: 'sum(up)\n  > bool\n  foo(1)' }], /at line 3, column 3: foo\(\) is not a PromQL function/],
    ['recording rule with a bad expression', [{ record: 'job:up:sum', expr: 'sum(up' }], /groups\[0\]\.rules\[0\]\.expr "sum\(up" of record "job:up:sum" is not valid PromQL at line 1, column 7/],
    ['for written in words', [{ ...ok, for: '20 minutes' }], /groups\[0\]\.rules\[0\]\.for "20 minutes" of alert "QueueBacklog" is not a Prometheus duration\. Write it as a number and a unit without spaces, e\.g\. 20m/],
    ['for with units in the wrong order', [{ ...ok, for: '30m1h' }], /\.for "30m1h" of alert "QueueBacklog" is not a Prometheus duration/],
    ['keepFiringFor with a decimal', [{ ...ok, keepFiringFor: '1.5h' }], /groups\[0\]\.rules\[0\]\.keepFiringFor "1\.5h" of alert "QueueBacklog" is not a Prometheus duration/],
    ['group interval', [ok, { interval: '30 s' }], /groups\[0\]\.interval "30 s" of group "custom" is not a Prometheus duration/],
    ['unbalanced template', [{ ...ok, summary: 'Pod {{ $labels.pod is down' }], /annotations\.summary "Pod \{\{ \$labels\.pod is down" of alert "QueueBacklog" has "\{\{" without "\}\}" \(at offset 4\)/],
    ['unknown template variable', [{ ...ok, description: '{{ $label.pod }} down' }], /annotations\.description .* uses the unknown variable \$label \(at offset 0\)\. Did you mean \$labels\?/],
    ['unknown template function', [{ ...ok, summary: '{{ $value | humanise }}' }], /annotations\.summary .* calls the unknown template function "humanise"/],
    ['if without end', [{ ...ok, summary: '{{ if gt $value 1.0 }}high' }], /has "\{\{ if \}\}" without "\{\{ end \}\}"/],
    ['missing severity', [{ alert: 'NoSeverity', expr: 'up == 0' }], /groups\[0\]\.rules\[0\]\.labels\.severity \(missing\) of alert "NoSeverity" is missing/],
    ['bad severity word', [{ ...ok, severity: 'urgent' }], /groups\[0\]\.rules\[0\]\.severity "urgent" must be "page", "ticket" or "info"/],
    ['duplicate alert names', [ok, ok], /groups\[0\]\.rules\[1\]\.alert "QueueBacklog" is also the alert of groups\[0\]\.rules\[0\] in group "custom"/],
    ['invalid label name', [{ ...ok, labels: { 'team-name': 'shop' } }], /labels\.team-name "team-name" of alert "QueueBacklog" is not a valid label name/],
    ['reserved label name', [{ ...ok, labels: { __name__: 'x' } }], /names starting with "__" are reserved/],
    ['invalid record name', [{ record: 'job-up-sum', expr: 'sum(up)' }], /\.record "job-up-sum" is not a valid metric name for a recording rule/],
    ['misspelt prop', [{ ...ok, severty: 'page' }], /groups\[0\]\.rules\[0\]\.severty "page" is not a known prop of groups\[0\]\.rules\[0\]\. Did you mean "severity"\?/],
    ['runbook that is not a URL', [{ ...ok, runbookUrl: 'wiki/queue' }], /\.runbookUrl "wiki\/queue" is not an http\(s\) URL/],
  ];
  it.each(bad)('rejects %s, naming path, rule, expression and position', (_, rules, message) => {
    const groupExtra = (rules[1] as any)?.interval ? { interval: (rules[1] as any).interval } : {};
    const e = errorOf(groupExtra.interval ? [rules[0]] : rules, groupExtra);
    expect(e.message.startsWith('shop/custom: ')).toBe(true);
    expect(e.message).toMatch(message);
  });

  it('has at least 25 bad inputs', () => {
    expect(bad.length).toBeGreaterThanOrEqual(25);
  });
});

describe('PromQL checks', () => {
  it('accepts what Prometheus accepts', () => {
    for (const expr of [
      'up == 0',
      'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))',
      'sum(rate(x{code=~"5.."}[5m])) / ignoring(code) group_left sum(rate(x[5m])) > 0.01',
      'predict_linear(node_filesystem_avail_bytes[6h], 4 * 3600) < 0',
      'max_over_time(sum(up)[1h:5m]) > bool 1',
      'label_replace(up, "a", "$1", "job", "(.*)")',
      'time() - kube_cronjob_status_last_successful_time > 3600',
      'absent(up{job="api"})',
      '-up offset 5m',
      'vector(1)',
    ]) expect(checkPromql(expr), expr).toEqual([]);
  });

  it('gives the line and column of a problem', () => {
    expect(checkPromql('sum(\n  rate(x)\n)')[0]).toMatchObject({ line: 2, column: 8, message: expect.stringMatching(/^rate\(\) needs a range vector/) });
  });

  it('checks a repeated expression once, and per wanted type', () => {
    const metric = `x_${Date.now()}`;
    const expr = `rate(${metric}[5m]) > 1`;
    const first = checkPromql(expr);
    expect(first).toEqual([]);
    expect(checkPromql(expr)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(checkPromql(`${metric}[5m]`, ['range vector'])).toEqual([]);
    expect(checkPromql(`${metric}[5m]`)[0]?.message).toMatch(/evaluates to a range vector/);
  });
});

describe('alert templates', () => {
  it('accepts the forms Prometheus expands', () => {
    for (const t of ['{{ $labels.pod }} is down', '{{ $value | humanizePercentage }}', '{{ printf "%.2f" $value }}', '{{ if gt $value 1.0 }}high{{ else }}low{{ end }}', '{{ with $labels.job }}{{ . }}{{ end }}', '{{- $labels.instance -}}', 'no template']) {
      expect(checkAlertTemplate(t), t).toEqual([]);
    }
  });

  it('finds stray braces and end without a block', () => {
    expect(checkAlertTemplate('value }} here')[0]!.message).toBe('has "}}" without "{{"');
    expect(checkAlertTemplate('{{ end }}')[0]!.message).toBe('has "{{ end }}" without a block to close');
  });
});
