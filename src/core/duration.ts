import { ErrorContext } from './errors.js';

const DURATION = /^(\d+)(s|m|h)$/;
const FACTOR: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** A duration: whole seconds as a number, or a string like `"30s"`, `"5m"`, `"1h"`. */
export type Duration = number | string;

/** Parses a duration into whole seconds; `min` is the smallest allowed value. */
export function parseDuration(ctx: ErrorContext, field: string, value: unknown, min = 0): number {
  let seconds: number | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) seconds = value;
  else if (typeof value === 'string') {
    const match = DURATION.exec(value);
    if (match) seconds = Number(match[1]) * FACTOR[match[2]!]!;
  }
  if (seconds === undefined) {
    throw ctx.error(field, value, 'is not a valid duration', 'Use whole seconds (30) or a string like "30s", "5m", "1h"');
  }
  if (seconds < min) throw ctx.error(field, value, `must be at least ${min} second${min === 1 ? '' : 's'}`);
  return seconds;
}
