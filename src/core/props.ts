import { ErrorContext } from './errors.js';

/**
 * Rejects keys a props object does not know, with the nearest known key as a hint:
 * JavaScript callers (and `as any`) get no compiler, so a misspelt `replcias` must not be
 * ignored silently. `field` is the prop path of the object (`''` for the top level).
 */
export function checkKnownKeys(ctx: ErrorContext, field: string, value: unknown, known: readonly string[]): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = nearestKnown(key, known);
    throw ctx.error(
      field ? `${field}.${key}` : key,
      (value as Record<string, unknown>)[key],
      `is not a known prop${field ? ` of ${field}` : ''}`,
      near ? `Did you mean "${near}"?` : `Known props: ${[...new Set(known)].join(', ')}`,
    );
  }
}

/** Keys of `T` that a {@link propKeys} list leaves out; `unknown` when none is missing. */
type MissingKeys<T, Listed> = [Exclude<keyof T, Listed>] extends [never] ? unknown : { readonly missingKeys: Exclude<keyof T, Listed> };

/**
 * The keys of the props interface `T`, for {@link checkKnownKeys}, checked by the compiler in
 * both directions: a key of `T` left out fails with `missingKeys: "<key>"`, a key `T` does not
 * have fails as not assignable. Lists of a base interface spread in: `propKeys<B>()(...A_KEYS, 'b')`.
 */
export function propKeys<T extends object>() {
  return <const K extends readonly (keyof T & string)[]>(...keys: K & MissingKeys<T, K[number]>): readonly (keyof T & string)[] => keys;
}

/** Requires a plain object (or undefined when `optional`). */
export function checkObject(ctx: ErrorContext, field: string, value: unknown, optional = true): void {
  if (value === undefined && optional) return;
  ctx.check(value !== null && typeof value === 'object' && !Array.isArray(value), field, value, 'must be an object');
}

/** The known name closest to `key` by edit distance, when close enough to be a typo (for "did you mean" hints). */
export function nearestKnown(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** The Levenshtein distance between two strings (insertions, deletions and substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
