import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import { LABEL } from '../core/labels.js';
import { checkDnsLabel } from '../core/names.js';
import { checkKnownKeys, checkObject, propKeys } from '../core/props.js';
import { Stack } from '../core/stack.js';
import { Team } from './team.js';

/** How Argo CD syncs an application: `automated` applies every commit, prunes and reverts drift; `manual` waits for someone to press Sync. */
export type SyncMode = 'automated' | 'manual';

/** `applications`: an Application per stack folder plus a root Application for this stack's own folder (app of apps); `application-set`: ApplicationSets with a git directory generator. */
export type ArgoCdLayout = 'applications' | 'application-set';

/** Props of {@link ArgoCdApps}. */
export interface ArgoCdAppsProps {
  /** URL of the Git repository that holds the synthesized output, e.g. `https://git.example.com/acme/deploy.git`. */
  readonly repo: string;
  /** Branch, tag or commit Argo CD follows. @default 'HEAD' */
  readonly revision?: string;
  /** Folder of the synthesized output in the repository. @default 'dist' */
  readonly path?: string;
  /** Namespace Argo CD runs in (its Applications and AppProjects live there). @default 'argocd' */
  readonly argoNamespace?: string;
  /** API server URL of the cluster the applications deploy to. @default 'https://kubernetes.default.svc' */
  readonly server?: string;
  /** Sync mode by environment name; environments not listed sync `automated`. @default { production: 'manual' } */
  readonly sync?: Readonly<Record<string, SyncMode>>;
  /** Applications, or ApplicationSets with a git directory generator. @default 'applications' */
  readonly layout?: ArgoCdLayout;
  /**
   * Annotate every object of the applications' stacks with its sync wave, derived from the
   * dependency graph (databases before the workloads that read their URL).
   * @default true
   */
  readonly waves?: boolean;
}

const KEYS = propKeys<ArgoCdAppsProps>()('repo', 'revision', 'path', 'argoNamespace', 'server', 'sync', 'layout', 'waves');
const REPO = /^(https?:\/\/|ssh:\/\/|git@)[^\s]+$/;
const REVISION = /^[^\s~^:?*[\\]+$/;
const PATH = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Kinds a team's applications may not manage: the platform owns them. */
export const PLATFORM_OWNED_KINDS: readonly { readonly group: string; readonly kind: string }[] = [
  { group: '', kind: 'ResourceQuota' },
  { group: '', kind: 'LimitRange' },
  { group: 'rbac.authorization.k8s.io', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
];

/** One stack folder Argo CD syncs. */
export interface ArgoCdTarget {
  /** The stack. */
  readonly stack: Stack;
  /** The AppProject: the team owning the stack's namespace, or `default`. */
  readonly project: string;
  /** The sync mode of the stack's environment. */
  readonly sync: SyncMode;
}

/**
 * Argo CD for every stack of the app: an Application per stack folder of the output
 * (directory source at `<path>/<folder>`, project of the team that owns the namespace,
 * sync policy by environment), an app-of-apps root Application for this stack's own folder,
 * or ApplicationSets with a git directory generator; and an AppProject per {@link Team}
 * that may deploy only into the team's namespaces and never the kinds the platform owns.
 * Objects are created at synth, once the whole app is built.
 */
export class ArgoCdApps extends Construct {
  /** Repository URL. */
  public readonly repo: string;
  /** Revision followed. */
  public readonly revision: string;
  /** Folder of the output in the repository. */
  public readonly path: string;
  /** Argo CD's namespace. */
  public readonly argoNamespace: string;
  /** Destination cluster. */
  public readonly server: string;
  /** The layout. */
  public readonly layout: ArgoCdLayout;
  /** Whether the stacks get sync waves. */
  public readonly waves: boolean;
  /** The stack this construct is in (its folder holds the Applications). */
  public readonly stack: Stack;
  private readonly syncModes: Readonly<Record<string, SyncMode>>;
  private built = false;

  constructor(scope: Construct, id: string, props: ArgoCdAppsProps) {
    super(scope, id);
    const ctx = new ErrorContext(this.node.path);
    if (!props || typeof props !== 'object') throw ctx.error('props', props, 'are required', 'Pass at least { repo }');
    checkKnownKeys(ctx, '', props, KEYS);
    ctx.check(typeof props.repo === 'string' && REPO.test(props.repo), 'repo', props.repo, 'is not a Git repository URL', 'Use e.g. "https://git.example.com/acme/deploy.git" or "git@git.example.com:acme/deploy.git"');
    this.repo = props.repo;
    this.revision = props.revision ?? 'HEAD';
    ctx.check(typeof this.revision === 'string' && REVISION.test(this.revision), 'revision', props.revision, 'is not a branch, tag or commit', 'Use e.g. "main", "v1.2.0" or "HEAD"');
    this.path = props.path ?? 'dist';
    ctx.check(typeof this.path === 'string' && PATH.test(this.path), 'path', props.path, 'is not a relative folder path', 'Use the output folder as the repository sees it, e.g. "dist" or "deploy/dist", without leading or trailing "/"');
    this.argoNamespace = checkDnsLabel(ctx, 'argoNamespace', props.argoNamespace ?? 'argocd');
    this.server = props.server ?? 'https://kubernetes.default.svc';
    ctx.check(typeof this.server === 'string' && /^https:\/\/[^\s/]+/.test(this.server), 'server', props.server, 'is not an https API server URL', 'Use e.g. "https://kubernetes.default.svc"');
    const sync = props.sync ?? { production: 'manual' };
    checkObject(ctx, 'sync', sync);
    for (const [env, mode] of Object.entries(sync)) ctx.check(mode === 'automated' || mode === 'manual', `sync.${env}`, mode, 'must be "automated" or "manual"');
    this.syncModes = sync;
    this.layout = props.layout ?? 'applications';
    ctx.check(this.layout === 'applications' || this.layout === 'application-set', 'layout', props.layout, 'must be "applications" or "application-set"');
    ctx.check(props.waves === undefined || typeof props.waves === 'boolean', 'waves', props.waves, 'must be true or false');
    this.waves = props.waves ?? true;
    this.stack = Stack.of(this);
  }

  /** The sync mode of an environment. */
  public syncModeOf(envName: string): SyncMode {
    return this.syncModes[envName] ?? 'automated';
  }

  /** The teams of the app, in tree order. */
  public teams(): Team[] {
    return this.node.root.node.findAll().filter((c): c is Team => c instanceof Team);
  }

  /** The stack folders Argo CD syncs besides this stack's own: every other Stack of the app, with its project and sync mode. */
  public targets(): ArgoCdTarget[] {
    const owner = new Map<string, string>();
    for (const team of this.teams()) for (const ns of Object.keys(team.namespaces)) owner.set(ns, team.teamName);
    return this.node.root.node
      .findAll()
      .filter((c): c is Stack => Stack.isStack(c) && c !== this.stack)
      .sort((a, b) => (a.outputDir < b.outputDir ? -1 : a.outputDir > b.outputDir ? 1 : 0))
      .map((stack) => ({ stack, project: owner.get(stack.namespaceName) ?? 'default', sync: this.syncModeOf(stack.env.name) }));
  }

  /** The repository path of a stack folder. */
  public folderPath(folder: string): string {
    return `${this.path}/${folder}`;
  }

  /** Creates the AppProjects and Applications (or ApplicationSets) from the finished tree; the synth calls it once. */
  public build(): void {
    if (this.built) return;
    this.built = true;
    const labels = { [LABEL.managedBy]: 'keelson', [LABEL.partOf]: this.stack.partOf };
    const metadata = (name: string) => ({ name, namespace: this.argoNamespace, labels });
    for (const team of this.teams()) {
      new ApiObject(this, `project-${team.teamName}`, {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: metadata(team.teamName),
        spec: {
          description: `Applications of team ${team.teamName}: only its namespaces, never cluster-wide objects, quotas or RBAC`,
          sourceRepos: [this.repo],
          destinations: Object.keys(team.namespaces).map((namespace) => ({ server: this.server, namespace })),
          namespaceResourceBlacklist: PLATFORM_OWNED_KINDS.map((k) => ({ ...k })),
        },
      });
    }
    const targets = this.targets();
    const root: ArgoCdTarget = { stack: this.stack, project: 'default', sync: this.syncModeOf(this.stack.env.name) };
    if (this.layout === 'applications') {
      for (const t of [root, ...targets]) {
        new ApiObject(this, `app-${t.stack.outputDir}`, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { ...metadata(t.stack.outputDir), finalizers: ['resources-finalizer.argocd.argoproj.io'] }, spec: this.applicationSpec(t) });
      }
      return;
    }
    new ApiObject(this, `app-${root.stack.outputDir}`, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { ...metadata(root.stack.outputDir), finalizers: ['resources-finalizer.argocd.argoproj.io'] }, spec: this.applicationSpec(root) });
    const groups = new Map<string, ArgoCdTarget[]>();
    for (const t of targets) {
      const key = `${t.project}-${t.sync}`;
      const list = groups.get(key);
      if (list) list.push(t);
      else groups.set(key, [t]);
    }
    for (const [name, group] of groups) {
      const { project, sync } = group[0]!;
      new ApiObject(this, `appset-${name}`, {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'ApplicationSet',
        metadata: metadata(name),
        spec: {
          goTemplate: true,
          goTemplateOptions: ['missingkey=error'],
          generators: group.map((t) => ({ git: { repoURL: this.repo, revision: this.revision, directories: [{ path: this.folderPath(t.stack.outputDir) }], values: { namespace: t.stack.namespaceName } } })),
          template: {
            metadata: { name: '{{.path.basename}}', finalizers: ['resources-finalizer.argocd.argoproj.io'] },
            spec: {
              project,
              source: { repoURL: this.repo, targetRevision: this.revision, path: '{{.path.path}}' },
              destination: { server: this.server, namespace: '{{.values.namespace}}' },
              syncPolicy: syncPolicy(sync),
            },
          },
        },
      });
    }
  }

  private applicationSpec(t: ArgoCdTarget): Record<string, unknown> {
    return {
      project: t.project,
      source: { repoURL: this.repo, targetRevision: this.revision, path: this.folderPath(t.stack.outputDir) },
      destination: { server: this.server, namespace: t.stack === this.stack ? this.argoNamespace : t.stack.namespaceName },
      syncPolicy: syncPolicy(t.sync),
    };
  }
}

/** The syncPolicy of a mode; both prune last so that nothing disappears before its replacement is healthy. */
function syncPolicy(mode: SyncMode): Record<string, unknown> {
  return mode === 'automated' ? { automated: { prune: true, selfHeal: true }, syncOptions: ['PruneLast=true'] } : { syncOptions: ['PruneLast=true'] };
}

