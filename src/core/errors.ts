/**
 * An input error that names where it happened and how to fix it.
 *
 * The message reads `<construct path>: <field> <value> <rule>. <hint>`, e.g.
 * `shop/api: port 80800 is not a valid port (1-65535). Use the port your container listens on.`
 */
export class KeelsonError extends Error {
  /** Construct path, e.g. `shop-staging/api`. */
  public readonly path: string;
  /** The prop or field that is wrong, e.g. `autoscale.max`. */
  public readonly field: string;
  /** The offending value, as given. */
  public readonly value: unknown;
  /** The rule the value breaks. */
  public readonly rule: string;
  /** How to fix it. */
  public readonly hint?: string;

  constructor(details: { path: string; field: string; value: unknown; rule: string; hint?: string }) {
    const shown = describeValue(details.value);
    super(`${details.path}: ${details.field} ${shown} ${details.rule}${details.hint ? `. ${details.hint}` : ''}`);
    this.name = 'KeelsonError';
    this.path = details.path;
    this.field = details.field;
    this.value = details.value;
    this.rule = details.rule;
    this.hint = details.hint;
  }
}

/** Several input errors found together; synth reports all of them at once. */
export class KeelsonErrors extends Error {
  public readonly errors: readonly KeelsonError[];

  /** `note` is a last line, e.g. where the build stopped. */
  constructor(errors: readonly KeelsonError[], note?: string) {
    super(`${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map((e) => `  - ${e.message}`).join('\n')}${note ? `\n${note}` : ''}`);
    this.name = 'KeelsonErrors';
    this.errors = errors;
  }
}

/** A file or folder synth or a command cannot use: one line naming the path, what is wrong and what to do. */
export class OutputError extends Error {
  constructor(
    /** The file or folder. */
    public readonly file: string,
    /** What is wrong with it. */
    public readonly problem: string,
    /** What to do. */
    public readonly hint: string,
  ) {
    super(`${file}: ${problem}. ${hint}`);
    this.name = 'OutputError';
  }
}

/** Renders a value for an error message: strings quoted, objects as compact JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return '(missing)';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return String(value);
  }
}

/** Builds errors for one construct path, so call sites stay short. */
export class ErrorContext {
  constructor(public readonly path: string) {}

  error(field: string, value: unknown, rule: string, hint?: string): KeelsonError {
    return new KeelsonError({ path: this.path, field, value, rule, hint });
  }

  /** Throws when `ok` is false. */
  check(ok: boolean, field: string, value: unknown, rule: string, hint?: string): void {
    if (!ok) throw this.error(field, value, rule, hint);
  }
}
