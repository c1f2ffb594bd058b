import type { ErrorContext } from '../core/errors.js';
import { checkPortName } from '../core/ports.js';
import { checkKnownKeys } from '../core/props.js';
import { isPromDuration } from './promql.js';

/** One endpoint Prometheus scrapes. */
export interface ScrapeEndpointProps {
  /** Name of the port (a Service port for a ServiceMonitor, a container port for a PodMonitor). */
  readonly port: string;
  /** HTTP path of the metrics. @default '/metrics' */
  readonly path?: string;
  /** How often to scrape, e.g. `30s`. @default - the environment's `monitoring.scrapeInterval` */
  readonly interval?: string;
  /** Give up on a scrape after this long; at most the interval. @default - Prometheus' scrape_timeout */
  readonly scrapeTimeout?: string;
  /** `http` or `https`. @default 'http' */
  readonly scheme?: 'http' | 'https';
}

/** Checks an endpoint and returns it as the operator's CRDs spell it. */
export function resolveScrapeEndpoint(ctx: ErrorContext, field: string, e: ScrapeEndpointProps, defaultInterval: string): Record<string, string> {
  ctx.check(e !== null && typeof e === 'object' && !Array.isArray(e), field, e, 'must be { port, path?, interval?, scrapeTimeout?, scheme? }');
  checkKnownKeys(ctx, field, e, ['port', 'path', 'interval', 'scrapeTimeout', 'scheme']);
  checkPortName(ctx, `${field}.port`, e.port);
  const path = e.path ?? '/metrics';
  ctx.check(typeof path === 'string' && /^\/\S*$/.test(path), `${field}.path`, path, 'must be a path starting with "/"', 'e.g. "/metrics"');
  const interval = e.interval ?? defaultInterval;
  ctx.check(isPromDuration(interval) && interval !== '0', `${field}.interval`, interval, 'is not a Prometheus duration', 'Use a number and a unit without spaces, e.g. "30s", "1m"');
  if (e.scrapeTimeout !== undefined) {
    ctx.check(isPromDuration(e.scrapeTimeout) && e.scrapeTimeout !== '0', `${field}.scrapeTimeout`, e.scrapeTimeout, 'is not a Prometheus duration', 'e.g. "10s"');
  }
  const scheme = e.scheme ?? 'http';
  ctx.check(scheme === 'http' || scheme === 'https', `${field}.scheme`, scheme, 'must be "http" or "https"');
  return { port: e.port, path, interval, ...(e.scrapeTimeout !== undefined ? { scrapeTimeout: e.scrapeTimeout } : {}), scheme };
}
