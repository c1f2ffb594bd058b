import { Construct } from 'constructs';
import type { ErrorContext } from '../core/errors.js';
import { checkKnownKeys } from '../core/props.js';
import { PrometheusRule, type AlertRuleProps, type AlertSeverity, type RecordingRuleProps } from './prometheus-rule.js';
import { checkPromql, durationSeconds, isPromDuration, METRIC_NAME } from './promql.js';
import { pascal } from './workload-alerts.js';

/**
 * The metric names a service's framework exports, as typed inputs of an SLO. The defaults
 * are the Prometheus client libraries' conventional names.
 */
export interface SloMetrics {
  /** Counter of handled requests. @default 'http_requests_total' */
  readonly requests?: string;
  /** Label matchers that pick the failed requests among them (PromQL matcher syntax). @default 'code=~"5.."' */
  readonly errors?: string;
  /** Histogram of request durations in seconds, without the `_bucket` suffix. @default 'http_request_duration_seconds' */
  readonly latency?: string;
}

/** A latency objective: `percentile`% of requests are faster than `threshold`. */
export interface LatencyObjective {
  /** The duration, e.g. `300ms`; must be a bucket boundary (`le`) of the latency histogram. */
  readonly threshold: string;
  /** The share of requests that must be faster, in percent, e.g. 99. */
  readonly percentile: number;
}

/** Service level objectives of a WebService. */
export interface SloProps {
  /** Share of requests that must succeed, in percent, e.g. 99.9. @default - no availability objective */
  readonly availability?: number;
  /** Share of requests that must be faster than a threshold. @default - no latency objective */
  readonly latency?: LatencyObjective;
  /** The request, error and latency metrics of the service. @default - the client libraries' conventional names */
  readonly metric?: SloMetrics;
}

/** One pair of windows of a multi-window, multi-burn-rate alert. */
export interface BurnRateWindow {
  /** The long window, which makes the alert significant, e.g. `1h`. */
  readonly long: string;
  /** The short window, which lets the alert reset soon after the burn stops (1/12 of the long one). */
  readonly short: string;
  /** How many times faster than sustainable the budget burns. */
  readonly factor: number;
  /** `page` for fast burns, `ticket` for slow ones. */
  readonly severity: AlertSeverity;
}

/**
 * The windows and burn-rate factors of the Google SRE workbook ("Alerting on SLOs", table 5-8):
 * 2% of a 30-day budget spent in 1 hour or 5% in 6 hours pages; 10% in 3 days opens a ticket.
 */
export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'page' },
  { long: '6h', short: '30m', factor: 6, severity: 'page' },
  { long: '1d', short: '2h', factor: 3, severity: 'ticket' },
  { long: '3d', short: '6h', factor: 1, severity: 'ticket' },
];

/** A burn-rate window with the error-ratio threshold it alerts above for one objective. */
export interface BurnRateThreshold extends BurnRateWindow {
  /** `factor × (1 − objective)`: the error ratio above which both windows must be for the alert to fire. */
  readonly threshold: number;
}

/** The thresholds of every window for an objective given as a fraction (0.999 for 99.9%). */
export function burnRateThresholds(objective: number): BurnRateThreshold[] {
  const budget = 1 - objective;
  return BURN_RATE_WINDOWS.map((w) => ({ ...w, threshold: round(w.factor * budget) }));
}

const round = (n: number) => Number(n.toPrecision(6));
const WINDOWS = [...new Set(BURN_RATE_WINDOWS.flatMap((w) => [w.short, w.long]))].sort((a, b) => durationSeconds(a) - durationSeconds(b));
const SLO_KEYS = ['availability', 'latency', 'metric'];

/** The recorded error-ratio series of a window, e.g. `slo:sli_error:ratio_rate5m`. */
export function errorRatioRecord(window: string): string {
  return `slo:sli_error:ratio_rate${window}`;
}

/** A histogram `le` label value as Prometheus 3 writes it (0.3 → "0.3", 1 → "1.0"). */
export function leValue(seconds: number): string {
  return Number.isInteger(seconds) ? `${seconds}.0` : String(seconds);
}

/** Checks `slo` props. */
export function checkSlo(ctx: ErrorContext, field: string, slo: SloProps): Required<Pick<SloProps, 'metric'>> & SloProps {
  ctx.check(slo !== null && typeof slo === 'object' && !Array.isArray(slo), field, slo, 'must be { availability?, latency?, metric? }');
  checkKnownKeys(ctx, field, slo, SLO_KEYS);
  ctx.check(slo.availability !== undefined || slo.latency !== undefined, field, slo, 'sets no objective', 'Set availability (e.g. 99.9) or latency ({ threshold: "300ms", percentile: 99 })');
  const objective = (f: string, value: unknown) => {
    ctx.check(typeof value === 'number' && value > 0 && value < 100, f, value, 'must be a percentage below 100, e.g. 99.9');
    const fastest = BURN_RATE_WINDOWS[0]!;
    ctx.check(
      fastest.factor * (1 - (value as number) / 100) < 1,
      f, value, `leaves an error budget so large that a ${fastest.factor}× burn over ${fastest.long} would need more than 100% errors`,
      'Use an objective above 93.1%, as multi-burn-rate alerting assumes',
    );
  };
  if (slo.availability !== undefined) objective(`${field}.availability`, slo.availability);
  if (slo.latency !== undefined) {
    const l = slo.latency;
    ctx.check(l !== null && typeof l === 'object', `${field}.latency`, l, 'must be { threshold, percentile }');
    checkKnownKeys(ctx, `${field}.latency`, l, ['threshold', 'percentile']);
    ctx.check(isPromDuration(l.threshold) && durationSeconds(l.threshold) > 0, `${field}.latency.threshold`, l.threshold, 'is not a Prometheus duration', 'e.g. "300ms", "1s"');
    objective(`${field}.latency.percentile`, l.percentile);
  }
  const m = slo.metric ?? {};
  ctx.check(m !== null && typeof m === 'object', `${field}.metric`, m, 'must be { requests?, errors?, latency? }');
  checkKnownKeys(ctx, `${field}.metric`, m, ['requests', 'errors', 'latency']);
  for (const key of ['requests', 'latency'] as const) {
    if (m[key] !== undefined) ctx.check(typeof m[key] === 'string' && METRIC_NAME.test(m[key]!), `${field}.metric.${key}`, m[key], 'is not a metric name', 'e.g. "http_requests_total"');
  }
  if (m.errors !== undefined) {
    const problem = typeof m.errors === 'string' ? checkPromql(`x{${m.errors}}`)[0] : { message: 'is not a string', column: 3 };
    ctx.check(!problem, `${field}.metric.errors`, m.errors, `is not a list of label matchers${problem ? ` (at column ${problem.column - 2}: ${problem.message})` : ''}`, 'e.g. code=~"5.." or status="error"');
  }
  return { ...slo, metric: m };
}

/** Props of {@link ServiceLevelObjectives}. */
export interface ServiceLevelObjectivesProps {
  /** The checked objectives. */
  readonly slo: SloProps;
  /** `metadata.name` of the service (its metrics carry `service=<this>`). */
  readonly service: string;
  /** Namespace of the service. */
  readonly namespace: string;
  /** Name of the PrometheusRule. */
  readonly name: string;
  /** Labels on the PrometheusRule (e.g. the service's standard labels). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * Recording rules and multi-window, multi-burn-rate alerts for a service's availability and
 * latency objectives, as the Google SRE workbook describes: the error ratio is recorded over
 * 5m, 30m, 1h, 2h, 6h, 1d and 3d, and an alert fires when both windows of a pair burn the
 * 30-day budget faster than the pair's factor (page: 14.4× over 1h and 5m, 6× over 6h and
 * 30m; ticket: 3× over 1d and 2h, 1× over 3d and 6h).
 */
export class ServiceLevelObjectives extends Construct {
  /** The PrometheusRule. */
  public readonly rule: PrometheusRule;

  constructor(scope: Construct, id: string, props: ServiceLevelObjectivesProps) {
    super(scope, id);
    const { slo, service, namespace } = props;
    const m = slo.metric ?? {};
    const requests = m.requests ?? 'http_requests_total';
    const errors = m.errors ?? 'code=~"5.."';
    const latency = m.latency ?? 'http_request_duration_seconds';
    const sel = `namespace=${JSON.stringify(namespace)}, service=${JSON.stringify(service)}`;
    const groups = [];
    const objectives: { kind: 'availability' | 'latency'; objective: number; ratio: (w: string) => string; what: string }[] = [];
    if (slo.availability !== undefined) {
      objectives.push({
        kind: 'availability',
        objective: slo.availability / 100,
        ratio: (w) => `sum(rate(${requests}{${sel}, ${errors}}[${w}])) / sum(rate(${requests}{${sel}}[${w}]))`,
        what: `${slo.availability}% of requests succeed`,
      });
    }
    if (slo.latency !== undefined) {
      const le = leValue(durationSeconds(slo.latency.threshold));
      objectives.push({
        kind: 'latency',
        objective: slo.latency.percentile / 100,
        ratio: (w) => `1 - (sum(rate(${latency}_bucket{${sel}, le="${le}"}[${w}])) / sum(rate(${latency}_count{${sel}}[${w}])))`,
        what: `${slo.latency.percentile}% of requests are faster than ${slo.latency.threshold}`,
      });
    }
    for (const o of objectives) {
      const sloName = `${service}-${o.kind}`;
      const labels = { slo: sloName };
      const records: RecordingRuleProps[] = WINDOWS.map((w) => ({ record: errorRatioRecord(w), expr: o.ratio(w), labels }));
      const thresholds = burnRateThresholds(o.objective);
      const alerts: AlertRuleProps[] = (['page', 'ticket'] as const).map((severity) => {
        const pairs = thresholds.filter((t) => t.severity === severity);
        const at = (w: string) => `${errorRatioRecord(w)}{slo="${sloName}"}`;
        const expr = pairs.map((p) => `(${at(p.long)} > ${p.threshold} and ${at(p.short)} > ${p.threshold})`).join(' or ');
        const title = o.kind === 'availability' ? 'Availability' : 'Latency';
        return {
          alert: `${pascal(service)}${title}${severity === 'page' ? 'FastBurn' : 'SlowBurn'}`,
          expr,
          severity,
          labels,
          summary: `${service} is burning its ${o.kind} error budget ${severity === 'page' ? 'fast' : 'steadily'}`,
          description:
            `The objective "${o.what}" over 30 days: the error ratio is {{ $value | humanizePercentage }}, ` +
            `${pairs.map((p) => `above ${p.factor}× the budget over ${p.long} and ${p.short}`).join(' or ')}.`,
          runbookUrl: 'https://sre.google/workbook/alerting-on-slos/',
        };
      });
      groups.push({ name: `${namespace}.${sloName}`, rules: [...records, ...alerts] });
    }
    this.rule = new PrometheusRule(this, 'rule', { name: props.name, groups, ...(props.labels ? { labels: props.labels } : {}) });
  }
}
