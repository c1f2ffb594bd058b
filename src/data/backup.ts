import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { parseDuration, type Duration } from '../core/duration.js';
import type { ErrorContext } from '../core/errors.js';
import { standardLabels, type WorkloadIdentity } from '../core/labels.js';
import { isDnsSubdomain } from '../core/names.js';
import { buildContainer, buildPodTemplate } from '../core/pod.js';
import { parseStorage, type ByteQuantity } from '../core/quantity.js';
import { resolveResources } from '../core/resources.js';
import type { ResolvedSecurity } from '../core/security.js';
import { Stack } from '../core/stack.js';
import { parseCronSchedule } from '../core/cron.js';
import { checkKnownKeys, propKeys } from '../core/props.js';
import { KubeObject } from '../core/kube-object.js';

/** Scheduled dumps of a database to a PersistentVolumeClaim. */
export interface BackupProps {
  /** Cron schedule (5 fields, in the cluster's time zone unless `timeZone` is set). @default '0 3 * * *' (nightly at 03:00) */
  readonly schedule?: string;
  /** IANA time zone of the schedule, e.g. `Europe/Berlin`. @default - the kube-controller-manager's time zone (usually UTC) */
  readonly timeZone?: string;
  /** Number of dumps to keep; older ones are deleted after each successful dump. @default 7 */
  readonly retain?: number;
  /** Size of the backup volume. @default - the database's `storage` */
  readonly storage?: ByteQuantity;
  /** StorageClass of the backup volume. @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** The longest one backup run may take before it is stopped. @default '2h' */
  readonly deadline?: Duration;
}

/** What a {@link DatabaseBackup} needs from its database. */
export interface DatabaseBackupOptions {
  /** Error context of the database construct. */
  readonly ctx: ErrorContext;
  /** The backup props as given. */
  readonly props: BackupProps;
  /** Name of the CronJob and the PersistentVolumeClaim. */
  readonly name: string;
  /** Name and labels of the database. */
  readonly identity: WorkloadIdentity;
  /** The engine's image (it carries the dump tools of the same version). */
  readonly image: string;
  /** ServiceAccount the backup pods run as. */
  readonly serviceAccountName: string;
  /** Security contexts of the database pods. */
  readonly security: ResolvedSecurity;
  /** Backup volume size when `props.storage` is not set. */
  readonly defaultStorage: string;
  /** File extension of one dump, e.g. `dump`, `sql`. */
  readonly extension: string;
  /** Env of the dump container (credentials). */
  readonly env: k8s.EnvVar[];
  /** Shell commands that write one dump to `file`. */
  readonly script: (file: string) => string;
}

const BACKUP_PATH = '/backup';

/**
 * A CronJob that dumps the database into a PersistentVolumeClaim, one
 * timestamped file per run, and keeps the newest `retain` files. Runs never
 * overlap (concurrencyPolicy Forbid) and are stopped after `deadline`.
 */
export class DatabaseBackup extends Construct {
  /** The CronJob. */
  public readonly cronJob: KubeObject;
  /** The volume the dumps are written to. */
  public readonly claim: KubeObject;

  constructor(scope: Construct, id: string, options: DatabaseBackupOptions) {
    super(scope, id);
    const { ctx, props } = options;
    checkKnownKeys(ctx, 'DatabaseBackup options', options, propKeys<DatabaseBackupOptions>()('ctx', 'props', 'name', 'identity', 'image', 'serviceAccountName', 'security', 'defaultStorage', 'extension', 'env', 'script'));
    const env = Stack.of(this).env;
    ctx.check(typeof props === 'object' && props !== null, 'backup', props, 'must be an object', 'Use backup: {} for nightly dumps with the defaults');
    checkKnownKeys(ctx, 'backup', props, propKeys<BackupProps>()('schedule', 'timeZone', 'retain', 'storage', 'storageClass', 'deadline'));
    // The same checks as a CronJob's schedule and time zone (the API server's cron parser and the tz database).
    const { expression: schedule } = parseCronSchedule(ctx, 'backup.schedule', props.schedule ?? '0 3 * * *', 'backup.timeZone', props.timeZone);
    const retain = props.retain ?? 7;
    ctx.check(Number.isInteger(retain) && retain >= 1 && retain <= 1000, 'backup.retain', retain, 'must be a whole number from 1 to 1000');
    const storage = parseStorage(ctx, 'backup.storage', props.storage ?? options.defaultStorage);
    if (props.storageClass !== undefined) ctx.check(typeof props.storageClass === 'string' && isDnsSubdomain(props.storageClass), 'backup.storageClass', props.storageClass, 'is not a valid StorageClass name');
    const deadline = parseDuration(ctx, 'backup.deadline', props.deadline ?? '2h', 60);

    const labels = standardLabels(options.identity);
    const metadata = { name: options.name, labels };
    this.claim = KubeObject.create(this, 'claim', k8s.KubePersistentVolumeClaim, {
      metadata,
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(props.storageClass ? { storageClassName: props.storageClass } : {}),
        resources: { requests: { storage: k8s.Quantity.fromString(storage.text) } },
      },
    });
    const file = `${BACKUP_PATH}/${options.identity.name}-$(date -u +%Y%m%dT%H%M%SZ).${options.extension}`;
    const script = [
      'set -eu',
      `file="${file}"`,
      options.script('"$file.partial"'),
      'mv "$file.partial" "$file"',
      `ls -1t ${BACKUP_PATH}/*.${options.extension} | tail -n +${retain + 1} | while read -r old; do rm -f -- "$old"; done`,
      `echo "backup written: $file"`,
    ].join('\n');
    const container = buildContainer({
      name: 'backup',
      image: options.image,
      imagePullPolicy: 'Always',
      ports: [],
      env: options.env,
      probes: {},
      resources: resolveResources(ctx, env, 'small', undefined),
      security: options.security,
      mounts: [{ name: 'backup', mountPath: BACKUP_PATH }],
      command: ['sh', '-c', script],
    });
    const template = buildPodTemplate({
      identity: options.identity,
      env,
      containers: [container],
      security: options.security,
      serviceAccountName: options.serviceAccountName,
      volumes: [{ name: 'backup', persistentVolumeClaim: { claimName: options.name } }],
      topologySpread: false,
    });
    this.cronJob = KubeObject.create(this, 'cron-job', k8s.KubeCronJob, {
      metadata,
      spec: {
        schedule,
        ...(props.timeZone ? { timeZone: props.timeZone } : {}),
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: deadline,
            template: { metadata: template.metadata, spec: { ...template.spec!, restartPolicy: 'Never' } },
          },
        },
      },
    });
  }
}
