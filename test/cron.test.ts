import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCronSchedule } from '../src/core/cron.js';
import { ErrorContext, KeelsonError } from '../src/core/errors.js';

const ctx = new ErrorContext('shop/backup');
const parse = (schedule: unknown, timeZone?: unknown) => parseCronSchedule(ctx, 'schedule', schedule, 'timeZone', timeZone);

/** The KeelsonError a call throws, so tests can assert its field, rule and hint. */
function failure(call: () => unknown): KeelsonError {
  try {
    call();
  } catch (e) {
    if (e instanceof KeelsonError) return e;
    throw e;
  }
  throw new Error('expected a KeelsonError, but the call succeeded');
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59, names: [] as string[] },
  { name: 'hour', min: 0, max: 23, names: [] },
  { name: 'day-of-month', min: 1, max: 31, names: [] },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day-of-week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];
type Field = (typeof FIELDS)[number];

/** A value of the field, written as a number (sometimes zero-padded or signed, as Go's Atoi allows) or a name in any case. */
const valueText = (f: Field, n: number) =>
  fc.oneof(
    fc.constant(String(n)),
    fc.constant(`0${n}`),
    fc.constant(`+${n}`),
    ...(f.names.length ? [fc.mixedCase(fc.constant(f.names[n - (f.name === 'month' ? 1 : 0)]!))] : []),
  );

/** One valid list item of the field: wildcard, value, range, each with or without a step. */
const validItem = (f: Field) =>
  fc
    .tuple(fc.integer({ min: f.min, max: f.max }), fc.integer({ min: f.min, max: f.max }), fc.integer({ min: 1, max: 70 }))
    .chain(([a, b, step]) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return fc.oneof(
        fc.constantFrom('*', '?', `*/${step}`, `?/${step}`),
        valueText(f, lo),
        valueText(f, lo).map((s) => `${s}/${step}`),
        fc.tuple(valueText(f, lo), valueText(f, hi)).map(([x, y]) => `${x}-${y}`),
        fc.tuple(valueText(f, lo), valueText(f, hi)).map(([x, y]) => `${x}-${y}/${step}`),
      );
    });

const validField = (f: Field) => fc.array(validItem(f), { minLength: 1, maxLength: 3 }).map((items) => items.join(','));
const blank = fc.constantFrom(' ', '  ', '\t', ' \t ');
const validExpression = fc
  .tuple(fc.tuple(...FIELDS.map(validField)), fc.array(blank, { minLength: 4, maxLength: 4 }), fc.boolean())
  .map(([fields, gaps, padded]) => {
    const text = fields.map((part, i) => (i === 0 ? part : gaps[i - 1]! + part)).join('');
    return padded ? ` ${text} ` : text;
  });

/**
 * robfig/cron v3's field grammar, transcribed as a reference: a field is a comma list
 * (empty items dropped) of `* | ? | v | v-v` with an optional `/step`; values are names or
 * Go integers; `N/step` runs to the field maximum.
 */
function robfigAccepts(text: string, f: Field): boolean {
  const atoi = (s: string) => (/^[+-]?[0-9]+$/.test(s) && BigInt(s) <= 9223372036854775807n && BigInt(s) >= -9223372036854775808n ? Number(s) : undefined);
  const value = (s: string) => {
    const i = f.names.indexOf(s.toLowerCase());
    return i >= 0 ? i + (f.name === 'month' ? 1 : 0) : atoi(s);
  };
  for (const expr of text.split(',').filter((r) => r !== '')) {
    const rangeAndStep = expr.split('/');
    const lowAndHigh = rangeAndStep[0]!.split('-');
    let start: number | undefined;
    let end: number | undefined;
    if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') [start, end] = [f.min, f.max];
    else if (lowAndHigh.length > 2) return false;
    else [start, end] = [value(lowAndHigh[0]!), value(lowAndHigh[lowAndHigh.length - 1]!)];
    let step = 1;
    if (rangeAndStep.length > 2) return false;
    if (rangeAndStep.length === 2) {
      const parsed = atoi(rangeAndStep[1]!);
      if (parsed === undefined) return false;
      step = parsed;
      if (lowAndHigh.length === 1) end = f.max;
    }
    if (start === undefined || end === undefined || start < 0 || end < 0 || step < 0) return false;
    if (start < f.min || end > f.max || start > end || step === 0) return false;
  }
  return true;
}

/** Inputs robfig accepts that Keelson rejects on purpose: empty list items and `*-N`. */
const deliberatelyStricter = (text: string) =>
  text.split(',').some((item) => item === '' || /^[*?]-/.test(item));

describe('cron schedules (property-based)', () => {
  it('accepts every generated valid 5-field expression, unchanged', () => {
    fc.assert(
      fc.property(validExpression, (expression) => {
        expect(parse(expression)).toEqual({ expression });
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts a field exactly when robfig/cron v3 does, apart from the deliberate strictness', () => {
    const token = fc.constantFrom('*/', '/0', '/2', '1-5', '*', '?', '0', '1', '5', '6', '7', '12', '13', '23', '24', '31', '32', '59', '60', '-', ',', '/', '+', 'jan', 'DEC', 'Sun', 'sat', 'x', '');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(token, { minLength: 1, maxLength: 6 }), (index, tokens) => {
        const text = tokens.join('');
        fc.pre(text !== '' && !deliberatelyStricter(text));
        const fields = ['*', '*', '*', '*', '*'];
        fields[index] = text;
        const expression = fields.join(' ');
        let accepted = true;
        try {
          parse(expression);
        } catch (e) {
          expect(e).toBeInstanceOf(KeelsonError);
          expect((e as KeelsonError).rule.startsWith(`${FIELDS[index]!.name} `)).toBe(true);
          accepted = false;
        }
        expect(accepted).toBe(robfigAccepts(text, FIELDS[index]!));
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects every out-of-range value in each field, naming the field, the value and its range', () => {
    const outOfRange = fc.integer({ min: 0, max: 4 }).chain((index) => {
      const f = FIELDS[index]!;
      const low = f.min > 0 ? [fc.integer({ min: 0, max: f.min - 1 })] : [];
      return fc.tuple(fc.constant(index), fc.oneof(fc.integer({ min: f.max + 1, max: 100_000 }), ...low), fc.integer({ min: 0, max: 3 }));
    });
    fc.assert(
      fc.property(outOfRange, ([index, bad, shape]) => {
        const f = FIELDS[index]!;
        const item = [`${bad}`, `${bad}/5`, `${f.min}-${bad}`, `${bad}-${f.max}`][shape]!;
        const fields = ['*', '*', '*', '*', '*'];
        fields[index] = item;
        const expression = fields.join(' ');
        const error = failure(() => parse(expression));
        expect(error.field).toBe('schedule');
        expect(error.value).toBe(expression);
        expect(error.rule).toContain(`${f.name} ${bad} is out of range ${f.min}-${f.max}`);
      }),
      { numRuns: 1000 },
    );
  });

  it('never fails with anything but a KeelsonError, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.anything()), (value) => {
        try {
          parse(value);
        } catch (e) {
          expect(e).toBeInstanceOf(KeelsonError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('cron schedules', () => {
  it('names the field, value and range, as the API server would', () => {
    expect(failure(() => parse('0 25 * * *')).message).toBe(
      'shop/backup: schedule "0 25 * * *" hour 25 is out of range 0-23. The five fields are minute hour day-of-month month day-of-week, in that order',
    );
  });

  it('takes 0-6 for the day of week: 7 is not Sunday', () => {
    expect(parse('0 3 * * 0').expression).toBe('0 3 * * 0');
    const error = failure(() => parse('0 3 * * 7'));
    expect(error.rule).toBe('day-of-week 7 is out of range 0-6 (or SUN-SAT)');
    expect(error.hint).toContain('Sunday is 0');
  });

  it('takes month and day names in any case, but only the three-letter names', () => {
    expect(() => parse('0 3 * jan-MAR mon-Fri')).not.toThrow();
    expect(failure(() => parse('0 3 * * sunday')).rule).toBe('day-of-week "sunday" is not a number or a name (SUN-SAT)');
  });

  it('rejects backwards ranges, zero steps and repeated separators', () => {
    expect(failure(() => parse('30-10 * * * *')).rule).toBe('minute range "30-10" runs backwards (30 is after 10)');
    expect(failure(() => parse('*/0 * * * *')).rule).toBe('minute step 0 in "*/0" must be at least 1');
    expect(failure(() => parse('* 1-2-3 * * *')).rule).toBe('hour "1-2-3" has more than one "-"');
    expect(failure(() => parse('* * 1/2/3 * *')).rule).toBe('day-of-month "1/2/3" has more than one "/"');
    expect(failure(() => parse('* * * * 1/-1')).rule).toBe('day-of-week step -1 in "1/-1" is out of range');
  });

  it('is stricter than robfig where robfig silently misreads: empty list items and *-N', () => {
    expect(failure(() => parse('1,,2 * * * *')).rule).toBe('minute "1,,2" has an empty list item');
    expect(failure(() => parse('*-5 * * * *')).rule).toBe('minute "*-5" puts a range after a wildcard');
  });

  it('wants exactly five fields', () => {
    const six = failure(() => parse('0 0 3 * * *'));
    expect(six.rule).toMatch(/^has 6 fields; Kubernetes expects exactly 5/);
    expect(six.hint).toContain('no seconds field');
    expect(failure(() => parse('0 3 * *')).rule).toMatch(/^has 4 fields/);
  });

  it('rejects empty and non-string schedules', () => {
    expect(failure(() => parse('')).rule).toBe('must not be empty');
    expect(failure(() => parse('   ')).rule).toBe('must not be empty');
    expect(failure(() => parse(30)).rule).toBe('must be a string');
    expect(failure(() => parse(undefined)).rule).toBe('must be a string');
  });

  it('accepts the descriptors, exactly as written', () => {
    for (const d of ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']) {
      expect(parse(d)).toEqual({ expression: d });
    }
    const upper = failure(() => parse('@Daily'));
    expect(upper.rule).toBe('is not a known descriptor');
    expect(upper.hint).toBe('Descriptors are lower-case: "@daily"');
    expect(failure(() => parse('@reboot')).rule).toBe('is not a known descriptor');
    expect(failure(() => parse('@daily ')).rule).toBe('is not a known descriptor');
  });

  it('accepts @every with a Go duration of at least a second', () => {
    for (const d of ['1h30m', '1s', '1.5h', '90m', '+2h', '1h0m0s', '1000ms', '.5m', '2h45m30.5s']) {
      expect(parse(`@every ${d}`).expression).toBe(`@every ${d}`);
    }
    for (const d of ['0s', '0', '-1h', '500ms']) {
      expect(failure(() => parse(`@every ${d}`)).rule).toBe(`has an @every interval "${d}" shorter than 1s`);
    }
    for (const d of ['abc', '1h 30m', '1d', '', '1', '.s', '1h30']) {
      expect(failure(() => parse(`@every ${d}`)).rule).toBe(`has an @every interval "${d}" that is not a Go duration`);
    }
  });

  it('rejects a TZ or CRON_TZ prefix and points at the time zone field', () => {
    const prefixed = failure(() => parse('CRON_TZ=Europe/Berlin 0 3 * * *'));
    expect(prefixed.rule).toMatch(/^must not contain TZ or CRON_TZ/);
    expect(prefixed.hint).toBe('Remove the prefix and set timeZone to "Europe/Berlin"');
    expect(failure(() => parse('TZ=UTC @daily')).hint).toBe('Remove the prefix and set timeZone to "UTC"');
  });
});

describe('cron time zones', () => {
  const zone = (timeZone: unknown) => parse('0 3 * * *', timeZone);

  it('accepts IANA names, their aliases and UTC', () => {
    for (const tz of ['Europe/Berlin', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/UTC', 'US/Pacific', 'Etc/GMT+5']) {
      expect(zone(tz)).toEqual({ expression: '0 3 * * *', timeZone: tz });
    }
    expect(zone(undefined)).toEqual({ expression: '0 3 * * *' });
  });

  it('rejects a misspelt zone with a hint naming the nearest one', () => {
    const error = failure(() => zone('Europe/Berlinn'));
    expect(error.field).toBe('timeZone');
    expect(error.value).toBe('Europe/Berlinn');
    expect(error.rule).toBe('is not a time zone the API server knows');
    expect(error.hint).toBe('Did you mean "Europe/Berlin"?');
    expect(failure(() => zone('Berlin')).hint).toBe('Did you mean "Europe/Berlin"?');
    expect(failure(() => zone('europe/berlin')).hint).toBe('Did you mean "Europe/Berlin"?');
  });

  it('rejects unknown zones without a misleading hint', () => {
    const error = failure(() => zone('Mars/Olympus'));
    expect(error.rule).toBe('is not a time zone the API server knows');
    expect(error.hint).not.toMatch(/Did you mean/);
  });

  it('rejects spaces, Local, empty and malformed names as the API server does', () => {
    const spaced = failure(() => zone('America/New York'));
    expect(spaced.rule).toBe('must not contain spaces (IANA names use "_")');
    expect(spaced.hint).toBe('Did you mean "America/New_York"?');
    expect(failure(() => zone('Local')).rule).toBe('must name an explicit IANA time zone, not Local');
    expect(failure(() => zone('')).rule).toBe('must not be empty');
    expect(failure(() => zone('+01:00')).rule).toMatch(/^is not an IANA time zone name/);
    expect(failure(() => zone('Europe/../Berlin')).rule).toMatch(/part "\.\."/);
    expect(failure(() => zone(1)).rule).toBe('must be a string');
  });

  it('rejects names the IANA database dropped even though ICU still knows them', () => {
    expect(failure(() => zone('US/Pacific-New')).rule).toBe('is not a time zone the API server knows');
    expect(failure(() => zone('SystemV/AST4')).rule).toBe('is not a time zone the API server knows');
  });
});
