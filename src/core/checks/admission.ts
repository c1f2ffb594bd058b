import { describeObject, findingOf, type CheckedObject, type Finding, type Rule } from './finding.js';
import type { Waiver } from './waivers.js';

/** The namespace label the Pod Security admission enforces. */
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const WARN_LABEL = 'pod-security.kubernetes.io/warn';

type Level = 'privileged' | 'baseline' | 'restricted';
const STRICTNESS: Record<Level, number> = { privileged: 0, baseline: 1, restricted: 2 };
const strictness = (level: unknown): number => STRICTNESS[level as Level] ?? STRICTNESS.privileged;

const rule = (id: string, severity: Rule['severity'], summary: string, fix: string): Rule => ({ id, severity, family: 'pod-security', summary, fix });

/** What happens to a waived Pod Security finding in a namespace that enforces a level. */
export const ADMISSION_RULES = {
  lowered: rule(
    'pss-enforce-lowered',
    'warning',
    'a namespace enforces a lower Pod Security level so that the pods of a waived Pod Security rule are admitted',
    'Fix the waived pods and remove the waiver to enforce "restricted" again',
  ),
  refused: rule(
    'pss-waiver-refused',
    'error',
    'a pod whose Pod Security finding is waived runs in a namespace whose enforced level still refuses it',
    'Label the namespace pod-security.kubernetes.io/enforce with the level the message names, or fix the pod',
  ),
} as const;

/**
 * Makes waived Pod Security findings hold at admission. The Namespace of a waived pod (when
 * it is among `objects`) must enforce a level that admits it: for a rule waived on the
 * construct (`waive`), the Namespace the app writes is lowered to the least permissive level
 * that admits every waived pod (`baseline` or `privileged`; `warn` and `audit` stay as they
 * are, so the API server still warns), with a `pss-enforce-lowered` warning that says why.
 * A Namespace that is not lowered (an opt-out annotation read from YAML) and still refuses
 * the pod gives a `pss-waiver-refused` error: the API server would reject the pod.
 */
export function admitWaivedPods(objects: readonly CheckedObject[], findings: readonly Finding[], waivers: readonly Waiver[]): Finding[] {
  if (!findings.some((f) => f.waived !== undefined && f.podSecurityLevel !== undefined)) return [];
  const namespaces = new Map<string, CheckedObject>();
  for (const o of objects) if (o.json.kind === 'Namespace' && o.json.apiVersion === 'v1' && typeof o.json.metadata?.name === 'string') namespaces.set(o.json.metadata.name, o);
  const byPath = new Map(objects.map((o) => [o.path, o]));
  const needed = new Map<CheckedObject, { level: Level; because: Set<string> }>();
  const out: Finding[] = [];
  for (const f of findings) {
    if (f.waived === undefined || f.podSecurityLevel === undefined) continue;
    const obj = byPath.get(f.path);
    const ns = obj && namespaces.get(obj.json.metadata?.namespace ?? 'default');
    if (!obj || !ns) continue;
    const enforced = ns.json.metadata?.labels?.[ENFORCE_LABEL];
    const byConstruct = waivers.some((w) => w.rule === f.rule && (f.path === w.path || f.path.startsWith(`${w.path}/`)));
    if (byConstruct) {
      const entry = needed.get(ns) ?? { level: 'restricted' as Level, because: new Set<string>() };
      if (strictness(f.podSecurityLevel) < strictness(entry.level)) entry.level = f.podSecurityLevel;
      entry.because.add(`${f.rule} (${f.path})`);
      needed.set(ns, entry);
    } else if (strictness(enforced) > strictness(f.podSecurityLevel)) {
      out.push(
        findingOf(
          ADMISSION_RULES.refused,
          obj,
          f.field,
          `${f.rule} is waived (${f.waived}), but ${describeObject(ns.json)} enforces ${JSON.stringify(enforced)}, which refuses the pod; it needs ${JSON.stringify(f.podSecurityLevel)}`,
        ),
      );
    }
  }
  for (const [ns, { level, because }] of needed) {
    const labels = ns.json.metadata.labels ?? (ns.json.metadata.labels = {});
    const enforced = labels[ENFORCE_LABEL];
    // Lowered in an earlier synth of the same tree: the warn label still says what it was.
    const lowered = strictness(enforced) > strictness(level) || (enforced === level && strictness(labels[WARN_LABEL]) > strictness(level));
    if (strictness(enforced) > strictness(level)) labels[ENFORCE_LABEL] = level;
    if (!lowered) continue;
    const field = `metadata.labels[${JSON.stringify(ENFORCE_LABEL)}]`;
    const rest = labels[WARN_LABEL] ? `; warn and audit stay ${JSON.stringify(labels[WARN_LABEL])}` : '';
    out.push(findingOf(ADMISSION_RULES.lowered, ns, field, `enforces ${JSON.stringify(level)} so that the pods of waived ${[...because].sort().join(', ')} are admitted${rest}`));
  }
  return out;
}
