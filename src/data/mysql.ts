import type { Construct } from 'constructs';
import { Database, errorContextFor, type DatabaseProps, engineAlert, type Engine } from './database.js';

/** The credentials MySQL reads from the Secret: the root password and an application user the image creates on first start. */
export type MySqlCredential = 'rootPassword' | 'username' | 'password';

/** Props of a {@link MySql}. */
export interface MySqlProps extends DatabaseProps<MySqlCredential> {
  /** Database created on first start (`MYSQL_DATABASE`, owned by the application user) and used in `url`. @default - the name with '-' as '_' */
  readonly database?: string;
}

const PORT = 3306;
const DATA = '/var/lib/mysql';
const DATADIR = `${DATA}/data`;

/**
 * MySQL on the official `mysql` image (UID 999), a single server with its data
 * in a subdirectory of the volume (so a filesystem's `lost+found` does not stop
 * initialisation), probed with `mysqladmin ping`, with an optional
 * mysqld_exporter sidecar and scheduled `mysqldump`s. For replication or group
 * replication with failover, use an operator (MySQL Operator for Kubernetes,
 * Percona Operator for MySQL).
 */
export class MySql extends Database<MySqlCredential> {
  /** The database `url` points to. */
  public readonly database: string;

  constructor(scope: Construct, id: string, props: MySqlProps) {
    const database = props?.database ?? (props?.name ?? id).replace(/-/g, '_');
    errorContextFor(scope, id).check(
      typeof database === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(database),
      'database',
      database,
      'is not a valid MySQL database name (letters, digits and "_", at most 64 characters)',
      'e.g. "orders"',
    );
    super(scope, id, props, mysqlEngine(database));
    this.database = database;
  }
}

function mysqlEngine(database: string): Engine<MySqlCredential> {
  const ping = ['mysqladmin', 'ping', '--host=127.0.0.1', `--port=${PORT}`, '--connect-timeout=3'];
  return {
    title: 'MySQL',
    id: 'mysql',
    image: 'mysql',
    defaultVersion: '8.4',
    version: { pattern: /^\d+\.\d+(\.\d+)?$/, rule: 'MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. "8.4" or "8.4.2"', minMajor: 8 },
    port: PORT,
    uid: 999,
    dataPath: DATA,
    // Socket and pid file, temporary tables, and the secure_file_priv directory.
    writablePaths: ['/tmp', '/var/run/mysqld', '/var/lib/mysql-files'],
    credentialKeys: { rootPassword: 'root-password', username: 'username', password: 'password' },
    terminationGraceSeconds: 120,
    // Over TCP: the entrypoint's bootstrap server runs with --skip-networking and must not count as up.
    // `mysqladmin ping` exits 0 whenever the server answers, even with "access denied", so it needs no password.
    probes: { ready: ping, live: ping, timeoutSeconds: 5 },
    container: (c) => ({
      env: [
        c.credentials.env('MYSQL_ROOT_PASSWORD', 'rootPassword'),
        c.credentials.env('MYSQL_USER', 'username'),
        c.credentials.env('MYSQL_PASSWORD', 'password'),
        { name: 'MYSQL_DATABASE', value: database },
      ],
      args: ['mysqld', `--datadir=${DATADIR}`],
    }),
    exporter: {
      image: 'prom/mysqld-exporter:v0.15.1',
      port: 9104,
      env: (c) => [c.credentials.env('MYSQLD_EXPORTER_PASSWORD', 'rootPassword')],
      args: [`--mysqld.address=127.0.0.1:${PORT}`, '--mysqld.username=root'],
      alerts: (t) => ({
        databaseDown: { build: () => engineAlert(t, 'DatabaseDown', {
          expr: `mysql_up{${t.pods}} == 0`, for: '5m', severity: 'page',
          summary: 'MySQL {{ $labels.pod }} is down',
          description: 'mysqld_exporter on {{ $labels.pod }} cannot connect to MySQL.',
          runbookUrl: 'https://github.com/prometheus/mysqld_exporter',
        }) },
        connectionsNearLimit: { threshold: 0.8, build: (r) => engineAlert(t, 'ConnectionsNearLimit', {
          expr: `mysql_global_status_threads_connected{${t.pods}} / mysql_global_variables_max_connections{${t.pods}} > ${r}`, for: '10m', severity: 'ticket',
          summary: 'MySQL {{ $labels.pod }} uses {{ $value | humanizePercentage }} of max_connections',
          description: `More than ${r * 100}% of max_connections are in use; new connections will soon be refused.`,
          runbookUrl: 'https://dev.mysql.com/doc/refman/8.4/en/too-many-connections.html',
        }) },
      }),
    },
    backup: {
      extension: 'sql',
      env: (c) => [c.credentials.env('MYSQL_ROOT_PASSWORD', 'rootPassword')],
      // The password goes through an option file, not the command line.
      script: (c, file) =>
        [
          'umask 077',
          `printf '[client]\\npassword="%s"\\n' "$(printf '%s' "$MYSQL_ROOT_PASSWORD" | sed 's/[\\\\"]/\\\\&/g')" > /tmp/backup.cnf`,
          `mysqldump --defaults-extra-file=/tmp/backup.cnf --host=${c.host} --port=${PORT} --user=root --single-transaction --routines --events --triggers --all-databases --result-file=${file}`,
        ].join('\n'),
    },
    url: (c) => ['mysql://', c.credentials.refs.username, ':', c.credentials.refs.password, `@${c.host}:${PORT}/${database}`],
  };
}
