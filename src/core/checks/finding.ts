/** How bad a finding is: errors stop synth and fail `keelson check`; warnings are printed. */
export type Severity = 'error' | 'warning';

/** One rule of the checks that run at synth and in `keelson check`. */
export interface Rule {
  /** Stable id, used in reports and waivers, e.g. `pss-privileged`. */
  readonly id: string;
  /** Severity of every finding of the rule. */
  readonly severity: Severity;
  /** The family the rule belongs to, e.g. `schema`, `pod-security`. */
  readonly family: string;
  /** What the rule looks for, in one line. */
  readonly summary: string;
  /** How to fix a finding, in one line. */
  readonly fix: string;
}

/** A rule broken by one object. */
export interface Finding {
  /** Rule id. */
  readonly rule: string;
  /** Severity (a waived finding keeps its severity but does not count). */
  readonly severity: Severity;
  /** Construct path at synth, `file#index` in `keelson check`. */
  readonly path: string;
  /** The object, e.g. `Deployment shop/api`. */
  readonly object: string;
  /** The field, e.g. `spec.template.spec.containers[0].image`. */
  readonly field: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
  /** The reason given when the rule is waived for this object. */
  readonly waived?: string;
  /** For a Pod Security finding: the lowest Pod Security level that admits the pod anyway. @default - not a Pod Security finding */
  readonly podSecurityLevel?: 'baseline' | 'privileged';
}

/** An object to check and where it came from. */
export interface CheckedObject {
  /** The object as plain JSON. */
  readonly json: Record<string, any>;
  /** Construct path, or `file#index` for YAML read from disk. */
  readonly path: string;
}

/** `Kind namespace/name` (or `Kind name` for objects without a namespace). */
export function describeObject(json: Record<string, any>): string {
  const kind = typeof json?.kind === 'string' ? json.kind : '(no kind)';
  const name = json?.metadata?.name ?? '(no name)';
  const ns = json?.metadata?.namespace;
  return `${kind} ${ns ? `${ns}/` : ''}${name}`;
}

/** Makes findings of one rule for one object. */
export function findingOf(rule: Rule, obj: CheckedObject, field: string, message: string, fix?: string): Finding {
  return { rule: rule.id, severity: rule.severity, path: obj.path, object: describeObject(obj.json), field, message, fix: fix ?? rule.fix };
}

/** Findings that count: not waived. */
export function activeErrors(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error' && f.waived === undefined);
}

/** One line per finding: `error pss-privileged path Kind ns/name field: message. Fix: …`. */
export function formatFinding(f: Finding): string {
  const head = `${f.severity === 'error' ? 'error  ' : 'warning'} ${f.rule}  ${f.path}  ${f.object}`;
  const body = `${f.field ? `${f.field}: ` : ''}${f.message}`;
  return f.waived !== undefined ? `${head}  ${body} (waived: ${f.waived})` : `${head}  ${body}. Fix: ${f.fix}`;
}

/** Synth found errors in the objects; nothing was written. */
export class ChecksFailedError extends Error {
  /** Every finding, errors and warnings. */
  public readonly findings: readonly Finding[];

  constructor(findings: readonly Finding[]) {
    const errors = activeErrors(findings);
    super(
      `synth stopped: ${errors.length} check error${errors.length === 1 ? '' : 's'}, nothing was written:\n${errors.map((f) => `  ${formatFinding(f)}`).join('\n')}`,
    );
    this.name = 'ChecksFailedError';
    this.findings = findings;
  }
}

/** The JSON path `a.b[0].c` of a list of segments. */
export function fieldPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
