import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorContext, KeelsonError, formatBytes, formatCpu, isDnsLabel, parseCpu, parseMemory, parseStorage, suggestDnsLabel, toLabelValue, isLabelValue } from '../src/index.js';

const ctx = new ErrorContext('shop/api');
const dnsChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split(''));

describe('names (property-based)', () => {
  it('accepts exactly the DNS-1123 labels', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const expected = s.length >= 1 && s.length <= 63 && /^[a-z0-9]$|^[a-z0-9][-a-z0-9]*[a-z0-9]$/.test(s);
        expect(isDnsLabel(s)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts generated labels made of valid characters', () => {
    fc.assert(
      fc.property(fc.array(dnsChar, { minLength: 1, maxLength: 63 }), (chars) => {
        const s = chars.join('');
        const valid = !s.startsWith('-') && !s.endsWith('-');
        expect(isDnsLabel(s)).toBe(valid);
      }),
    );
  });

  it('always suggests a valid label, whatever the input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
      expect(isDnsLabel(suggestDnsLabel(s))).toBe(true);
    }));
  });

  it('always turns text into a valid label value', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
      expect(isLabelValue(toLabelValue(s))).toBe(true);
    }));
  });
});

describe('quantities (property-based)', () => {
  it('round-trips millicores and whole cores', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (m) => {
        const q = parseCpu(ctx, 'cpu', `${m}m`);
        expect(q.amount).toBe(m);
        expect(parseCpu(ctx, 'cpu', formatCpu(m)).amount).toBe(m);
      }),
    );
  });

  it('reads binary suffixes as powers of 1024 and keeps the text', () => {
    const units = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 } as const;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])), (n, unit) => {
        fc.pre(n * units[unit] >= 2 ** 20 || unit !== 'Ki');
        const q = parseMemory(ctx, 'memory', `${n}${unit}`);
        expect(q.amount).toBe(n * units[unit]);
        expect(q.text).toBe(`${n}${unit}`);
      }),
    );
  });

  it('formats bytes into a quantity that parses back to within a mebibyte', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2 ** 20, max: 2 ** 45 }), (bytes) => {
        const back = parseStorage(ctx, 'storage', formatBytes(bytes)).amount;
        expect(Math.abs(back - bytes)).toBeLessThanOrEqual(2 ** 19);
      }),
    );
  });

  it('rejects non-Kubernetes units, negatives and words with an error naming field and value', () => {
    const bad = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.constantFrom('MB', 'GB', 'mb', 'gi', 'KB', ' Mi', 'Gib', 'bytes')).map(([n, u]) => `${n}${u}`),
      fc.integer({ min: 1, max: 9999 }).map((n) => `-${n}Mi`),
      fc.constantFrom('', ' ', 'lots', '1.5.2Gi', 'Mi', '2 cores'),
    );
    fc.assert(
      fc.property(bad, (value) => {
        let error: unknown;
        try {
          parseMemory(ctx, 'resources.limits.memory', value);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(KeelsonError);
        expect((error as Error).message).toContain(`shop/api: resources.limits.memory ${JSON.stringify(value)} is not a valid memory quantity`);
      }),
    );
  });

  it('rejects CPU values that are not cores or millicores', () => {
    const bad = fc.oneof(
      fc.integer({ min: 1, max: 64 }).map((n) => `${n} cores`),
      fc.integer({ min: 1, max: 64 }).map((n) => `${n}c`),
      fc.integer({ min: 1, max: 64 }).map((n) => `-${n}`),
      fc.constantFrom('', 'm', '1.5m', '0m', '0'),
    );
    fc.assert(fc.property(bad, (value) => {
      expect(() => parseCpu(ctx, 'cpu', value)).toThrow(/^shop\/api: cpu "/);
    }));
  });
});
