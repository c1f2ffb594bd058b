import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, type IConstruct } from 'constructs';
import { checkEnvironment, type EnvironmentProfile } from './environment.js';
import { ErrorContext } from './errors.js';
import { LABEL } from './labels.js';
import type { MeshProfile, MeshProxyResources } from './mesh-profile.js';
import { KubeObject } from './kube-object.js';
import { checkDnsLabel } from './names.js';
import { checkKnownKeys, propKeys } from './props.js';

/** Namespaces the cluster owns; a Stack must not relabel them. */
const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

const STACK_BRAND = Symbol.for('keelson.Stack');

/** Props of a {@link Stack}. */
export interface StackProps {
  /** The environment profile that decides replicas, sizes and policies. */
  readonly env: EnvironmentProfile;
  /** Namespace of every namespaced object in the stack. @default - the stack id */
  readonly namespace?: string;
  /** The application this stack is part of (`app.kubernetes.io/part-of`). @default - the namespace */
  readonly partOf?: string;
  /**
   * Emit the Namespace object, labelled to enforce Pod Security "restricted".
   * Turn off when the namespace is managed elsewhere.
   * @default true
   */
  readonly createNamespace?: boolean;
  /** Folder under the output directory. @default - the stack id */
  readonly outputDir?: string;
  /** The service mesh of this stack, or `'none'` to leave the environment's mesh. @default - the environment's `mesh` */
  readonly mesh?: MeshProfile | 'none';
}

const MESH_KEYS = propKeys<MeshProfile>()('provider', 'mode', 'revision', 'controlPlaneNamespace', 'trustDomain', 'ingressController', 'ingressGateway', 'proxyResources', 'assumes');
const PROXY_KEYS = propKeys<MeshProxyResources>()('requests', 'limits');

/**
 * A cdk8s Chart that carries an environment profile and a namespace. One Stack
 * synthesizes into one folder of `dist/`; constructs read the profile through
 * `Stack.of(this).env`.
 */
export class Stack extends Chart {
  /** True when `x` is a Stack (Chart's own `instanceof` check would accept any Chart). */
  public static isStack(x: unknown): x is Stack {
    return typeof x === 'object' && x !== null && STACK_BRAND in x;
  }

  /** Makes `instanceof Stack` true only for Stacks, not for every Chart. */
  public static override [Symbol.hasInstance](x: unknown): x is Stack {
    return Stack.isStack(x);
  }

  /** Finds the Stack that contains `construct`; throws when there is none. */
  public static override of(construct: IConstruct): Stack {
    for (let scope: IConstruct | undefined = construct; scope; scope = scope.node.scope) {
      if (scope instanceof Stack) return scope;
    }
    throw new Error(`${construct.node.path}: is not inside a keelson Stack. Create it as new X(stack, ...) with stack = new Stack(app, 'name', { env })`);
  }

  /** The environment profile. */
  public readonly env: EnvironmentProfile;
  /** The namespace of the stack's objects. */
  public readonly namespaceName: string;
  /** The `app.kubernetes.io/part-of` value of the stack's objects. */
  public readonly partOf: string;
  /** The folder under the output directory. */
  public readonly outputDir: string;
  /** The Namespace object, when the stack creates it. */
  public readonly namespaceObject?: KubeObject;
  /** The service mesh the stack's workloads join, if any. */
  public readonly mesh?: MeshProfile;
  private sealed = false;

  constructor(scope: Construct, id: string, props: StackProps) {
    const ctx = new ErrorContext(scope.node.path ? `${scope.node.path}/${id}` : id);
    if (!props || typeof props.env !== 'object' || props.env === null) {
      throw ctx.error('env', props?.env, 'is required', 'Pass an environment profile, e.g. { env: staging } from keelson/presets');
    }
    checkKnownKeys(ctx, '', props, propKeys<StackProps>()('env', 'namespace', 'partOf', 'createNamespace', 'outputDir', 'mesh'));
    checkEnvironment(ctx, 'env', props.env);
    if (props.createNamespace !== undefined) ctx.check(typeof props.createNamespace === 'boolean', 'createNamespace', props.createNamespace, 'must be true or false');
    if ((props.createNamespace ?? true) && SYSTEM_NAMESPACES.includes(props.namespace ?? id)) {
      throw ctx.error('namespace', props.namespace ?? id, 'is a system namespace: its Namespace object is the cluster\'s, and "restricted" Pod Security would stop its pods', 'Use a namespace of your own, or set createNamespace: false');
    }
    const namespace = checkDnsLabel(ctx, 'namespace', props.namespace ?? id);
    super(scope, id, { namespace });
    Object.defineProperty(this, STACK_BRAND, { value: true });
    this.env = props.env;
    this.namespaceName = namespace;
    this.partOf = checkDnsLabel(ctx, 'partOf', props.partOf ?? namespace);
    this.outputDir = checkDnsLabel(ctx, 'outputDir', props.outputDir ?? id);
    const mesh = props.mesh ?? props.env.mesh;
    if (mesh !== undefined && mesh !== 'none') {
      ctx.check(typeof mesh === 'object' && mesh !== null && (mesh.provider === 'istio' || mesh.provider === 'linkerd'), 'mesh', mesh, 'is not a mesh profile', 'Use Mesh.istio(), Mesh.linkerd() or \'none\'');
      const field = props.mesh === undefined ? 'env.mesh' : 'mesh';
      checkKnownKeys(ctx, field, mesh, MESH_KEYS);
      checkKnownKeys(ctx, `${field}.proxyResources`, mesh.proxyResources, PROXY_KEYS);
      this.mesh = mesh;
    }
    if (props.createNamespace ?? true) {
      this.namespaceObject = KubeObject.create(this, 'namespace', k8s.KubeNamespace, {
        metadata: {
          name: namespace,
          labels: {
            [LABEL.partOf]: this.partOf,
            [LABEL.managedBy]: 'keelson',
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'v1.28',
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
          },
        },
      });
    }
  }

  /**
   * True once a synth has built objects (NetworkPolicies) from the connections of the
   * stack's workloads: connections declared later would not reach them and are refused.
   */
  public get connectionsSealed(): boolean {
    return this.sealed;
  }

  /** Fixes the connections of the stack's workloads; called by the synth that builds objects from them. */
  public sealConnections(): void {
    this.sealed = true;
  }
}
