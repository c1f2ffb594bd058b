import type { IConstruct } from 'constructs';
import { ErrorContext, KeelsonError } from '../errors.js';
import type { KindRegistry } from '../kinds.js';
import { nearestKnown } from '../props.js';
import { OPT_OUT_ANNOTATION_PREFIX } from '../security.js';
import type { CheckedObject, Finding, Rule } from './finding.js';

/** A rule turned off for the objects under one construct, with the reason. */
export interface Waiver {
  /** Construct path; objects at or under it are waived. */
  readonly path: string;
  /** Rule id. */
  readonly rule: string;
  /** Why the rule does not apply; shown in every report. */
  readonly reason: string;
  /**
   * True for a waiver Keelson adds itself because of a setting (an environment without
   * PodDisruptionBudgets, `spread: false`): it is never reported as unused.
   * @default false
   */
  readonly implied?: boolean;
}

/** The rules about waivers themselves. */
export const WAIVER_RULES = {
  unused: {
    id: 'waiver-unused',
    severity: 'warning',
    family: 'waivers',
    summary: 'a waiver waives a finding at or under its construct',
    fix: 'Remove the waiver, or move it to the construct whose objects break the rule',
  },
} as const satisfies Record<string, Rule>;

const waiversByRoot = new WeakMap<IConstruct, Waiver[]>();

/**
 * Waives a check rule for every object under `construct`. The finding still
 * appears in reports, marked with `reason`, but no longer stops synth.
 *
 * @example waive(api, 'missing-network-policy', 'Policies for this namespace live in the platform repo')
 */
export function waive(construct: IConstruct, rule: string, reason: string): void {
  addWaiver(construct, rule, reason, false);
}

/** Waives a rule because of a setting the user chose (see {@link Waiver.implied}); for Keelson's own constructs. */
export function waiveImplied(construct: IConstruct, rule: string, reason: string): void {
  addWaiver(construct, rule, reason, true);
}

function addWaiver(construct: IConstruct, rule: string, reason: string, implied: boolean): void {
  const path = construct.node.path;
  const ctx = new ErrorContext(path);
  ctx.check(typeof rule === 'string' && /^[a-z0-9-]+$/.test(rule), 'waive rule', rule, 'is not a rule id', 'Use an id from the check report, e.g. "missing-pdb"');
  ctx.check(typeof reason === 'string' && reason.trim().length >= 10, `waive ${rule} reason`, reason, 'must explain the waiver (at least 10 characters)');
  const root = construct.node.root;
  const list = waiversByRoot.get(root) ?? [];
  list.push(implied ? { path, rule, reason: reason.trim(), implied } : { path, rule, reason: reason.trim() });
  waiversByRoot.set(root, list);
}

/** The waivers registered on the tree of `root`. */
export function waiversOf(root: IConstruct): readonly Waiver[] {
  return waiversByRoot.get(root.node.root) ?? [];
}

/**
 * Errors for waivers that name no rule of `known` (every rule the synth can report: the
 * built-in checks, the extensions' and those of registered kinds). Run at synth, once every
 * extension and kind is known: a misspelt id would otherwise waive nothing without a word.
 */
export function checkWaiverRules(waivers: readonly Waiver[], known: readonly Rule[]): KeelsonError[] {
  const ids = [...new Set(known.map((r) => r.id))];
  return waivers
    .filter((w) => !ids.includes(w.rule))
    .map((w) => {
      const near = nearestKnown(w.rule, ids);
      return new ErrorContext(w.path).error('waive rule', w.rule, 'is no rule Keelson checks', near ? `Did you mean "${near}"?` : 'Use a rule id from the check report or from RULES');
    });
}

/**
 * A `waiver-unused` warning for each waiver (not implied) of a rule among `checked` (the rules
 * that `findings` come from) under which no finding of its rule was reported.
 */
export function unusedWaivers(findings: readonly Finding[], waivers: readonly Waiver[], checked: readonly Rule[]): Finding[] {
  const rule = WAIVER_RULES.unused;
  const ids = new Set(checked.map((r) => r.id));
  return waivers
    .filter((w) => !w.implied && ids.has(w.rule) && !findings.some((f) => f.rule === w.rule && covers(w, f.path)))
    .map((w) => ({
      rule: rule.id,
      severity: rule.severity,
      path: w.path,
      object: '(waiver)',
      field: `waive ${w.rule}`,
      message: `no ${w.rule} finding at or under ${w.path}, so the waiver does nothing`,
      fix: rule.fix,
    }));
}

const covers = (w: Waiver, path: string) => path === w.path || path.startsWith(`${w.path}/`);

/** Annotations `keelson.dev/opt-out-<rule>` on the object or its pod templates, as rule → reason. */
function optOuts(json: Record<string, any>, kinds: KindRegistry): Map<string, string> {
  const out = new Map<string, string>();
  const sources = [json.metadata?.annotations, ...kinds.podTemplates(json).map((p) => p.metadata.annotations)];
  for (const annotations of sources) {
    for (const [key, value] of Object.entries(annotations ?? {})) {
      if (key.startsWith(OPT_OUT_ANNOTATION_PREFIX) && typeof value === 'string') out.set(key.slice(OPT_OUT_ANNOTATION_PREFIX.length), value);
    }
  }
  return out;
}

/** Marks findings waived by a construct waiver or an opt-out annotation. */
export function applyWaivers(findings: readonly Finding[], objects: readonly CheckedObject[], waivers: readonly Waiver[], kinds: KindRegistry): Finding[] {
  if (findings.length === 0) return [];
  const byPath = new Map(objects.map((o) => [o.path, o]));
  return findings.map((f) => {
    const construct = waivers.find((w) => w.rule === f.rule && covers(w, f.path));
    const obj = byPath.get(f.path);
    const reason = construct?.reason ?? (obj ? optOuts(obj.json, kinds).get(f.rule) : undefined);
    return reason === undefined ? f : { ...f, waived: reason };
  });
}
