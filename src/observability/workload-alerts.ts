import { Construct } from 'constructs';
import type { ErrorContext } from '../core/errors.js';
import { checkKnownKeys } from '../core/props.js';
import type { AlertRuleProps, AlertSeverity } from './prometheus-rule.js';
import { PrometheusRule } from './prometheus-rule.js';
import { formatDuration, isPromDuration } from './promql.js';

/** How one preset alert is tuned. */
export interface AlertTuning {
  /** How long the condition must hold before the alert fires. @default - the preset's (15m for most) */
  readonly for?: string;
  /** Urgency. @default - the preset's (`ticket` for most) */
  readonly severity?: AlertSeverity;
  /**
   * The preset's threshold: the fraction of free space for `pvcNearlyFull` (default 0.1),
   * the seconds since the last successful run for `cronJobNotScheduling` (default twice
   * the schedule's period). Other presets have none.
   * @default - the preset's
   */
  readonly threshold?: number;
}

/**
 * The alerts every workload gets from kube-state-metrics and the kubelet (on by default
 * where a workload has `metrics`): `false` removes one, an object tunes it.
 */
export interface AlertPresetsProps {
  /** A container of a pod is in CrashLoopBackOff. */
  readonly crashLooping?: false | AlertTuning;
  /** A pod is Pending, Unknown or Failed. */
  readonly podsNotReady?: false | AlertTuning;
  /** Fewer replicas are available than wanted, and the rollout is not moving. */
  readonly replicasMismatch?: false | AlertTuning;
  /** A Deployment's rollout stopped progressing (progressDeadlineSeconds passed); a StatefulSet's update was not observed. */
  readonly rolloutStuck?: false | AlertTuning;
  /** The HorizontalPodAutoscaler has run at its maximum for a while: the workload may need a higher one. */
  readonly hpaMaxedOut?: false | AlertTuning;
  /** A persistent volume of the workload is nearly full. */
  readonly pvcNearlyFull?: false | AlertTuning;
  /** A Job of the workload failed. */
  readonly jobFailed?: false | AlertTuning;
  /** A CronJob has not completed a run for longer than its schedule allows. */
  readonly cronJobNotScheduling?: false | AlertTuning;
}

/** The alerts of a database with a metrics exporter, besides the workload presets: `false` removes one, an object tunes it. */
export interface DatabaseAlertsProps extends AlertPresetsProps {
  /** The exporter cannot reach the database. */
  readonly databaseDown?: false | AlertTuning;
  /** A replica is behind the primary; `threshold` in seconds (default 30). */
  readonly replicationLag?: false | AlertTuning;
  /** Connections are near the server's limit; `threshold` is the fraction used (default 0.8). */
  readonly connectionsNearLimit?: false | AlertTuning;
  /** Memory is near the configured maximum (Redis `maxmemory`); `threshold` is the fraction used (default 0.9). */
  readonly memoryNearLimit?: false | AlertTuning;
}

/** An alert a workload adds to the presets (a database exporter's), tunable and removable like them. */
export interface ExtraAlert {
  /** Default threshold, when the alert has one. @default - no threshold */
  readonly threshold?: number;
  /** The alert for a threshold. */
  readonly build: (threshold: number) => AlertRuleProps;
}

/** The names of the preset alerts. */
export type AlertPresetName = keyof AlertPresetsProps;
const PRESET_NAMES: readonly AlertPresetName[] = ['crashLooping', 'podsNotReady', 'replicasMismatch', 'rolloutStuck', 'hpaMaxedOut', 'pvcNearlyFull', 'jobFailed', 'cronJobNotScheduling'];

/** What the presets watch. */
export interface AlertTarget {
  /** The controller. */
  readonly kind: 'Deployment' | 'StatefulSet' | 'Job' | 'CronJob';
  /** Its `metadata.name`. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Whether an HPA scales it. @default false */
  readonly autoscaled?: boolean;
  /** Names of its PersistentVolumeClaim templates (StatefulSets), e.g. `['data']`. @default - none */
  readonly claimTemplates?: readonly string[];
  /** The period of a CronJob's schedule, in seconds. @default 86400 */
  readonly schedulePeriodSeconds?: number;
}

/** Props of {@link WorkloadAlerts}. */
export interface WorkloadAlertsProps {
  /** What to watch. */
  readonly target: AlertTarget;
  /** Tuning and removal per preset. @default - every preset that applies, untuned */
  readonly presets?: AlertPresetsProps;
  /** Further alerts of the same workload (e.g. a database exporter's) by tuning key, in the same group. @default - none */
  readonly extra?: Readonly<Record<string, ExtraAlert>>;
  /** Labels on the PrometheusRule (e.g. the workload's standard labels). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

const RUNBOOKS = 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes';

interface Preset {
  readonly alert: string;
  readonly applies: (t: AlertTarget) => boolean;
  readonly for: string;
  readonly severity: AlertSeverity;
  readonly threshold?: (t: AlertTarget) => number;
  readonly expr: (t: AlertTarget, threshold: number) => string;
  readonly summary: string;
  /** The description, given the threshold and how long the condition held (e.g. `15m`). */
  readonly description: (t: AlertTarget, threshold: number, held: string) => string;
  readonly runbook: (t: AlertTarget) => string;
}

const q = JSON.stringify;
const longRunning = (t: AlertTarget) => t.kind === 'Deployment' || t.kind === 'StatefulSet';

/** Pod names of the target: `<deployment>-<replicaset hash>-<suffix>`, `<statefulset>-<ordinal>`, `<job>-<suffix>`, `<cronjob>-<time>-<suffix>`. */
export function podPattern(t: AlertTarget): string {
  const name = t.name;
  switch (t.kind) {
    case 'Deployment':
      return `${name}-[a-z0-9]+-[a-z0-9]+`;
    case 'StatefulSet':
      return `${name}-[0-9]+`;
    case 'Job':
      return `${name}-[a-z0-9]+`;
    case 'CronJob':
      return `${name}-[0-9]+-[a-z0-9]+`;
  }
}

const pods = (t: AlertTarget) => `namespace=${q(t.namespace)}, pod=~${q(podPattern(t))}`;
const controller = (t: AlertTarget) => `namespace=${q(t.namespace)}, ${t.kind.toLowerCase()}=${q(t.name)}`;

const PRESETS: Readonly<Record<AlertPresetName, Preset>> = {
  crashLooping: {
    alert: 'PodCrashLooping',
    applies: () => true,
    for: '15m',
    severity: 'ticket',
    expr: (t) => `max_over_time(kube_pod_container_status_waiting_reason{${pods(t)}, reason="CrashLoopBackOff"}[5m]) >= 1`,
    summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} is crash looping',
    description: (t, _threshold, held) => `Container {{ $labels.container }} of pod {{ $labels.pod }} (${t.kind} ${t.name}) has been in CrashLoopBackOff for ${held}.`,
    runbook: () => `${RUNBOOKS}/kubepodcrashlooping`,
  },
  podsNotReady: {
    alert: 'PodNotReady',
    applies: longRunning,
    for: '15m',
    severity: 'ticket',
    expr: (t) => `sum by (namespace, pod) (kube_pod_status_phase{${pods(t)}, phase=~"Pending|Unknown|Failed"}) > 0`,
    summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} is not ready',
    description: (t, _threshold, held) => `Pod {{ $labels.pod }} of ${t.kind} ${t.name} has been Pending, Unknown or Failed for longer than ${held}.`,
    runbook: () => `${RUNBOOKS}/kubepodnotready`,
  },
  replicasMismatch: {
    alert: 'ReplicasMismatch',
    applies: longRunning,
    for: '15m',
    severity: 'ticket',
    expr: (t) =>
      t.kind === 'Deployment'
        ? `(kube_deployment_spec_replicas{${controller(t)}} > kube_deployment_status_replicas_available{${controller(t)}}) and (changes(kube_deployment_status_replicas_updated{${controller(t)}}[10m]) == 0)`
        : `(kube_statefulset_status_replicas_ready{${controller(t)}} != kube_statefulset_status_replicas{${controller(t)}}) and (changes(kube_statefulset_status_replicas_updated{${controller(t)}}[10m]) == 0)`,
    summary: `{{ $labels.namespace }}: fewer replicas are available than wanted`,
    description: (t, _threshold, held) => `${t.kind} ${t.namespace}/${t.name} has not matched its expected number of replicas for ${held}.`,
    runbook: (t) => `${RUNBOOKS}/${t.kind === 'Deployment' ? 'kubedeploymentreplicasmismatch' : 'kubestatefulsetreplicasmismatch'}`,
  },
  rolloutStuck: {
    alert: 'RolloutStuck',
    applies: longRunning,
    for: '15m',
    severity: 'ticket',
    expr: (t) =>
      t.kind === 'Deployment'
        ? `kube_deployment_status_condition{${controller(t)}, condition="Progressing", status="false"} != 0`
        : `kube_statefulset_status_observed_generation{${controller(t)}} != kube_statefulset_metadata_generation{${controller(t)}}`,
    summary: '{{ $labels.namespace }}: a rollout is stuck',
    description: (t, _threshold, held) => `The rollout of ${t.kind} ${t.namespace}/${t.name} has not progressed for ${held}.`,
    runbook: (t) => `${RUNBOOKS}/${t.kind === 'Deployment' ? 'kubedeploymentrolloutstuck' : 'kubestatefulsetgenerationmismatch'}`,
  },
  hpaMaxedOut: {
    alert: 'HpaMaxedOut',
    applies: (t) => t.autoscaled === true,
    for: '15m',
    severity: 'ticket',
    expr: (t) => `kube_horizontalpodautoscaler_status_current_replicas{namespace=${q(t.namespace)}, horizontalpodautoscaler=${q(t.name)}} == kube_horizontalpodautoscaler_spec_max_replicas{namespace=${q(t.namespace)}, horizontalpodautoscaler=${q(t.name)}}`,
    summary: 'HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} runs at its maximum',
    description: (t, _threshold, held) => `The autoscaler of ${t.name} has run at its maximum replicas for ${held}; raise autoscale.max or look for the load.`,
    runbook: () => `${RUNBOOKS}/kubehpamaxedout`,
  },
  pvcNearlyFull: {
    alert: 'VolumeNearlyFull',
    applies: (t) => (t.claimTemplates ?? []).length > 0,
    for: '15m',
    severity: 'ticket',
    threshold: () => 0.1,
    expr: (t, free) => {
      const claims = `namespace=${q(t.namespace)}, persistentvolumeclaim=~${q(`(${t.claimTemplates!.join('|')})-${t.name}-[0-9]+`)}`;
      return `kubelet_volume_stats_available_bytes{${claims}} / kubelet_volume_stats_capacity_bytes{${claims}} < ${free}`;
    },
    summary: 'Volume {{ $labels.persistentvolumeclaim }} is nearly full',
    description: (t, free) => `PersistentVolumeClaim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} of ${t.name} has less than ${Math.round(free * 100)}% free space ({{ $value | humanizePercentage }} left).`,
    runbook: () => `${RUNBOOKS}/kubepersistentvolumefillingup`,
  },
  jobFailed: {
    alert: 'JobFailed',
    applies: (t) => t.kind === 'Job' || t.kind === 'CronJob',
    for: '15m',
    severity: 'ticket',
    expr: (t) => `kube_job_failed{namespace=${q(t.namespace)}, job_name=~${q(t.kind === 'Job' ? t.name : `${t.name}-[0-9]+`)}} > 0`,
    summary: 'Job {{ $labels.namespace }}/{{ $labels.job_name }} failed',
    description: (t) => `Job {{ $labels.job_name }} of ${t.kind} ${t.name} failed; its pods' logs say why.`,
    runbook: () => `${RUNBOOKS}/kubejobfailed`,
  },
  cronJobNotScheduling: {
    alert: 'CronJobNotCompleting',
    applies: (t) => t.kind === 'CronJob',
    for: '15m',
    severity: 'ticket',
    threshold: (t) => 2 * (t.schedulePeriodSeconds ?? 86400),
    expr: (t, seconds) => `time() - kube_cronjob_status_last_successful_time{${controller(t)}} > ${seconds}`,
    summary: 'CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not completed a run',
    description: (t, seconds) => `CronJob ${t.name} has not completed a run for more than ${formatDuration(seconds)}; check that it is not suspended and that its Jobs succeed.`,
    runbook: () => `${RUNBOOKS}/kubejobnotcompleted`,
  },
};

/** The alert name of a preset for one workload, e.g. `ApiPodCrashLooping` for `api`. */
export function presetAlertName(workloadName: string, preset: AlertPresetName): string {
  return `${pascal(workloadName)}${PRESETS[preset].alert}`;
}

/** `orders-api` → `OrdersApi`. */
export function pascal(name: string): string {
  return name.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** Checks the `alerts` prop of a workload: `false`, or presets (and the workload's `extra` alerts) to tune or remove. */
export function checkAlertPresets(ctx: ErrorContext, field: string, value: unknown, extra: Readonly<Record<string, ExtraAlert>> = {}): false | AlertPresetsProps {
  if (value === false) return false;
  ctx.check(value !== null && typeof value === 'object' && !Array.isArray(value), field, value, 'must be false or { <preset>: false | { for?, severity?, threshold? } }');
  checkKnownKeys(ctx, field, value, [...PRESET_NAMES, ...Object.keys(extra)]);
  for (const [name, tuning] of Object.entries(value as Record<string, unknown>)) {
    const f = `${field}.${name}`;
    if (tuning === false) continue;
    ctx.check(tuning !== null && typeof tuning === 'object' && !Array.isArray(tuning), f, tuning, 'must be false (remove the alert) or { for?, severity?, threshold? }');
    checkKnownKeys(ctx, f, tuning, ['for', 'severity', 'threshold']);
    const t = tuning as AlertTuning;
    if (t.for !== undefined) ctx.check(isPromDuration(t.for), `${f}.for`, t.for, 'is not a Prometheus duration', 'Use a number and a unit without spaces, e.g. "15m", "1h"');
    if (t.severity !== undefined) ctx.check(['page', 'ticket', 'info'].includes(t.severity), `${f}.severity`, t.severity, 'must be "page", "ticket" or "info"');
    if (t.threshold !== undefined) {
      ctx.check((PRESETS[name as AlertPresetName]?.threshold ?? extra[name]?.threshold) !== undefined, `${f}.threshold`, t.threshold, `does not apply: ${name} has no threshold`);
      ctx.check(typeof t.threshold === 'number' && Number.isFinite(t.threshold) && t.threshold > 0, `${f}.threshold`, t.threshold, 'must be a positive number');
      if (name === 'pvcNearlyFull') ctx.check(t.threshold < 1, `${f}.threshold`, t.threshold, 'is the fraction of free space, below 1', 'e.g. 0.1 for 10% free');
      if (name === 'connectionsNearLimit' || name === 'memoryNearLimit') ctx.check(t.threshold < 1, `${f}.threshold`, t.threshold, 'is the fraction used, below 1', 'e.g. 0.8 for 80%');
    }
  }
  return value as AlertPresetsProps;
}

/**
 * The preset alerts of one workload (crash loops, pods not ready, replicas and rollouts,
 * HPA at its maximum, volumes filling up, failed Jobs, CronJobs not completing), from
 * kube-state-metrics and the kubelet, plus any `extra` alerts, in a PrometheusRule
 * `<name>-alerts`. Alert names start with the workload's name (`ApiPodCrashLooping`).
 */
export class WorkloadAlerts extends Construct {
  /** The PrometheusRule. */
  public readonly rule: PrometheusRule;
  /** The alert names, in order. */
  public readonly alertNames: readonly string[];

  constructor(scope: Construct, id: string, props: WorkloadAlertsProps) {
    super(scope, id);
    const t = props.target;
    const presets = props.presets ?? {};
    const rules: AlertRuleProps[] = [];
    for (const name of PRESET_NAMES) {
      const preset = PRESETS[name];
      const tuning = presets[name];
      if (tuning === false || !preset.applies(t)) continue;
      const threshold = tuning?.threshold ?? preset.threshold?.(t) ?? 0;
      const forDuration = tuning?.for ?? preset.for;
      rules.push({
        alert: presetAlertName(t.name, name),
        expr: preset.expr(t, threshold),
        for: forDuration,
        severity: tuning?.severity ?? preset.severity,
        summary: preset.summary,
        description: preset.description(t, threshold, forDuration),
        runbookUrl: preset.runbook(t),
      });
    }
    for (const [key, extra] of Object.entries(props.extra ?? {})) {
      const tuning = (presets as Record<string, false | AlertTuning | undefined>)[key];
      if (tuning === false) continue;
      const built = extra.build(tuning?.threshold ?? extra.threshold ?? 0);
      rules.push({ ...built, ...(tuning?.for !== undefined ? { for: tuning.for } : {}), ...(tuning?.severity !== undefined ? { severity: tuning.severity } : {}) });
    }
    this.alertNames = rules.map((r) => r.alert);
    this.rule = new PrometheusRule(this, 'rule', {
      name: `${t.name}-alerts`,
      ...(props.labels ? { labels: props.labels } : {}),
      ...(rules.length ? { groups: [{ name: `${t.namespace}.${t.name}.alerts`, rules }] } : {}),
    });
  }
}
