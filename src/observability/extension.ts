import { builtInKinds } from '../core/builtin-kinds.js';
import type { KindDefinition } from '../core/kind-definition.js';
import type { SynthExtension } from '../core/synth-context.js';
import { checkRuleGroups, PROMETHEUS_RULE_RULES } from './rule-checks.js';

/**
 * The PrometheusRule kind with its content checked: every rule of every PrometheusRule in
 * the output, hand-written ones included, is checked as Prometheus loads it (PromQL,
 * durations, names, templates, severities, duplicate alerts).
 */
function prometheusRuleKind(): KindDefinition {
  const base = builtInKinds().find((d) => d.group === 'monitoring.coreos.com' && d.kind === 'PrometheusRule')!;
  return { ...base, inspect: (json) => checkRuleGroups(json.spec?.groups, 'spec.groups'), rules: Object.values(PROMETHEUS_RULE_RULES) };
}

/** What the observability area adds to every synth and to `keelson check`: the checked PrometheusRule kind. */
export const observabilityExtension: SynthExtension = {
  name: 'observability',
  get kinds() {
    return [prometheusRuleKind()];
  },
};
