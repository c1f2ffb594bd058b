import type { EnvironmentProfile, MonitoringSettings } from '../core/environment.js';
import { ErrorContext } from '../core/errors.js';
import { checkLabels } from '../core/scheduling.js';
import { isPromDuration } from './promql.js';

/** An environment's monitoring settings with their defaults filled in. */
export interface ResolvedMonitoring {
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly scrapeInterval: string;
  readonly pageSeverity: string;
  readonly ticketSeverity: string;
  readonly alertLabels: Readonly<Record<string, string>>;
  readonly runbookBaseUrl?: string;
  readonly dashboardLabels: Readonly<Record<string, string>>;
  /** Namespace Prometheus runs in (`networkPolicies.monitoringNamespace`). */
  readonly namespace: string;
}

/** The monitoring settings of `env`, checked, with defaults. */
export function monitoringOf(env: EnvironmentProfile): ResolvedMonitoring {
  const m: MonitoringSettings = env.monitoring ?? {};
  const ctx = new ErrorContext(`environment ${env.name}`);
  const severity = (field: string, value: unknown) => {
    ctx.check(typeof value === 'string' && /^[a-z][a-z0-9_-]*$/.test(value), `monitoring.${field}`, value, 'is not a severity label value', 'Use e.g. "critical", "warning"');
    return value as string;
  };
  const interval = m.scrapeInterval ?? '30s';
  ctx.check(isPromDuration(interval), 'monitoring.scrapeInterval', interval, 'is not a Prometheus duration', 'Use e.g. "30s" or "1m"');
  if (m.runbookBaseUrl !== undefined) ctx.check(typeof m.runbookBaseUrl === 'string' && /^https?:\/\/\S+$/.test(m.runbookBaseUrl), 'monitoring.runbookBaseUrl', m.runbookBaseUrl, 'is not an http(s) URL');
  return {
    selectorLabels: m.selectorLabels === undefined ? {} : checkLabels(ctx, 'monitoring.selectorLabels', m.selectorLabels),
    scrapeInterval: interval,
    pageSeverity: severity('pageSeverity', m.pageSeverity ?? 'critical'),
    ticketSeverity: severity('ticketSeverity', m.ticketSeverity ?? 'warning'),
    alertLabels: m.alertLabels === undefined ? {} : checkLabels(ctx, 'monitoring.alertLabels', m.alertLabels),
    ...(m.runbookBaseUrl !== undefined ? { runbookBaseUrl: m.runbookBaseUrl } : {}),
    dashboardLabels: m.dashboardLabels === undefined ? { grafana_dashboard: '1' } : checkLabels(ctx, 'monitoring.dashboardLabels', m.dashboardLabels),
    namespace: env.networkPolicies.monitoringNamespace,
  };
}
