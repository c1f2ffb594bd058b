import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { checkDnsLabel } from '../core/names.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { TeamNamespace, type PodSecurityLevel, type TeamGroups } from './team-namespace.js';
import type { QuotaSize } from './team-presets.js';

/** What one namespace of a {@link Team} changes from the team's defaults. */
export interface TeamNamespaceOptions {
  /** Size preset of the quota. @default - the team's `quota` */
  readonly quota?: QuotaSize;
  /** Groups and their roles here (replaces the team's `groups`, e.g. view-only in production). @default - the team's `groups` */
  readonly groups?: TeamGroups;
  /** Pod Security level. @default - the team's `podSecurity` */
  readonly podSecurity?: PodSecurityLevel;
  /** A CI deployer ServiceAccount. @default - the team's `deployer` */
  readonly deployer?: boolean;
}

/** Props of a {@link Team}. */
export interface TeamProps {
  /**
   * The team's namespaces (one per environment, e.g. `shop-staging`, `shop-production`),
   * each with what it changes from the team's defaults.
   * @default - one namespace named like the team
   */
  readonly namespaces?: Readonly<Record<string, TeamNamespaceOptions>>;
  /** Groups bound to the view, edit and admin roles in every namespace. @default - none */
  readonly groups?: TeamGroups;
  /** Size preset of each namespace's quota. @default 'medium' */
  readonly quota?: QuotaSize;
  /** Pod Security level of each namespace. @default 'restricted' */
  readonly podSecurity?: PodSecurityLevel;
  /** A CI deployer ServiceAccount in each namespace. @default true */
  readonly deployer?: boolean;
}

const KEYS = propKeys<TeamProps>()('namespaces', 'groups', 'quota', 'podSecurity', 'deployer');
const NAMESPACE_KEYS = propKeys<TeamNamespaceOptions>()('quota', 'groups', 'podSecurity', 'deployer');

/**
 * A team and its namespaces: a {@link TeamNamespace} per environment with the team's
 * quota, roles, deployer and default deny. `ArgoCdApps` gives each Team an AppProject
 * that may deploy only into these namespaces.
 */
export class Team extends Construct {
  /** The team's name (the construct id). */
  public readonly teamName: string;
  /** The namespaces, by name. */
  public readonly namespaces: Readonly<Record<string, TeamNamespace>>;

  constructor(scope: Construct, id: string, props: TeamProps = {}) {
    super(scope, id);
    const ctx = new ErrorContext(this.node.path);
    checkObject(ctx, 'props', props);
    checkKnownKeys(ctx, '', props, KEYS);
    this.teamName = checkDnsLabel(ctx, 'id', id);
    const namespaces = props.namespaces ?? { [id]: {} };
    checkObject(ctx, 'namespaces', namespaces);
    ctx.check(Object.keys(namespaces).length > 0, 'namespaces', namespaces, 'is empty', 'List at least one namespace, e.g. { "shop-staging": {} }');
    const out: Record<string, TeamNamespace> = {};
    for (const [name, options] of Object.entries(namespaces)) {
      checkDnsLabel(ctx, 'namespaces', name);
      checkObject(ctx, `namespaces.${name}`, options);
      checkKnownKeys(ctx, `namespaces.${name}`, options ?? {}, NAMESPACE_KEYS);
      out[name] = new TeamNamespace(this, name, {
        team: this.teamName,
        namespace: name,
        ...pick({ quota: props.quota, groups: props.groups, podSecurity: props.podSecurity, deployer: props.deployer }),
        ...pick({ ...options }),
      });
    }
    this.namespaces = out;
  }
}

/** The entries of `o` that are set. */
function pick<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
