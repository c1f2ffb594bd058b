import { ErrorContext } from '../errors.js';
import { KindRegistry } from '../kinds.js';
import { checkKnownKeys, propKeys } from '../props.js';
import { admitWaivedPods, ADMISSION_RULES } from './admission.js';
import { checkAvailability, AVAILABILITY_RULES } from './availability.js';
import { checkContent } from './content.js';
import { checkBestPractices, BEST_PRACTICE_RULES } from './best-practices.js';
import { checkGpus, GPU_RULES } from './gpu.js';
import type { CheckedObject, Finding, Rule } from './finding.js';
import { checkIngressRoutes, INGRESS_RULES } from './ingress-routes.js';
import { checkMetadata, METADATA_RULES } from './metadata.js';
import { ObjectIndex } from './objects.js';
import { checkPodSecurity, POD_SECURITY_RULES } from './pod-security.js';
import { checkQuotas, QUOTA_RULES } from './quota.js';
import { checkRbac, RBAC_RULES } from './rbac.js';
import { checkReferences, REFERENCE_RULES } from './references.js';
import { checkSchemas, SCHEMA_RULES } from './schema.js';
import { applyWaivers, unusedWaivers, WAIVER_RULES, type Waiver } from './waivers.js';
import { YAML_RULES } from './yaml-input.js';

export * from './finding.js';
export { validateSchema, type SchemaProblem } from './schema.js';
export { waive, waiversOf, type Waiver } from './waivers.js';
export { loadManifestFolder, parseManifests, type LoadedManifests } from './yaml-input.js';

/** Every rule, by family. */
export const RULES: readonly Rule[] = [
  ...Object.values(YAML_RULES),
  ...Object.values(SCHEMA_RULES),
  ...Object.values(METADATA_RULES),
  ...Object.values(POD_SECURITY_RULES),
  ...Object.values(ADMISSION_RULES),
  ...Object.values(REFERENCE_RULES),
  ...Object.values(INGRESS_RULES),
  ...Object.values(BEST_PRACTICE_RULES),
  ...Object.values(AVAILABILITY_RULES),
  ...Object.values(RBAC_RULES),
  ...Object.values(GPU_RULES),
  ...Object.values(QUOTA_RULES),
  ...Object.values(WAIVER_RULES),
];

const SEVERITY_ORDER = { error: 0, warning: 1 } as const;

/** What {@link runChecks} checks against. */
export interface CheckOptions {
  /** The kinds the objects are read with (apply scope, pod templates, validators, selectors). @default KindRegistry.builtIns() */
  readonly kinds?: KindRegistry;
  /** Rules waived for parts of the tree. @default - none */
  readonly waivers?: readonly Waiver[];
}

/**
 * Runs every rule family over a set of objects (one app, or one folder of YAML:
 * references are resolved within the set). Findings are sorted errors first,
 * then by path; waived findings are marked, not dropped. A Pod Security rule waived on a
 * construct lowers the enforced level of the Namespace among `objects` that runs its pods
 * (see {@link admitWaivedPods}): the one change checks make to the objects. A waiver under
 * which no finding of its rule was reported gets a `waiver-unused` warning (rules checked
 * elsewhere, such as the mesh's, are not judged here).
 */
export function runChecks(objects: readonly CheckedObject[], options: CheckOptions = {}): Finding[] {
  checkKnownKeys(new ErrorContext('runChecks'), 'options', options, propKeys<CheckOptions>()('kinds', 'waivers'));
  const kinds = options.kinds ?? KindRegistry.builtIns();
  const index = new ObjectIndex(objects, kinds);
  const findings = [
    ...checkSchemas(objects, kinds),
    ...checkMetadata(objects, kinds),
    ...checkPodSecurity(objects, kinds),
    ...checkReferences(index),
    ...checkIngressRoutes(objects),
    ...checkBestPractices(objects, kinds),
    ...checkAvailability(index),
    ...checkContent(objects, kinds),
    ...checkRbac(objects),
    ...checkGpus(objects, kinds),
    ...checkQuotas(index),
  ];
  const waivers = options.waivers ?? [];
  const waived = applyWaivers(findings, objects, waivers, kinds);
  const all = [...waived, ...admitWaivedPods(objects, waived, waivers), ...unusedWaivers(findings, waivers, [...RULES, ...kinds.rules])];
  if (all.length < 2) return all;
  const order = new Map(objects.map((o, i) => [o.path, i]));
  return all.sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0) || (a.field < b.field ? -1 : a.field > b.field ? 1 : 0),
  );
}
