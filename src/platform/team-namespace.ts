import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { KubeObject } from '../core/kube-object.js';
import { LABEL } from '../core/labels.js';
import { checkDnsLabel } from '../core/names.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { CONTAINER_DEFAULTS, deployerRules, QUOTA_PRESETS, roleRules, TEAM_ROLES, type QuotaPreset, type QuotaSize, type TeamRole } from './team-presets.js';

/** The groups of the identity provider that get each role in a namespace. */
export interface TeamGroups {
  /** Groups that read the application and its pods (no Secrets). @default - none */
  readonly view?: readonly string[];
  /** Groups that also change the application's objects (no Secrets). @default - none */
  readonly edit?: readonly string[];
  /** Groups that also read Secrets, port-forward to pods and manage the namespace's RBAC. @default - none */
  readonly admin?: readonly string[];
}

/** Pod Security Standards level the namespace enforces. */
export type PodSecurityLevel = 'restricted' | 'baseline';

/** Props of a {@link TeamNamespace}. */
export interface TeamNamespaceProps {
  /** The team that owns the namespace (`app.kubernetes.io/part-of`, the Argo CD project). */
  readonly team: string;
  /** Name of the namespace. @default - the construct id */
  readonly namespace?: string;
  /** Size preset of the ResourceQuota and LimitRange. @default 'medium' */
  readonly quota?: QuotaSize;
  /** Groups bound to the view, edit and admin roles. @default - no group bindings */
  readonly groups?: TeamGroups;
  /** Pod Security Standards level enforced (and warned and audited). @default 'restricted' */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * A ServiceAccount for CI (`<team>-deployer`) that can apply and prune the application's
   * objects in this namespace only; `false` for none.
   * @default true
   */
  readonly deployer?: boolean;
}

const KEYS = propKeys<TeamNamespaceProps>()('team', 'namespace', 'quota', 'groups', 'podSecurity', 'deployer');
const GROUP_KEYS = propKeys<TeamGroups>()('view', 'edit', 'admin');
const GROUP = /^[^\s]{1,256}$/;

/**
 * One namespace of a team: the Namespace with Pod Security labels, a ResourceQuota and a
 * LimitRange from a size preset, a Role and RoleBinding per role the team's groups hold,
 * a CI deployer ServiceAccount limited to the namespace, and a default-deny
 * NetworkPolicy. Stacks whose namespace it is do not emit the Namespace themselves.
 */
export class TeamNamespace extends Construct {
  /** Name of the namespace. */
  public readonly namespaceName: string;
  /** The owning team. */
  public readonly team: string;
  /** The quota size. */
  public readonly quotaSize: QuotaSize;
  /** What the quota size allows, including the largest container. */
  public readonly preset: QuotaPreset;
  /** The Namespace. */
  public readonly namespaceObject: KubeObject;
  /** The ResourceQuota. */
  public readonly quota: KubeObject;
  /** The LimitRange. */
  public readonly limitRange: KubeObject;
  /** The Roles, by role, for each role some group holds. */
  public readonly roles: Readonly<Partial<Record<TeamRole, KubeObject>>>;
  /** The CI deployer ServiceAccount, unless `deployer: false`. */
  public readonly deployer?: KubeObject;
  /** The default-deny NetworkPolicy. */
  public readonly defaultDeny: KubeObject;

  constructor(scope: Construct, id: string, props: TeamNamespaceProps) {
    super(scope, id);
    const ctx = new ErrorContext(this.node.path);
    if (!props || typeof props !== 'object') throw ctx.error('props', props, 'are required', 'Pass at least { team }');
    checkKnownKeys(ctx, '', props, KEYS);
    this.team = checkDnsLabel(ctx, 'team', props.team);
    const ns = checkDnsLabel(ctx, 'namespace', props.namespace ?? id);
    this.namespaceName = ns;
    const size = props.quota ?? 'medium';
    ctx.check(Object.hasOwn(QUOTA_PRESETS, size), 'quota', size, `is not a quota size (${Object.keys(QUOTA_PRESETS).join(', ')})`);
    const level = props.podSecurity ?? 'restricted';
    ctx.check(level === 'restricted' || level === 'baseline', 'podSecurity', level, 'must be "restricted" or "baseline"', 'Pods that need "privileged" belong in a platform namespace, not a team one');
    const groups = checkGroups(ctx, props.groups);
    ctx.check(props.deployer === undefined || typeof props.deployer === 'boolean', 'deployer', props.deployer, 'must be true or false');

    const labels = { [LABEL.managedBy]: 'keelson', [LABEL.partOf]: this.team };
    const meta = (name: string) => ({ name, namespace: ns, labels });
    this.namespaceObject = KubeObject.create(this, 'namespace', k8s.KubeNamespace, {
      metadata: {
        name: ns,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/warn': level,
          'pod-security.kubernetes.io/audit': level,
        },
      },
    });
    const preset = QUOTA_PRESETS[size];
    this.quotaSize = size;
    this.preset = preset;
    const q = k8s.Quantity.fromString;
    this.quota = KubeObject.create(this, 'quota', k8s.KubeResourceQuota, {
      metadata: meta(`${this.team}-quota`),
      spec: {
        hard: {
          'requests.cpu': q(preset.requestsCpu),
          'requests.memory': q(preset.requestsMemory),
          'limits.cpu': q(preset.limitsCpu),
          'limits.memory': q(preset.limitsMemory),
          'requests.storage': q(preset.requestsStorage),
          pods: k8s.Quantity.fromNumber(preset.pods),
          persistentvolumeclaims: k8s.Quantity.fromNumber(preset.persistentVolumeClaims),
          'services.loadbalancers': k8s.Quantity.fromNumber(preset.loadBalancers),
          'services.nodeports': k8s.Quantity.fromNumber(preset.nodePorts),
        },
      },
    });
    this.limitRange = KubeObject.create(this, 'limit-range', k8s.KubeLimitRange, {
      metadata: meta(`${this.team}-limits`),
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: { cpu: q(CONTAINER_DEFAULTS.requestCpu), memory: q(CONTAINER_DEFAULTS.requestMemory) },
            default: { cpu: q(CONTAINER_DEFAULTS.limitCpu), memory: q(CONTAINER_DEFAULTS.limitMemory) },
            max: { cpu: q(preset.maxCpu), memory: q(preset.maxMemory) },
          },
        ],
      },
    });

    const roles: Partial<Record<TeamRole, KubeObject>> = {};
    for (const role of TEAM_ROLES) {
      const members = groups[role];
      if (!members?.length) continue;
      const name = `${this.team}-${role}`;
      roles[role] = KubeObject.create(this, `role-${role}`, k8s.KubeRole, { metadata: meta(name), rules: roleRules(role) });
      KubeObject.create(this, `binding-${role}`, k8s.KubeRoleBinding, {
        metadata: meta(name),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: members.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
      });
    }
    this.roles = roles;

    if (props.deployer ?? true) {
      const name = `${this.team}-deployer`;
      this.deployer = KubeObject.create(this, 'deployer', k8s.KubeServiceAccount, { metadata: meta(name), automountServiceAccountToken: false });
      KubeObject.create(this, 'deployer-role', k8s.KubeRole, { metadata: meta(name), rules: deployerRules() });
      KubeObject.create(this, 'deployer-binding', k8s.KubeRoleBinding, {
        metadata: meta(name),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      });
    }

    this.defaultDeny = KubeObject.create(this, 'default-deny', k8s.KubeNetworkPolicy, {
      metadata: meta('namespace-default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }
}

function checkGroups(ctx: ErrorContext, groups: TeamGroups | undefined): TeamGroups {
  if (groups === undefined) return {};
  checkObject(ctx, 'groups', groups);
  checkKnownKeys(ctx, 'groups', groups, GROUP_KEYS);
  for (const role of TEAM_ROLES) {
    const list = groups[role];
    if (list === undefined) continue;
    ctx.check(Array.isArray(list), `groups.${role}`, list, 'must be a list of group names');
    list.forEach((g, i) => ctx.check(typeof g === 'string' && GROUP.test(g), `groups.${role}[${i}]`, g, 'is not a group name', 'Use the group as your identity provider names it, without spaces'));
    const dup = list.find((g, i) => list.indexOf(g) !== i);
    ctx.check(dup === undefined, `groups.${role}`, dup, 'is listed twice');
  }
  return groups;
}
