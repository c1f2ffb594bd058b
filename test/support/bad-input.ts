import { expect, it } from 'vitest';
import { KeelsonError } from '../../src/index.js';

/** Builds a construct from props (in a fresh stack `shop`). */
export type Make = (props: Record<string, unknown>) => unknown;

/** A bad input: a constructor, props, and the field, value and rule the error must name. */
export interface BadInputCase {
  readonly title: string;
  readonly make: Make;
  readonly props: Record<string, unknown>;
  readonly field: string;
  readonly value: string;
  readonly rule: string;
  /** The error's path when it is not a construct in `shop`, e.g. `Mesh.istio` for a factory's options. @default - a construct path in `shop` */
  readonly path?: string;
}

/** One test per case: building it throws a KeelsonError at a path in `shop` (or the case's `path`) that names the field, the value and the rule. */
export function itRefuses(cases: readonly BadInputCase[]): void {
  for (const c of cases) {
    it(c.title, () => {
      let error: unknown;
      try {
        c.make(c.props);
      } catch (e) {
        error = e;
      }
      expect(error, 'no error was thrown').toBeInstanceOf(KeelsonError);
      const e = error as KeelsonError;
      if (c.path !== undefined) expect(e.path).toBe(c.path);
      else expect(e.path).toMatch(/^shop\//);
      expect(e.field).toBe(c.field);
      expect(e.message).toContain(c.value);
      expect(e.message).toContain(c.rule);
    });
  }
}
