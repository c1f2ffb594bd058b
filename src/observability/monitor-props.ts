import type { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { LABEL, sortLabels } from '../core/labels.js';
import { isDnsSubdomain } from '../core/names.js';
import { checkKnownKeys } from '../core/props.js';
import { checkLabels } from '../core/scheduling.js';
import { Stack } from '../core/stack.js';
import { monitoringOf } from './monitoring-settings.js';
import { durationSeconds } from './promql.js';
import { resolveScrapeEndpoint, type ScrapeEndpointProps } from './scrape-endpoint.js';

/** Props of a {@link ServiceMonitor} or {@link PodMonitor}. */
export interface MonitorProps {
  /** `metadata.name`. @default - the construct id */
  readonly name?: string;
  /** Labels of the Services (ServiceMonitor) or pods (PodMonitor) to scrape, in the monitor's namespace. */
  readonly selector: Readonly<Record<string, string>>;
  /** What to scrape on each of them. */
  readonly endpoints: readonly ScrapeEndpointProps[];
  /** Labels on the object (the environment's `monitoring.selectorLabels` are added). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Checks monitor props; returns the parts of the object. */
export function resolveMonitor(scope: Construct, id: string, props: MonitorProps) {
  const ctx = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
  ctx.check(props !== null && typeof props === 'object', 'props', props, 'must be { selector, endpoints, name?, labels? }');
  checkKnownKeys(ctx, '', props, ['name', 'selector', 'endpoints', 'labels']);
  const monitoring = monitoringOf(Stack.of(scope).env);
  const name = props.name ?? id;
  ctx.check(typeof name === 'string' && isDnsSubdomain(name), props.name === undefined ? 'id' : 'name', name, 'is not a valid object name (DNS-1123 subdomain)');
  const selector = checkLabels(ctx, 'selector', props.selector);
  ctx.check(Object.keys(selector).length > 0, 'selector', props.selector, 'selects everything in the namespace', 'Select by the labels of what to scrape, e.g. { "app.kubernetes.io/name": "api" }');
  ctx.check(Array.isArray(props.endpoints) && props.endpoints.length > 0, 'endpoints', props.endpoints, 'must be a non-empty list of { port, path?, interval? }');
  const endpoints = props.endpoints.map((e, i) => {
    const resolved = resolveScrapeEndpoint(ctx, `endpoints[${i}]`, e, monitoring.scrapeInterval);
    if (resolved.scrapeTimeout !== undefined && durationSeconds(resolved.scrapeTimeout) > durationSeconds(resolved.interval!)) {
      throw ctx.error(`endpoints[${i}].scrapeTimeout`, resolved.scrapeTimeout, `is longer than the interval ${resolved.interval}`, 'Prometheus refuses a scrape_timeout above the scrape_interval');
    }
    return resolved;
  });
  const labels = props.labels === undefined ? {} : checkLabels(ctx, 'labels', props.labels);
  return { name, selector, endpoints, labels: sortLabels({ [LABEL.managedBy]: 'keelson', ...labels, ...monitoring.selectorLabels }) };
}
