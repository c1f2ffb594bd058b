import type { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { ExportedValue } from '../core/env-value.js';
import { KubeObject } from '../core/kube-object.js';
import { Database, errorContextFor, type DatabaseProps, engineAlert, type Engine, type ReadReplicaProps } from './database.js';

/** The credentials Postgres reads from the Secret: the superuser the image creates on first start. */
export type PostgresCredential = 'username' | 'password';

/** Props of a {@link Postgres}. */
export interface PostgresProps extends DatabaseProps<PostgresCredential> {
  /** Database created on first start (`POSTGRES_DB`) and used in `url`. @default - the name with '-' as '_' */
  readonly database?: string;
  /**
   * Read replicas: a second StatefulSet that clones the primary with
   * pg_basebackup and streams its WAL (hot standby), behind the `<name>-read`
   * Service. They do not fail over: see {@link Postgres}.
   * @default - no replicas
   */
  readonly replicas?: ReadReplicaProps;
}

const PORT = 5432;
const DATA = '/var/lib/postgresql/data';
const PGDATA = `${DATA}/pgdata`;
const SOCKETS = '/var/run/postgresql';
const CONFIG = '/etc/postgresql/keelson';
const PASSFILE = `${SOCKETS}/pgpass`;

/**
 * Client authentication: connections over the pod-local socket are trusted (as
 * in the official image); every TCP connection, replication included, needs a
 * password (SCRAM).
 */
const PG_HBA = ['local all all trust', 'local replication all trust', 'host all all all scram-sha-256', 'host replication all all scram-sha-256', ''].join('\n');

/**
 * PostgreSQL on the official Debian-based `postgres` image (UID 999), with
 * `PGDATA` in a subdirectory of the volume, probes with `pg_isready`, and
 * optionally read replicas, a postgres_exporter sidecar and nightly `pg_dump`s.
 *
 * ```ts
 * const db = new Postgres(stack, 'orders-db', {
 *   credentials: { secret: 'orders-db' },   // keys `username`, `password`
 *   storage: '50Gi', replicas: { count: 2 }, metrics: true, backup: {},
 * });
 * api.env('DATABASE_URL', db.url);
 * db.allowFrom(api);
 * ```
 *
 * Replicas are for reads and for a manual failover; there is no automatic
 * failover. When the primary's node fails, the primary is down until
 * Kubernetes reschedules it (its volume follows it where the storage allows);
 * nothing promotes a replica, fences the old primary or repoints clients, and
 * a replica promoted by hand (`pg_ctl promote`) is turned back into a standby
 * by its init container on the next restart. For automatic failover,
 * switchover, point-in-time recovery and backups to object storage, run an
 * operator such as CloudNativePG (https://cloudnative-pg.io).
 */
export class Postgres extends Database<PostgresCredential> {
  /** The database `url` points to. */
  public readonly database: string;
  /** The replicas' StatefulSet (`<name>-replica`), when `replicas` is set. */
  public readonly replicaStatefulSet?: KubeObject;
  /** The headless Service governing the replicas (`<name>-replica-headless`). */
  public readonly replicaHeadlessService?: KubeObject;
  /** The read-only Service over the replicas (`<name>-read`). */
  public readonly readService?: KubeObject;
  /** Cluster DNS name for read-only queries: the `<name>-read` Service with replicas, else the primary's. */
  public readonly readHost: ExportedValue;
  /** Connection URL for read-only queries: the `<name>-read` Service with replicas, else the primary's `url`. */
  public readonly readUrl: ExportedValue;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    const database = checkDatabaseName(scope, id, props);
    super(scope, id, props, postgresEngine(database, props?.replicas !== undefined), props?.replicas);
    this.database = database;
    if (this.readReplicaCount > 0) {
      const members = this.addMembers('replica', this.readReplicaCount, `${this.name}-replica`, `${this.name}-read`);
      this.replicaStatefulSet = members.statefulSet;
      this.replicaHeadlessService = members.headlessService;
      this.readService = members.service;
      const readHost = `${this.name}-read.${this.namespace}.svc.cluster.local`;
      this.readHost = ExportedValue.of([readHost], this);
      this.readUrl = ExportedValue.of(connectionUrl(this.credentials.username, this.credentials.password, readHost, database), this, { port: this.port });
    } else {
      this.readHost = this.host;
      this.readUrl = this.url;
    }
  }
}

function checkDatabaseName(scope: Construct, id: string, props: PostgresProps | undefined): string {
  const fallback = (props?.name ?? id).replace(/-/g, '_');
  const database = props?.database ?? fallback;
  errorContextFor(scope, id).check(
    typeof database === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(database),
    'database',
    database,
    'is not a valid Postgres database name (lower-case letters, digits and "_", not starting with a digit, at most 63 characters)',
    'e.g. "orders"',
  );
  return database;
}

function connectionUrl(user: { secret: string; key: string }, password: { secret: string; key: string }, host: string, database: string) {
  return ['postgresql://', user, ':', password, `@${host}:${PORT}/${database}`];
}

function postgresEngine(database: string, hasReplicas: boolean): Engine<PostgresCredential> {
  return {
    title: 'Postgres',
    id: 'postgres',
    image: 'postgres',
    defaultVersion: '16.4',
    version: { pattern: /^\d{2}(\.\d{1,2})?$/, rule: 'MAJOR or MAJOR.MINOR of the Debian-based image, e.g. "16" or "16.4"', minMajor: 12 },
    port: PORT,
    uid: 999,
    dataPath: DATA,
    writablePaths: ['/tmp', SOCKETS],
    credentialKeys: { username: 'username', password: 'password' },
    terminationGraceSeconds: 120,
    config: { mountPath: CONFIG, files: { 'pg_hba.conf': PG_HBA } },
    // Over TCP, so the entrypoint's socket-only bootstrap server does not count as ready. Liveness
    // accepts exit code 1 ("rejecting connections": starting up or recovering); only no answer fails it.
    probes: {
      ready: ['pg_isready', '--host=127.0.0.1', `--port=${PORT}`, '--timeout=3'],
      live: ['sh', '-c', `pg_isready --host=127.0.0.1 --port=${PORT} --timeout=3; [ $? -le 1 ]`],
      timeoutSeconds: 5,
    },
    container: (c, role) => {
      const creds = c.credentials;
      const common: k8s.EnvVar[] = [{ name: 'PGDATA', value: PGDATA }, creds.env('POSTGRES_USER', 'username')];
      // Parallel queries use /dev/shm, which is only 64Mi by default.
      const shm = { volumes: [{ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('256Mi') } }], mounts: [{ name: 'shm', mountPath: '/dev/shm' }] };
      const hba = ['-c', `hba_file=${CONFIG}/pg_hba.conf`];
      if (role === 'primary') {
        return {
          ...shm,
          env: [...common, creds.env('POSTGRES_PASSWORD', 'password'), { name: 'POSTGRES_DB', value: database }],
          // Keep 1GB of WAL so a replica that falls briefly behind can catch up without a new clone.
          args: ['postgres', ...hba, ...(hasReplicas ? ['-c', 'wal_keep_size=1GB'] : [])],
        };
      }
      const conninfo = `host=${c.host} port=${PORT} user='$(POSTGRES_USER)' passfile=${PASSFILE} application_name=$(POD_NAME)`;
      return {
        ...shm,
        env: [...common, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        args: ['postgres', ...hba, '-c', `primary_conninfo=${conninfo}`],
        initContainers: [
          {
            name: 'clone',
            env: [...common, creds.env('PGPASSWORD', 'password')],
            script: [
              'set -eu',
              'if [ ! -s "$PGDATA/PG_VERSION" ]; then',
              '  rm -rf "$PGDATA"',
              `  pg_basebackup --pgdata="$PGDATA" --host=${c.host} --port=${PORT} --username="$POSTGRES_USER" --no-password --wal-method=stream --checkpoint=fast`,
              'fi',
              'touch "$PGDATA/standby.signal"',
              "escape() { printf '%s' \"$1\" | sed 's/[\\\\:]/\\\\&/g'; }",
              'umask 077',
              `printf '%s:%s:*:%s:%s\\n' ${c.host} ${PORT} "$(escape "$POSTGRES_USER")" "$(escape "$PGPASSWORD")" > ${PASSFILE}`,
            ].join('\n'),
          },
        ],
      };
    },
    exporter: {
      image: 'quay.io/prometheuscommunity/postgres-exporter:v0.15.0',
      port: 9187,
      env: (c) => [
        { name: 'DATA_SOURCE_URI', value: `127.0.0.1:${PORT}/${database}?sslmode=disable` },
        c.credentials.env('DATA_SOURCE_USER', 'username'),
        c.credentials.env('DATA_SOURCE_PASS', 'password'),
      ],
      alerts: (t) => ({
        databaseDown: { build: () => engineAlert(t, 'DatabaseDown', {
          expr: `pg_up{${t.pods}} == 0`, for: '5m', severity: 'page',
          summary: 'Postgres {{ $labels.pod }} is down',
          description: 'postgres_exporter on {{ $labels.pod }} cannot connect to the database.',
          runbookUrl: 'https://github.com/prometheus-community/postgres_exporter',
        }) },
        connectionsNearLimit: { threshold: 0.8, build: (r) => engineAlert(t, 'ConnectionsNearLimit', {
          expr: `sum by (pod) (pg_stat_activity_count{${t.pods}}) / on (pod) max by (pod) (pg_settings_max_connections{${t.pods}}) > ${r}`, for: '10m', severity: 'ticket',
          summary: 'Postgres {{ $labels.pod }} uses {{ $value | humanizePercentage }} of max_connections',
          description: `More than ${r * 100}% of max_connections are in use; new connections will soon be refused. Pool connections or raise max_connections.`,
          runbookUrl: 'https://www.postgresql.org/docs/current/runtime-config-connection.html',
        }) },
        ...(t.replicas ? { replicationLag: { threshold: 30, build: (r: number) => engineAlert(t, 'ReplicationLag', {
          expr: `max by (pod) (pg_replication_lag_seconds{${t.pods}}) > ${r}`, for: '5m', severity: 'ticket',
          summary: 'Postgres replica {{ $labels.pod }} is {{ $value | humanizeDuration }} behind',
          description: `Replica {{ $labels.pod }} has been more than ${r}s behind the primary for 5 minutes; reads from ${t.name}-read are stale.`,
          runbookUrl: 'https://www.postgresql.org/docs/current/hot-standby.html',
        }) } } : {}),
      }),
    },
    backup: {
      extension: 'dump',
      env: (c) => [c.credentials.env('PGUSER', 'username'), c.credentials.env('PGPASSWORD', 'password')],
      script: (c, file) => `pg_dump --host=${c.host} --port=${PORT} --dbname=${database} --no-password --format=custom --file=${file}`,
    },
    url: (c) => connectionUrl(c.credentials.refs.username, c.credentials.refs.password, c.host, database),
  };
}
