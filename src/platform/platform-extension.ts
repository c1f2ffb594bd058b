import type { Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { KeelsonError } from '../core/errors.js';
import { Stack } from '../core/stack.js';
import { ContextSlot, type StackFindings, type StackManifest, type SynthContext, type SynthExtension } from '../core/synth-context.js';
import type { Workload } from '../core/workload.js';
import { ArgoCdApps, PLATFORM_OWNED_KINDS } from './argo-cd-apps.js';
import { BlueGreenService, SLOT_LABEL } from './blue-green-service.js';
import { annotateConfigChecksums } from './config-rollouts.js';
import { kustomizationOf, wantsKustomizations } from './kustomization.js';
import { annotateWaves, dependenciesOf, hookOf, stronglyConnected, SYNC_WAVE_ANNOTATION, workloadOf, workloadWaves, type Dependency } from './sync-waves.js';
import { TeamNamespace } from './team-namespace.js';

/** What the platform area reads from the whole app once per synth. */
interface PlatformState {
  /** Who emits each namespace: its TeamNamespace, else the first stack (in tree order) that creates it. */
  readonly namespaceOwner: ReadonlyMap<string, IConstruct>;
  /** The ArgoCdApps of the app. */
  readonly apps: readonly ArgoCdApps[];
  /** The ArgoCdApps that syncs each stack (its own stack included), by stack. */
  readonly syncedBy: ReadonlyMap<Stack, ArgoCdApps>;
  /** The AppProject of each stack an ArgoCdApps syncs. */
  readonly projectOf: ReadonlyMap<Stack, string>;
  /** Dependencies between the app's workloads. */
  readonly dependencies: readonly Dependency[];
  /** The dependency cycle (component number) of each workload with dependencies. */
  readonly cycleOf: ReadonlyMap<Workload, number>;
  /** The blue-green services of each stack. */
  readonly blueGreen: ReadonlyMap<Chart, readonly BlueGreenService[]>;
  /** The wave of each workload. */
  readonly waves: ReadonlyMap<Workload, number>;
  /** Construct by path, to find the construct of an object of the output. */
  readonly byPath: ReadonlyMap<string, IConstruct>;
}

const PLATFORM_STATE = new ContextSlot<PlatformState>('platform', (context) => {
  const all = context.root.node.root.node.findAll();
  const namespaceOwner = new Map<string, IConstruct>();
  for (const c of all) if (c instanceof TeamNamespace) namespaceOwner.set(c.namespaceName, c);
  for (const c of all) if (Stack.isStack(c) && c.namespaceObject && !namespaceOwner.has(c.namespaceName)) namespaceOwner.set(c.namespaceName, c);
  const apps = all.filter((c): c is ArgoCdApps => c instanceof ArgoCdApps);
  const syncedBy = new Map<Stack, ArgoCdApps>();
  const projectOf = new Map<Stack, string>();
  for (const a of apps) {
    syncedBy.set(a.stack, a);
    for (const t of a.targets()) {
      syncedBy.set(t.stack, a);
      projectOf.set(t.stack, t.project);
    }
  }
  const blueGreen = new Map<Chart, BlueGreenService[]>();
  for (const c of all) if (c instanceof BlueGreenService) blueGreen.set(c.stack, [...(blueGreen.get(c.stack) ?? []), c]);
  const dependencies = dependenciesOf(context.root);
  return {
    namespaceOwner,
    apps,
    syncedBy,
    projectOf,
    dependencies,
    cycleOf: stronglyConnected(dependencies),
    blueGreen,
    waves: workloadWaves(dependencies),
    byPath: new Map(all.map((c) => [c.node.path, c])),
  };
});

/**
 * The platform area's part of every synth. Before a stack's objects are read: a stack
 * leaves its Namespace to the TeamNamespace or the first stack that owns it, ArgoCdApps
 * creates its Applications from the finished tree, pod templates get the checksum of the
 * config they read, and stacks Argo CD syncs get sync waves. After: the checks of
 * Applications, AppProjects, waves and blue-green Services (what a team namespace's quota and
 * LimitRange admit is a check of every synth: the quota family), and `kustomization.yaml` files when asked.
 */
export const platformExtension: SynthExtension = {
  name: 'platform',
  prepareStack(context: SynthContext, chart: Chart): void {
    const state = context.state(PLATFORM_STATE);
    if (Stack.isStack(chart) && chart.namespaceObject && state.namespaceOwner.get(chart.namespaceName) !== chart) {
      chart.node.tryRemoveChild(chart.namespaceObject.node.id);
    }
    for (const apps of state.apps) if (apps.stack === chart) apps.build();
    annotateConfigChecksums(chart, context.kinds);
    const apps = Stack.isStack(chart) ? state.syncedBy.get(chart) : undefined;
    if (apps?.waves) annotateWaves(chart, context.kinds, state.waves);
  },
  finishStack(context: SynthContext, stack: StackManifest): StackFindings {
    const state = context.state(PLATFORM_STATE);
    const errors: KeelsonError[] = [];
    const chart = stack.chart;
    for (const apps of state.apps) if (apps.stack === chart) errors.push(...checkApplicationFolders(context, stack, apps));
    if (Stack.isStack(chart)) {
      const project = state.projectOf.get(chart);
      if (project && project !== 'default') errors.push(...checkProjectKinds(context, stack, project));
      if (state.syncedBy.get(chart)?.waves) errors.push(...checkWaveOrder(context, stack, state));
    }
    errors.push(...checkBlueGreenServices(stack, state));
    return { errors, ...(wantsKustomizations(context.root) ? { files: { 'kustomization.yaml': kustomizationOf(stack) } } : {}) };
  },
};

/** An Application (or ApplicationSet generator) of the output folder must point at a folder a stack writes. */
function checkApplicationFolders(context: SynthContext, stack: StackManifest, apps: ArgoCdApps): KeelsonError[] {
  const folders = new Set(context.manifests.map((m) => m.dir));
  const prefix = `${apps.path}/`;
  const out: KeelsonError[] = [];
  for (const o of stack.objects) {
    if (o.json.apiVersion !== 'argoproj.io/v1alpha1') continue;
    const paths: { field: string; repo: unknown; path: unknown }[] =
      o.json.kind === 'Application'
        ? [{ field: 'spec.source.path', repo: o.json.spec?.source?.repoURL, path: o.json.spec?.source?.path }]
        : o.json.kind === 'ApplicationSet'
          ? (o.json.spec?.generators ?? []).flatMap((g: any, i: number) => (g.git?.directories ?? []).map((d: any, j: number) => ({ field: `spec.generators[${i}].git.directories[${j}].path`, repo: g.git.repoURL, path: d.path })))
          : [];
    for (const p of paths) {
      if (p.repo !== apps.repo || typeof p.path !== 'string' || !p.path.startsWith(prefix)) continue;
      const folder = p.path.slice(prefix.length);
      if (!folders.has(folder)) {
        out.push(new KeelsonError({ path: o.path, field: p.field, value: p.path, rule: `points at a folder no stack of this app writes (folders: ${[...folders].join(', ')})`, hint: 'Point it at a stack folder, or give the stack objects so that its folder is written' }));
      }
    }
  }
  return out;
}

/** A team's application may not hold cluster-scoped objects or the kinds the platform owns: its AppProject would refuse to sync them. */
function checkProjectKinds(context: SynthContext, stack: StackManifest, project: string): KeelsonError[] {
  const out: KeelsonError[] = [];
  for (const o of stack.objects) {
    const group = o.json.apiVersion.includes('/') ? o.json.apiVersion.split('/')[0] : '';
    const owned = PLATFORM_OWNED_KINDS.some((k) => k.group === group && k.kind === o.json.kind);
    if (owned || context.kinds.isClusterScoped(o.json)) {
      out.push(new KeelsonError({ path: o.path, field: 'kind', value: o.json.kind, rule: `is not allowed in AppProject ${project}: ${owned ? 'the platform owns it' : 'it is cluster-scoped'}`, hint: 'Create it in the platform stack (e.g. with Team), or move the stack out of the team namespace' }));
    }
  }
  return out;
}

/** The sync waves of the objects that run a workload's pods in this stack, by workload. */
function podWaves(context: SynthContext, stack: StackManifest, state: PlatformState): Map<Workload, { min: number; max: number; path: string }> {
  const out = new Map<Workload, { min: number; max: number; path: string }>();
  for (const o of stack.objects) {
    if (!context.kinds.podTemplates(o.json).length) continue;
    const construct = state.byPath.get(o.path);
    const workload = construct && workloadOf(construct);
    if (!workload || hookOf(construct)) continue;
    const raw = o.json.metadata?.annotations?.[SYNC_WAVE_ANNOTATION];
    const wave = raw === undefined ? 0 : Number(raw);
    const seen = out.get(workload);
    out.set(workload, seen ? { min: Math.min(seen.min, wave), max: Math.max(seen.max, wave), path: seen.path } : { min: wave, max: wave, path: o.path });
  }
  return out;
}

/** A workload's pods must come in a later wave than the pods of every workload of the stack it depends on. */
function checkWaveOrder(context: SynthContext, stack: StackManifest, state: PlatformState): KeelsonError[] {
  const waves = podWaves(context, stack, state);
  const out: KeelsonError[] = [];
  for (const d of state.dependencies) {
    const from = waves.get(d.from);
    const to = waves.get(d.to);
    if (!from || !to || state.cycleOf.get(d.from) === state.cycleOf.get(d.to)) continue;
    if (from.min <= to.max) {
      out.push(
        new KeelsonError({
          path: from.path,
          field: `metadata.annotations["${SYNC_WAVE_ANNOTATION}"]`,
          value: String(from.min),
          rule: `is not after wave ${to.max} of ${d.to.node.path}, which it depends on (${d.reason})`,
          hint: `Remove the hand-set wave to have it derived from the dependencies, or set it above ${to.max}`,
        }),
      );
    }
  }
  return out;
}

/** A Service of the stack that selects the pods of both colours of a blue-green service sends traffic to both. */
function checkBlueGreenServices(stack: StackManifest, state: PlatformState): KeelsonError[] {
  const out: KeelsonError[] = [];
  for (const bg of state.blueGreen.get(stack.chart) ?? []) {
    const blue = bg.slotLabels('blue');
    const green = bg.slotLabels('green');
    for (const o of stack.objects) {
      if (o.json.apiVersion !== 'v1' || o.json.kind !== 'Service' || o.json.metadata?.namespace !== bg.namespace) continue;
      const selector: Record<string, string> | undefined = o.json.spec?.selector;
      if (!selector || !Object.keys(selector).length) continue;
      const matches = (labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
      if (matches(blue) && matches(green)) {
        out.push(new KeelsonError({ path: o.path, field: 'spec.selector', value: selector, rule: `selects the pods of both colours of ${bg.node.path}, so traffic goes to blue and green at once`, hint: `Select one colour with the "${SLOT_LABEL}" label (the active one is ${bg.active})` }));
      }
    }
  }
  return out;
}
