import { durationSeconds, isPromDuration } from './promql.js';

const DESCRIPTORS: Readonly<Record<string, number>> = {
  '@hourly': 3600, '@daily': 86400, '@midnight': 86400, '@weekly': 7 * 86400, '@monthly': 31 * 86400, '@yearly': 366 * 86400, '@annually': 366 * 86400,
};

/**
 * The longest gap between two runs of a (checked) cron schedule, roughly: an hour when it
 * runs every hour, a day when on some hours of every day, a week when on some weekdays,
 * a month when on some days of the month, a year when in some months. Alerts allow twice this.
 */
export function schedulePeriodSeconds(expression: string): number {
  const trimmed = expression.trim().replace(/^(CRON_)?TZ=\S+\s+/, '');
  if (DESCRIPTORS[trimmed] !== undefined) return DESCRIPTORS[trimmed]!;
  if (trimmed.startsWith('@every ')) {
    const every = trimmed.slice(7).trim().replace(/(\d+)(ns|us|µs)/g, '');
    return isPromDuration(every) ? Math.max(60, durationSeconds(every)) : 86400;
  }
  const [, hour = '*', dom = '*', month = '*', dow = '*'] = trimmed.split(/\s+/);
  const every = (f: string) => f === '*' || f === '?';
  if (!every(month)) return 366 * 86400;
  if (!every(dom)) return 31 * 86400;
  if (!every(dow)) return 7 * 86400;
  if (!every(hour) && !hour.includes('/')) return 86400;
  return 3600;
}
