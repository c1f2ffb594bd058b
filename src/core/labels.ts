import { sharedConstant } from './l1-json.js';

/** The label keys Keelson puts on every object (the app.kubernetes.io recommended set). */
export const LABEL = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  version: 'app.kubernetes.io/version',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** What a workload is called and what it belongs to. */
export interface WorkloadIdentity {
  /** `metadata.name` of the workload's objects. */
  readonly name: string;
  /** The stack (application) the workload is part of. */
  readonly partOf: string;
  /** The role of the workload, e.g. `web`, `database`, `cache`. */
  readonly component: string;
  /** The version, usually the image tag; omitted when unknown. */
  readonly version?: string;
}

/** The full recommended label set for an object of a workload. */
export function standardLabels(id: WorkloadIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL.name]: id.name,
    [LABEL.instance]: id.name,
    [LABEL.component]: id.component,
    [LABEL.partOf]: id.partOf,
    [LABEL.managedBy]: 'keelson',
  };
  if (id.version) labels[LABEL.version] = id.version;
  return sortLabels(labels);
}

/**
 * The stable subset used in selectors: never the version (it changes every release,
 * and Deployment selectors are immutable).
 */
export function selectorLabels(id: WorkloadIdentity): Readonly<Record<string, string>> {
  // One frozen object per name: a workload's Deployment, Service, PDB and spread rules share its rendering.
  return sharedConstant(`selector|${id.name}`, () =>
    sortLabels({
      [LABEL.name]: id.name,
      [LABEL.instance]: id.name,
    }),
  );
}

/** The same map with its keys in alphabetical order, as every label map in the output is written. */
export function sortLabels(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]!]));
}
