import type { IConstruct } from 'constructs';
import { ErrorContext } from '../errors.js';
import type { KindRegistry } from '../kinds.js';
import { OPT_OUT_ANNOTATION_PREFIX } from '../security.js';
import type { CheckedObject, Finding } from './finding.js';

/** A rule turned off for the objects under one construct, with the reason. */
export interface Waiver {
  /** Construct path; objects at or under it are waived. */
  readonly path: string;
  /** Rule id. */
  readonly rule: string;
  /** Why the rule does not apply; shown in every report. */
  readonly reason: string;
}

const waiversByRoot = new WeakMap<IConstruct, Waiver[]>();

/**
 * Waives a check rule for every object under `construct`. The finding still
 * appears in reports, marked with `reason`, but no longer stops synth.
 *
 * @example waive(api, 'missing-network-policy', 'Policies for this namespace live in the platform repo')
 */
export function waive(construct: IConstruct, rule: string, reason: string): void {
  const path = construct.node.path;
  const ctx = new ErrorContext(path);
  ctx.check(typeof rule === 'string' && /^[a-z0-9-]+$/.test(rule), 'waive rule', rule, 'is not a rule id', 'Use an id from the check report, e.g. "missing-pdb"');
  ctx.check(typeof reason === 'string' && reason.trim().length >= 10, `waive ${rule} reason`, reason, 'must explain the waiver (at least 10 characters)');
  const root = construct.node.root;
  const list = waiversByRoot.get(root) ?? [];
  list.push({ path, rule, reason: reason.trim() });
  waiversByRoot.set(root, list);
}

/** The waivers registered on the tree of `root`. */
export function waiversOf(root: IConstruct): readonly Waiver[] {
  return waiversByRoot.get(root.node.root) ?? [];
}

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
  const byPath = new Map(objects.map((o) => [o.path, o]));
  return findings.map((f) => {
    const construct = waivers.find((w) => w.rule === f.rule && (f.path === w.path || f.path.startsWith(`${w.path}/`)));
    const obj = byPath.get(f.path);
    const reason = construct?.reason ?? (obj ? optOuts(obj.json, kinds).get(f.rule) : undefined);
    return reason === undefined ? f : { ...f, waived: reason };
  });
}
