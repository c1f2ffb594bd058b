import type { Construct } from 'constructs';
import { Database, type DatabaseProps, engineAlert, type Engine } from './database.js';

/** The credentials MongoDB reads from the Secret: the root user the image creates on first start. */
export type MongoDbCredential = 'username' | 'password';

/** Props of a {@link MongoDb}. */
export type MongoDbProps = DatabaseProps<MongoDbCredential>;

const PORT = 27017;
const DATA = '/data/db';

/**
 * MongoDB on the official `mongo` image (UID 999): one `mongod` with
 * authentication on, probed with `mongosh` ping, with an optional
 * mongodb_exporter sidecar and scheduled `mongodump` archives. `url` logs in as
 * the root user against the `admin` database. For replica sets with failover,
 * use the MongoDB Community Operator or the Percona Operator for MongoDB.
 */
export class MongoDb extends Database<MongoDbCredential> {
  constructor(scope: Construct, id: string, props: MongoDbProps) {
    super(scope, id, props, mongoEngine());
  }
}

function mongoEngine(): Engine<MongoDbCredential> {
  // `ping` needs no login; mongosh starts slowly, hence the longer timeout.
  const ping = ['mongosh', '--quiet', '--norc', '--host=127.0.0.1', `--port=${PORT}`, '--eval', "db.adminCommand('ping').ok"];
  return {
    title: 'MongoDB',
    id: 'mongodb',
    image: 'mongo',
    defaultVersion: '7.0',
    version: { pattern: /^\d+\.\d+(\.\d+)?$/, rule: 'MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. "7.0" or "7.0.14"', minMajor: 6 },
    port: PORT,
    uid: 999,
    dataPath: DATA,
    // The entrypoint's temporary config and pid file, mongod's socket, and the config-server directory.
    writablePaths: ['/tmp', '/data/configdb'],
    credentialKeys: { username: 'username', password: 'password' },
    terminationGraceSeconds: 120,
    probes: { ready: ping, live: ping, timeoutSeconds: 10 },
    container: (c) => ({
      env: [
        c.credentials.env('MONGO_INITDB_ROOT_USERNAME', 'username'),
        c.credentials.env('MONGO_INITDB_ROOT_PASSWORD', 'password'),
        // mongosh keeps its logs under $HOME; the image's home is the data volume.
        { name: 'HOME', value: '/tmp' },
      ],
    }),
    exporter: {
      image: 'percona/mongodb_exporter:0.40.0',
      port: 9216,
      env: (c) => [
        { name: 'MONGODB_URI', value: `mongodb://127.0.0.1:${PORT}/admin` },
        c.credentials.env('MONGODB_USER', 'username'),
        c.credentials.env('MONGODB_PASSWORD', 'password'),
      ],
      args: ['--collect-all', '--compatible-mode'],
      alerts: (t) => ({
        databaseDown: { build: () => engineAlert(t, 'DatabaseDown', {
          expr: `mongodb_up{${t.pods}} == 0`, for: '5m', severity: 'page',
          summary: 'MongoDB {{ $labels.pod }} is down',
          description: 'mongodb_exporter on {{ $labels.pod }} cannot connect to MongoDB.',
          runbookUrl: 'https://github.com/percona/mongodb_exporter',
        }) },
        connectionsNearLimit: { threshold: 0.8, build: (r) => engineAlert(t, 'ConnectionsNearLimit', {
          expr: `sum without (conn_type) (mongodb_ss_connections{${t.pods}, conn_type="current"}) / sum without (conn_type) (mongodb_ss_connections{${t.pods}, conn_type=~"current|available"}) > ${r}`,
          for: '10m', severity: 'ticket',
          summary: 'MongoDB {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its connections',
          description: `More than ${r * 100}% of the incoming connections MongoDB allows are in use.`,
          runbookUrl: 'https://www.mongodb.com/docs/manual/reference/configuration-options/#mongodb-setting-net.maxIncomingConnections',
        }) },
      }),
    },
    backup: {
      extension: 'archive.gz',
      env: (c) => [c.credentials.env('MONGO_USERNAME', 'username'), c.credentials.env('MONGO_PASSWORD', 'password'), { name: 'HOME', value: '/tmp' }],
      // The password goes through a config file, not the command line.
      script: (c, file) =>
        [
          'umask 077',
          `printf "password: '%s'\\n" "$(printf '%s' "$MONGO_PASSWORD" | sed "s/'/''/g")" > /tmp/mongodump.yaml`,
          `mongodump --host=${c.host} --port=${PORT} --username="$MONGO_USERNAME" --authenticationDatabase=admin --config=/tmp/mongodump.yaml --gzip --archive=${file}`,
        ].join('\n'),
    },
    url: (c) => ['mongodb://', c.credentials.refs.username, ':', c.credentials.refs.password, `@${c.host}:${PORT}/?authSource=admin`],
  };
}
