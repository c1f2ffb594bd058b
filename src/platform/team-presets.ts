import type { k8s } from 'cdk8s-plus-28';

/**
 * What a team namespace gets by size and by role: quota and limit-range presets, and the
 * RBAC rules of the view/edit/admin roles and the CI deployer. Data only; the constructs
 * that emit them are TeamNamespace and Team.
 */

/** Size of a team namespace: how much its pods may request and how large one container may be. */
export type QuotaSize = 'small' | 'medium' | 'large' | 'xlarge';

/** The quota and container limits of one {@link QuotaSize}. */
export interface QuotaPreset {
  /** Sum of CPU requests of every pod, in cores. */
  readonly requestsCpu: string;
  /** Sum of memory requests. */
  readonly requestsMemory: string;
  /** Sum of CPU limits. */
  readonly limitsCpu: string;
  /** Sum of memory limits. */
  readonly limitsMemory: string;
  /** Sum of storage requested by PersistentVolumeClaims. */
  readonly requestsStorage: string;
  /** Number of pods. */
  readonly pods: number;
  /** Number of PersistentVolumeClaims. */
  readonly persistentVolumeClaims: number;
  /** Number of LoadBalancer Services. */
  readonly loadBalancers: number;
  /** Node ports: a LoadBalancer Service takes one per port (the cloud load balancer reaches the pods through them), a NodePort Service too. */
  readonly nodePorts: number;
  /** Largest CPU limit of one container. */
  readonly maxCpu: string;
  /** Largest memory limit of one container. */
  readonly maxMemory: string;
}

/** Quota presets, each double the one before; four node ports per load balancer. */
export const QUOTA_PRESETS: Readonly<Record<QuotaSize, QuotaPreset>> = {
  small: { requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '16', limitsMemory: '32Gi', requestsStorage: '200Gi', pods: 50, persistentVolumeClaims: 10, loadBalancers: 1, nodePorts: 4, maxCpu: '4', maxMemory: '8Gi' },
  medium: { requestsCpu: '16', requestsMemory: '32Gi', limitsCpu: '32', limitsMemory: '64Gi', requestsStorage: '500Gi', pods: 100, persistentVolumeClaims: 20, loadBalancers: 2, nodePorts: 8, maxCpu: '8', maxMemory: '16Gi' },
  large: { requestsCpu: '32', requestsMemory: '64Gi', limitsCpu: '64', limitsMemory: '128Gi', requestsStorage: '1Ti', pods: 200, persistentVolumeClaims: 40, loadBalancers: 4, nodePorts: 16, maxCpu: '16', maxMemory: '32Gi' },
  xlarge: { requestsCpu: '64', requestsMemory: '128Gi', limitsCpu: '128', limitsMemory: '256Gi', requestsStorage: '2Ti', pods: 400, persistentVolumeClaims: 80, loadBalancers: 8, nodePorts: 32, maxCpu: '32', maxMemory: '64Gi' },
};

/** The container defaults of every LimitRange: what a container that sets no resources gets. */
export const CONTAINER_DEFAULTS = { requestCpu: '100m', requestMemory: '128Mi', limitCpu: '500m', limitMemory: '512Mi' } as const;

/** What a group may do in a team namespace. */
export type TeamRole = 'view' | 'edit' | 'admin';

/** The roles, least privilege first. */
export const TEAM_ROLES: readonly TeamRole[] = ['view', 'edit', 'admin'];

const READ = ['get', 'list', 'watch'];
const WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** The namespaced kinds Keelson emits into an application namespace, by API group (no Secrets, no RBAC, no quota). */
const APP_RESOURCES: readonly (readonly [string, readonly string[]])[] = [
  ['', ['configmaps', 'persistentvolumeclaims', 'serviceaccounts', 'services']],
  ['apps', ['deployments', 'statefulsets', 'daemonsets']],
  ['batch', ['jobs', 'cronjobs']],
  ['autoscaling', ['horizontalpodautoscalers']],
  ['policy', ['poddisruptionbudgets']],
  ['networking.k8s.io', ['ingresses', 'networkpolicies']],
  ['external-secrets.io', ['externalsecrets']],
  ['bitnami.com', ['sealedsecrets']],
  ['monitoring.coreos.com', ['servicemonitors', 'podmonitors', 'prometheusrules']],
  ['autoscaling.k8s.io', ['verticalpodautoscalers']],
  ['keda.sh', ['scaledobjects', 'scaledjobs']],
  ['argoproj.io', ['rollouts']],
];

/** What running pods show: read by every role. */
const RUNTIME_READ: readonly (readonly [string, readonly string[]])[] = [
  ['', ['pods', 'pods/log', 'endpoints', 'events', 'resourcequotas', 'limitranges']],
  ['apps', ['replicasets']],
  ['discovery.k8s.io', ['endpointslices']],
];

function rules(entries: readonly (readonly [string, readonly string[]])[], verbs: readonly string[]): k8s.PolicyRule[] {
  return entries.map(([group, resources]) => ({ apiGroups: [group], resources: [...resources], verbs: [...verbs] }));
}

/**
 * The rules of each role, least privilege: `view` reads the application and its pods but
 * no Secrets; `edit` also changes the application's objects and deletes pods (to restart
 * them), still without Secrets; `admin` also reads Secrets, port-forwards to pods and manages
 * the namespace's Roles and RoleBindings. No role may exec or attach into a running pod. No role touches the quota, the
 * limit range, the Namespace or anything cluster-wide.
 */
export function roleRules(role: TeamRole): k8s.PolicyRule[] {
  const view = [...rules(APP_RESOURCES, READ), ...rules(RUNTIME_READ, READ)];
  if (role === 'view') return view;
  const edit = [...rules(APP_RESOURCES, WRITE), ...rules(RUNTIME_READ, READ), { apiGroups: [''], resources: ['pods'], verbs: ['delete'] }];
  if (role === 'edit') return edit;
  return [
    ...edit,
    { apiGroups: [''], resources: ['secrets'], verbs: READ },
    { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: WRITE },
  ];
}

/** The rules of the CI deployer: apply and prune the application's objects in its own namespace, nothing else. */
export function deployerRules(): k8s.PolicyRule[] {
  return rules(APP_RESOURCES, WRITE);
}
