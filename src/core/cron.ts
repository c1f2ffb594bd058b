/*
 * CronJob schedules, checked the way the Kubernetes 1.28 API server checks them.
 *
 * The API server parses `spec.schedule` with robfig/cron v3's `ParseStandard`: exactly five
 * fields (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 0-6 or
 * SUN-SAT; 7 is not Sunday), each a comma list of `*`, `?`, `N`, `N-M`, with an optional `/step`,
 * month and day names case-insensitive; or one of the descriptors `@yearly` `@annually`
 * `@monthly` `@weekly` `@daily` `@midnight` `@hourly` `@every <Go duration>`. It then rejects any
 * schedule containing `TZ` (the zone belongs in `spec.timeZone`), and checks `spec.timeZone`
 * against the IANA name rules and Go's `time.LoadLocation`.
 *
 * This is a small hand-written parser rather than an npm library: cron-parser, croner and
 * cron-validate all accept a seconds field, `L`, `W` or `#`, and some accept 7 for Sunday, which
 * the API server rejects; none reproduces robfig's grammar. Where robfig silently accepts
 * something that cannot be what was meant, this parser is deliberately stricter:
 * empty list items (`1,,2`, a field of only commas, which never fires), text after a wildcard in
 * a range (`*-5`, which robfig reads as `*`), and `@every` intervals under one second (which
 * robfig rounds up to one second).
 *
 * Time zones are checked against the zones Node's ICU knows (`Intl`), standing in for the Go
 * tzdata the API server loads. ICU matches names case-insensitively where Go does not, so a part
 * that starts with a lower-case letter is rejected (every IANA name part starts upper-case), and
 * ICU still knows a few names the IANA database dropped, which are rejected too.
 */
import { ErrorContext } from './errors.js';
import { editDistance } from './props.js';

/** A checked CronJob schedule. */
export interface CronSchedule {
  /** The schedule exactly as given, for `spec.schedule`. */
  readonly expression: string;
  /** The IANA time zone for `spec.timeZone`. @default the kube-controller-manager's own zone */
  readonly timeZone?: string;
}

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Lower-case names to values, as robfig accepts them. */
  readonly names?: Readonly<Record<string, number>>;
  readonly namesHint?: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: Object.fromEntries(MONTHS.map((m, i) => [m, i + 1])), namesHint: 'JAN-DEC' },
  { name: 'day-of-week', min: 0, max: 6, names: Object.fromEntries(DAYS.map((d, i) => [d, i])), namesHint: 'SUN-SAT' },
];

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const EVERY = '@every ';
const FIELD_ORDER_HINT = 'The five fields are minute hour day-of-month month day-of-week, in that order';
const EXAMPLE_HINT = 'Write five fields "minute hour day-of-month month day-of-week", e.g. "0 3 * * *", or a descriptor such as "@daily"';

/** What Go's `strings.Fields` splits on (`unicode.IsSpace`). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
/** Go's `strconv.Atoi` syntax: an optional sign and ASCII digits. */
const GO_INT = /^[+-]?[0-9]+$/;
const INT64_MAX = 9223372036854775807n;

/** Checks a schedule as Kubernetes 1.28's CronJob validation does; throws ctx.error(...) naming field, value and rule. */
export function parseCronSchedule(ctx: ErrorContext, field: string, value: unknown, timeZoneField: string, timeZone: unknown): CronSchedule {
  if (typeof value !== 'string') throw ctx.error(field, value, 'must be a string', EXAMPLE_HINT);
  if (value.trim() === '') throw ctx.error(field, value, 'must not be empty', EXAMPLE_HINT);
  if (value.includes('TZ')) {
    const prefix = /^(?:CRON_)?TZ=(\S+)/.exec(value);
    throw ctx.error(
      field,
      value,
      `must not contain TZ or CRON_TZ (Kubernetes takes the zone only from ${timeZoneField})`,
      prefix ? `Remove the prefix and set ${timeZoneField} to "${prefix[1]}"` : `Set ${timeZoneField} instead`,
    );
  }
  if (value.startsWith('@')) checkDescriptor(ctx, field, value);
  else checkFields(ctx, field, value);
  if (timeZone === undefined) return { expression: value };
  return { expression: value, timeZone: checkTimeZone(ctx, timeZoneField, timeZone) };
}

function checkDescriptor(ctx: ErrorContext, field: string, value: string): void {
  if (DESCRIPTORS.includes(value)) return;
  if (value.startsWith(EVERY)) {
    const text = value.slice(EVERY.length);
    const nanos = parseGoDuration(text);
    if (nanos === undefined) {
      throw ctx.error(field, value, `has an @every interval "${text}" that is not a Go duration`, 'Use units h, m, s (or ms, us, ns) with no spaces, e.g. "@every 1h30m"');
    }
    if (nanos < 1e9) {
      throw ctx.error(field, value, `has an @every interval "${text}" shorter than 1s`, 'The cron parser would run it every second; use at least "1s"');
    }
    return;
  }
  const lower = value.toLowerCase();
  const hint = DESCRIPTORS.includes(lower) || lower.startsWith(EVERY)
    ? `Descriptors are lower-case: "${lower}"`
    : `Use one of ${DESCRIPTORS.join(', ')} or "@every <duration>"`;
  throw ctx.error(field, value, `is not a known descriptor`, hint);
}

function checkFields(ctx: ErrorContext, field: string, value: string): void {
  const parts = value.split(GO_SPACE).filter((p) => p !== '');
  if (parts.length !== FIELDS.length) {
    const hint = parts.length === 6
      ? 'Kubernetes has no seconds field; drop the first field'
      : EXAMPLE_HINT;
    throw ctx.error(field, value, `has ${parts.length} field${parts.length === 1 ? '' : 's'}; Kubernetes expects exactly 5 (minute hour day-of-month month day-of-week)`, hint);
  }
  parts.forEach((part, i) => checkField(ctx, field, value, FIELDS[i]!, part));
}

function checkField(ctx: ErrorContext, field: string, value: string, f: CronField, text: string): void {
  const fail = (rule: string, hint?: string): never => {
    throw ctx.error(field, value, `${f.name} ${rule}`, hint);
  };
  const range = `${f.min}-${f.max}${f.namesHint ? ` (or ${f.namesHint})` : ''}`;
  for (const item of text.split(',')) {
    if (item === '') fail(`"${text}" has an empty list item`, 'Separate values with single commas, e.g. "1,15"');
    const slash = item.split('/');
    if (slash.length > 2) fail(`"${item}" has more than one "/"`, 'Write a step once, e.g. "*/15" or "0-30/5"');
    const [span, stepText] = slash as [string, string | undefined];
    const dash = span.split('-');
    let start: number;
    let end: number;
    if (dash[0] === '*' || dash[0] === '?') {
      if (dash.length > 1) fail(`"${item}" puts a range after a wildcard`, `Use "${dash[0]}" alone or a range such as "${f.min}-${f.max}"`);
      start = f.min;
      end = f.max;
    } else {
      if (dash.length > 2) fail(`"${item}" has more than one "-"`, `Write a range as start-end, e.g. "${f.min}-${f.max}"`);
      start = parseValue(f, dash[0]!, item, fail, range);
      end = dash.length === 2 ? parseValue(f, dash[1]!, item, fail, range) : start;
    }
    if (stepText !== undefined) {
      if (!GO_INT.test(stepText)) fail(`step "${stepText}" in "${item}" is not a number`, 'Use a whole number, e.g. "*/15"');
      const step = BigInt(stepText);
      if (step < 0n || step > INT64_MAX) fail(`step ${stepText} in "${item}" is out of range`, 'Use a positive whole number, e.g. "*/15"');
      if (step === 0n) fail(`step 0 in "${item}" must be at least 1`, 'Use a positive step, e.g. "*/15"');
      // robfig reads a single value with a step, "N/step", as "N-max/step".
      if (dash.length === 1) end = f.max;
    }
    if (start > end) fail(`range "${span}" runs backwards (${start} is after ${end})`, `Write the smaller value first; a range cannot wrap past ${f.max}`);
  }
}

/** A value in a field: a name the field knows or a Go integer within the field's bounds. */
function parseValue(f: CronField, token: string, item: string, fail: (rule: string, hint?: string) => never, range: string): number {
  // Go's strings.ToLower maps the dotted capital I to a plain "i"; JavaScript adds a combining dot.
  const named = f.names?.[token.replaceAll('\u0130', 'i').toLowerCase()];
  if (named !== undefined) return named;
  const where = token === item ? '' : ` (in "${item}")`;
  if (!GO_INT.test(token)) {
    const what = token === '' ? 'value is missing' : `"${token}" is not a number${f.namesHint ? ` or a name (${f.namesHint})` : ''}`;
    return fail(`${what}${where}`, FIELD_ORDER_HINT);
  }
  const n = BigInt(token);
  if (n < f.min || n > f.max) {
    const hint = f.name === 'day-of-week' && n === 7n ? 'Sunday is 0; the Kubernetes cron parser does not accept 7' : FIELD_ORDER_HINT;
    return fail(`${token} is out of range ${range}${where}`, hint);
  }
  return Number(n);
}

const GO_UNITS: Readonly<Record<string, number>> = {
  ns: 1, us: 1e3, '\u00b5s': 1e3, '\u03bcs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};

/** Parses a duration as Go's `time.ParseDuration` does; returns nanoseconds, or undefined when Go would reject it. */
function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  while (s !== '') {
    const match = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    const [number, whole, fraction] = match;
    if ((whole ?? '') === '' && (fraction ?? '') === '') return undefined;
    s = s.slice(number.length);
    const unitMatch = /^[^.0-9]+/.exec(s);
    if (!unitMatch) return undefined;
    const unit = GO_UNITS[unitMatch[0]];
    if (unit === undefined) return undefined;
    s = s.slice(unitMatch[0].length);
    total += Number(`${whole || '0'}.${fraction || '0'}`) * unit;
    if (total > Number(INT64_MAX)) return undefined;
  }
  return sign * total;
}

/** The Kubernetes rule for each `/`-separated part of a zone name. */
const ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** Names ICU still accepts that the IANA database, and so Go's tzdata, dropped years ago. */
const DROPPED_ZONE = /^(SystemV\/|US\/Pacific-New$|Canada\/East-Saskatchewan$)/;

let knownZones: ReadonlySet<string> | undefined;

/** IANA zones Node's ICU lists, plus the UTC names it leaves out. */
function zones(): ReadonlySet<string> {
  knownZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return knownZones;
}

function intlKnows(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function checkTimeZone(ctx: ErrorContext, field: string, value: unknown): string {
  if (typeof value !== 'string') throw ctx.error(field, value, 'must be a string', 'Use an IANA time zone name such as "Europe/Berlin"');
  if (value === '') throw ctx.error(field, value, 'must not be empty', 'Leave it unset to use the controller\'s zone, or name one such as "Europe/Berlin"');
  const fail = (rule: string): never => {
    const suggestion = nearestZone(value);
    throw ctx.error(field, value, rule, suggestion ? `Did you mean "${suggestion}"?` : 'Use an IANA time zone name such as "Europe/Berlin" or "UTC"');
  };
  if (value.toLowerCase() === 'local') {
    throw ctx.error(field, value, 'must name an explicit IANA time zone, not Local', 'Local would be the controller\'s zone; name it, e.g. "UTC"');
  }
  if (/\s/.test(value)) fail('must not contain spaces (IANA names use "_")');
  const badPart = value.split('/').find((p) => p === '.' || p === '..' || p.startsWith('-') || !ZONE_PART.test(p));
  if (badPart !== undefined) {
    fail(`is not an IANA time zone name: part "${badPart}" must be 1-14 characters of letters, digits, ".", "-", "_", "+"`);
  }
  if (zones().has(value)) return value;
  const known = intlKnows(value) && !value.split('/').some((p) => /^[a-z]/.test(p)) && !DROPPED_ZONE.test(value);
  return known ? value : fail('is not a time zone the API server knows');
}

/** The known zone closest to `name` when one is close enough to be a likely typo. */
function nearestZone(name: string): string | undefined {
  const wanted = name.replaceAll(' ', '_').toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const zone of zones()) {
    const lower = zone.toLowerCase();
    const city = lower.slice(lower.lastIndexOf('/') + 1);
    const distance = Math.min(editDistance(wanted, lower), wanted.includes('/') ? Infinity : editDistance(wanted, city));
    if (distance < bestDistance) {
      best = zone;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(wanted.length / 4)) ? best : undefined;
}
