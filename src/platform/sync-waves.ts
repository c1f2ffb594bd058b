import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { ErrorContext } from '../core/errors.js';
import type { KindRegistry } from '../core/kinds.js';
import { Workload } from '../core/workload.js';

/**
 * Argo CD sync waves from the dependency graph. A workload depends on another when it
 * consumes a value the other exports (`env: { DATABASE_URL: db.url }`) or opens
 * connections to it (`db.allowFrom(api)`). Waves: setup kinds (Namespace, CRDs, quota,
 * RBAC, ServiceAccounts, secret stores) first, then Secrets, ExternalSecrets and
 * ConfigMaps, then every workload one wave after the last workload it depends on.
 * Workloads in a dependency cycle share a wave. Hooks (a migration Job as `PreSync`)
 * run outside the waves.
 */

/** The annotation Argo CD orders a sync by. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** The annotation that makes an object a sync hook. */
export const SYNC_HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
/** When Argo CD deletes a hook's objects. */
export const HOOK_DELETE_POLICY_ANNOTATION = 'argocd.argoproj.io/hook-delete-policy';

/** Wave of the setup kinds (apply-order rank below {@link CONFIG_RANKS}). */
export const SETUP_WAVE = -2;
/** Wave of Secrets, ExternalSecrets, SealedSecrets and ConfigMaps. */
export const CONFIG_WAVE = -1;
/** Apply-order ranks (see the kind registry) of the secret and config kinds. */
const CONFIG_RANKS = { from: 20, to: 22 } as const;

/** The phase a sync hook runs in. */
export type SyncHookPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';

const HOOK_METADATA = 'keelson:argocd-hook';
const PHASES: readonly SyncHookPhase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];

/**
 * Makes every object of `construct` (typically a migration Job) an Argo CD sync hook of
 * `phase`: Argo CD runs it on every sync (a `PreSync` hook before anything else is
 * applied) and deletes the previous run's objects before it creates new ones.
 */
export function syncHook(construct: IConstruct, phase: SyncHookPhase = 'PreSync'): void {
  const ctx = new ErrorContext(construct.node.path);
  ctx.check(PHASES.includes(phase), 'syncHook', phase, `is not a hook phase (${PHASES.join(', ')})`);
  ctx.check(hookOf(construct) === undefined, 'syncHook', phase, `is already declared for ${construct.node.path}`, 'Declare each hook once');
  ctx.check(!(construct instanceof Workload) || construct.ports.length === 0, 'syncHook', phase, 'is for workloads that run to completion, not ones that serve ports', 'Make a Job the hook');
  construct.node.addMetadata(HOOK_METADATA, phase);
}

/** The hook phase declared on `construct` or the nearest scope above it. */
export function hookOf(construct: IConstruct): SyncHookPhase | undefined {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) {
    const entry = c.node.metadata.find((m) => m.type === HOOK_METADATA);
    if (entry) return entry.data as SyncHookPhase;
  }
  return undefined;
}

/** The workload a construct is part of (itself or the nearest scope above it). */
export function workloadOf(construct: IConstruct): Workload | undefined {
  for (let c: IConstruct | undefined = construct; c; c = c.node.scope) if (c instanceof Workload) return c;
  return undefined;
}

/** One dependency: `from` needs `to`, and why. */
export interface Dependency {
  /** The dependant. */
  readonly from: Workload;
  /** What it depends on. */
  readonly to: Workload;
  /** Why, e.g. `env DATABASE_URL, allowFrom`. */
  readonly reason: string;
}

/** Every dependency between the workloads of the tree of `root` (whole app), each pair once with all its reasons. */
export function dependenciesOf(root: IConstruct): Dependency[] {
  const byPair = new Map<string, { from: Workload; to: Workload; reasons: string[] }>();
  const add = (from: Workload | undefined, to: Workload | undefined, reason: string) => {
    if (!from || !to || from === to) return;
    const key = `${from.node.path}\u0000${to.node.path}`;
    const found = byPair.get(key);
    if (!found) byPair.set(key, { from, to, reasons: [reason] });
    else if (!found.reasons.includes(reason)) found.reasons.push(reason);
  };
  for (const c of root.node.root.node.findAll()) {
    if (!(c instanceof Workload)) continue;
    for (const consumed of c.consumedValues) for (const s of consumed.value.sources) add(c, workloadOf(s.construct), `env ${consumed.variable}`);
    for (const conn of c.connections) {
      if (conn.source instanceof Workload && conn.target instanceof Workload) add(conn.source, conn.target, conn.method);
    }
  }
  return [...byPair.values()].map(({ from, to, reasons }) => ({ from, to, reason: reasons.join(', ') }));
}

/**
 * The wave of each workload: 0 for one that depends on nothing, else one more than the
 * highest wave it depends on. The members of a cycle share a wave.
 */
export function workloadWaves(dependencies: readonly Dependency[]): Map<Workload, number> {
  const components = stronglyConnected(dependencies);
  const needs = new Map<number, Set<number>>();
  for (const d of dependencies) {
    const a = components.get(d.from)!;
    const b = components.get(d.to)!;
    if (a === b) continue;
    let set = needs.get(a);
    if (!set) needs.set(a, (set = new Set()));
    set.add(b);
  }
  const wave = new Map<number, number>();
  const waveOf = (c: number): number => {
    const known = wave.get(c);
    if (known !== undefined) return known;
    let w = 0;
    for (const b of needs.get(c) ?? []) w = Math.max(w, waveOf(b) + 1);
    wave.set(c, w);
    return w;
  };
  const out = new Map<Workload, number>();
  for (const [workload, c] of components) out.set(workload, waveOf(c));
  return out;
}

/**
 * The dependency cycles: workload → component number (Tarjan's strongly connected
 * components). Two workloads with one number depend on each other and cannot be ordered;
 * the graph of the components is acyclic.
 */
export function stronglyConnected(dependencies: readonly Dependency[]): Map<Workload, number> {
  const edges = new Map<Workload, Workload[]>();
  for (const d of dependencies) {
    if (!edges.has(d.to)) edges.set(d.to, []);
    const list = edges.get(d.from);
    if (list) list.push(d.to);
    else edges.set(d.from, [d.to]);
  }
  const index = new Map<Workload, number>();
  const low = new Map<Workload, number>();
  const onStack = new Set<Workload>();
  const stack: Workload[] = [];
  const component = new Map<Workload, number>();
  let next = 0;
  let count = 0;
  const visit = (v: Workload) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      let w: Workload;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.set(w, count);
      } while (w !== v);
      count++;
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return component;
}

/**
 * Annotates every object under `scope` (one stack) with its sync wave, or as a hook:
 * setup kinds and config kinds by their apply-order rank, the rest by the wave of their
 * workload (0 outside workloads). A wave the user set on an object is kept (and checked
 * against the dependencies at synth).
 */
export function annotateWaves(scope: IConstruct, kinds: KindRegistry, waves: ReadonlyMap<Workload, number>): void {
  for (const c of scope.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const existing: Record<string, string> = c.metadata.toJson().annotations ?? {};
    const hook = hookOf(c);
    if (hook) {
      if (!(SYNC_HOOK_ANNOTATION in existing)) c.metadata.addAnnotation(SYNC_HOOK_ANNOTATION, hook);
      if (!(HOOK_DELETE_POLICY_ANNOTATION in existing)) c.metadata.addAnnotation(HOOK_DELETE_POLICY_ANNOTATION, 'BeforeHookCreation');
      continue;
    }
    if (SYNC_WAVE_ANNOTATION in existing) continue;
    const rank = kinds.rank({ apiVersion: c.apiVersion, kind: c.kind });
    const owner = workloadOf(c);
    const wave = rank < CONFIG_RANKS.from ? SETUP_WAVE : rank <= CONFIG_RANKS.to ? CONFIG_WAVE : owner ? (waves.get(owner) ?? 0) : 0;
    c.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave));
  }
}
