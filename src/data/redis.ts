import type { Construct } from 'constructs';
import { Database, type DatabaseProps, engineAlert, type Engine } from './database.js';

/** The credential Redis reads from the Secret: the password of the default user. */
export type RedisCredential = 'password';

/** Props of a {@link Redis}. */
export type RedisProps = DatabaseProps<RedisCredential>;

const PORT = 6379;
const DATA = '/data';
const CONFIG = '/etc/redis/keelson';

/** Append-only persistence on the data volume, fsync every second. */
const REDIS_CONF = [`port ${PORT}`, `dir ${DATA}`, 'appendonly yes', 'appendfsync everysec', ''].join('\n');

/**
 * Redis on the official `redis` image (UID 999): one server with a password
 * (`requirepass`) and append-only persistence on its volume, probed with
 * `redis-cli ping`, with an optional redis_exporter sidecar and scheduled RDB
 * snapshots copied off the server with `redis-cli --rdb` (the server forks a
 * BGSAVE-style snapshot and streams it). For replication with failover use
 * Redis Sentinel or an operator.
 */
export class Redis extends Database<RedisCredential> {
  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id, props, redisEngine());
  }
}

function redisEngine(): Engine<RedisCredential> {
  // redis-cli reads the password from REDISCLI_AUTH, so it stays off the command line.
  const ping = (accept: string) => ['sh', '-c', `redis-cli -h 127.0.0.1 -p ${PORT} ping | grep -Eq '${accept}'`];
  return {
    title: 'Redis',
    id: 'redis',
    image: 'redis',
    defaultVersion: '7.4',
    version: { pattern: /^\d+\.\d+(\.\d+)?$/, rule: 'MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. "7.4" or "7.4.1"', minMajor: 6 },
    port: PORT,
    uid: 999,
    dataPath: DATA,
    writablePaths: ['/tmp'],
    credentialKeys: { password: 'password' },
    terminationGraceSeconds: 60,
    // Ready only on PONG; alive also while it loads the dataset (LOADING), which can take minutes.
    probes: { ready: ping('PONG'), live: ping('PONG|LOADING'), timeoutSeconds: 5 },
    config: { mountPath: CONFIG, files: { 'redis.conf': REDIS_CONF } },
    container: (c) => ({
      env: [c.credentials.env('REDIS_PASSWORD', 'password'), c.credentials.env('REDISCLI_AUTH', 'password')],
      args: ['redis-server', `${CONFIG}/redis.conf`, '--requirepass', '$(REDIS_PASSWORD)'],
    }),
    exporter: {
      image: 'oliver006/redis_exporter:v1.62.0',
      port: 9121,
      env: (c) => [{ name: 'REDIS_ADDR', value: `redis://127.0.0.1:${PORT}` }, c.credentials.env('REDIS_PASSWORD', 'password')],
      alerts: (t) => ({
        databaseDown: { build: () => engineAlert(t, 'DatabaseDown', {
          expr: `redis_up{${t.pods}} == 0`, for: '5m', severity: 'page',
          summary: 'Redis {{ $labels.pod }} is down',
          description: 'redis_exporter on {{ $labels.pod }} cannot connect to Redis.',
          runbookUrl: 'https://github.com/oliver006/redis_exporter',
        }) },
        connectionsNearLimit: { threshold: 0.8, build: (r) => engineAlert(t, 'ConnectionsNearLimit', {
          expr: `redis_connected_clients{${t.pods}} / redis_config_maxclients{${t.pods}} > ${r}`, for: '10m', severity: 'ticket',
          summary: 'Redis {{ $labels.pod }} uses {{ $value | humanizePercentage }} of maxclients',
          description: `More than ${r * 100}% of maxclients are connected; new clients will soon be refused.`,
          runbookUrl: 'https://redis.io/docs/latest/develop/reference/clients/',
        }) },
        memoryNearLimit: { threshold: 0.9, build: (r) => engineAlert(t, 'MemoryNearLimit', {
          expr: `(redis_memory_used_bytes{${t.pods}} / redis_memory_max_bytes{${t.pods}} > ${r}) and (redis_memory_max_bytes{${t.pods}} > 0)`, for: '10m', severity: 'ticket',
          summary: 'Redis {{ $labels.pod }} uses {{ $value | humanizePercentage }} of maxmemory',
          description: `Redis uses more than ${r * 100}% of maxmemory; it will evict keys or refuse writes, as maxmemory-policy says.`,
          runbookUrl: 'https://redis.io/docs/latest/develop/reference/eviction/',
        }) },
      }),
    },
    backup: {
      extension: 'rdb',
      env: (c) => [c.credentials.env('REDISCLI_AUTH', 'password')],
      script: (c, file) => `redis-cli -h ${c.host} -p ${PORT} --rdb ${file}`,
    },
    url: (c) => ['redis://:', c.credentials.refs.password, `@${c.host}:${PORT}`],
  };
}
