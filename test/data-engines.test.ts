import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { generatedModel } from '../src/imports/crd-models.js';
import { MongoDb, MySql, Redis, Stack, WebService } from '../src/index.js';
import { production } from '../presets/environments.js';
import { findObject, findObjects, podSpecOf, synthObjects, type K8sObject } from '../src/testing.js';

function stack(): Stack {
  return new Stack(new App(), 'shop', { env: production });
}

function main(sts: K8sObject, name: string): Record<string, any> {
  return podSpecOf(sts)!.containers.find((c: any) => c.name === name);
}

const mounts = (c: Record<string, any>) => Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
const secretRef = (c: Record<string, any>, name: string) => c.env.find((e: any) => e.name === name)?.valueFrom?.secretKeyRef;

describe('MySql', () => {
  it('runs mysqld as UID 999 with its datadir in a subdirectory and probes with mysqladmin ping', () => {
    const s = stack();
    new MySql(s, 'orders-db', { credentials: { secret: 'mysql' }, metrics: true, backup: {} });
    const objects = synthObjects(s);
    const sts = findObject(objects, 'StatefulSet', 'orders-db');
    const pod = podSpecOf(sts)!;
    const c = main(sts, 'mysql');
    expect(c.image).toBe('mysql:8.4');
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.args).toEqual(['mysqld', '--datadir=/var/lib/mysql/data']);
    expect(c.ports).toEqual([{ name: 'mysql', containerPort: 3306, protocol: 'TCP' }]);
    expect(mounts(c)).toEqual({ '/tmp': 'tmp', '/var/run/mysqld': 'writable-1', '/var/lib/mysql-files': 'writable-2', '/var/lib/mysql': 'data' });
    expect(c.readinessProbe.exec.command).toEqual(['mysqladmin', 'ping', '--host=127.0.0.1', '--port=3306', '--connect-timeout=3']);
    expect(c.livenessProbe.exec.command).toEqual(c.readinessProbe.exec.command);
    expect(secretRef(c, 'MYSQL_ROOT_PASSWORD')).toEqual({ name: 'mysql', key: 'root-password' });
    expect(secretRef(c, 'MYSQL_USER')).toEqual({ name: 'mysql', key: 'username' });
    expect(secretRef(c, 'MYSQL_PASSWORD')).toEqual({ name: 'mysql', key: 'password' });
    expect(c.env).toContainEqual({ name: 'MYSQL_DATABASE', value: 'orders_db' });

    const exporter = main(sts, 'metrics');
    expect(exporter.image).toBe('prom/mysqld-exporter:v0.15.1');
    expect(exporter.args).toEqual(['--mysqld.address=127.0.0.1:3306', '--mysqld.username=root']);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9104, protocol: 'TCP' }]);
    expect(exporter.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534, runAsNonRoot: true, readOnlyRootFilesystem: true });

    const script: string = podSpecOf(findObject(objects, 'CronJob', 'orders-db-backup'))!.containers[0].command[2];
    expect(script).toContain('mysqldump --defaults-extra-file=/tmp/backup.cnf --host=orders-db.shop.svc.cluster.local --port=3306 --user=root --single-transaction');
    expect(script).not.toContain('--password');
  });
});

describe('Redis', () => {
  it('runs redis-server as UID 999 with a password from the Secret and append-only persistence', () => {
    const s = stack();
    const cache = new Redis(s, 'cache', { credentials: { secret: 'redis', keys: { password: 'redis-password' } }, metrics: true, backup: { schedule: '@hourly' } });
    new WebService(s, 'api', { image: 'shop/api:v1', port: 8080, env: { REDIS_URL: cache.url } });
    cache.allowFrom(s.node.findChild('api') as WebService);
    const objects = synthObjects(s);
    const sts = findObject(objects, 'StatefulSet', 'cache');
    const pod = podSpecOf(sts)!;
    const c = main(sts, 'redis');
    expect(c.image).toBe('redis:7.4');
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
    expect(c.args).toEqual(['redis-server', '/etc/redis/keelson/redis.conf', '--requirepass', '$(REDIS_PASSWORD)']);
    expect(secretRef(c, 'REDIS_PASSWORD')).toEqual({ name: 'redis', key: 'redis-password' });
    expect(secretRef(c, 'REDISCLI_AUTH')).toEqual({ name: 'redis', key: 'redis-password' });
    expect(findObject(objects, 'ConfigMap', 'cache-config').data['redis.conf']).toBe('port 6379\ndir /data\nappendonly yes\nappendfsync everysec\n');
    expect(sts.spec.template.metadata.annotations['keelson.dev/config-checksum']).toMatch(/^[0-9a-f]{16}$/);
    expect(c.ports).toEqual([{ name: 'redis', containerPort: 6379, protocol: 'TCP' }]);
    expect(mounts(c)).toEqual({ '/tmp': 'tmp', '/data': 'data', '/etc/redis/keelson': 'config' });
    expect(c.readinessProbe.exec.command).toEqual(['sh', '-c', "redis-cli -h 127.0.0.1 -p 6379 ping | grep -Eq 'PONG'"]);
    expect(c.livenessProbe.exec.command).toEqual(['sh', '-c', "redis-cli -h 127.0.0.1 -p 6379 ping | grep -Eq 'PONG|LOADING'"]);
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(main(sts, 'metrics').image).toBe('oliver006/redis_exporter:v1.62.0');

    const cron = findObject(objects, 'CronJob', 'cache-backup');
    expect(cron.spec.schedule).toBe('@hourly');
    expect(podSpecOf(cron)!.containers[0].command[2]).toContain('redis-cli -h cache.shop.svc.cluster.local -p 6379 --rdb "$file.partial"');

    const api = findObject(objects, 'Deployment', 'api').spec.template.spec.containers[0];
    expect(api.env).toEqual([
      { name: 'REDIS_URL_REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis', key: 'redis-password' } } },
      { name: 'REDIS_URL', value: 'redis://:$(REDIS_URL_REDIS_PASSWORD)@cache.shop.svc.cluster.local:6379' },
    ]);
  });
});

describe('MongoDb', () => {
  it('runs mongod as UID 999 with root credentials from the Secret and probes with mongosh', () => {
    const s = stack();
    new MongoDb(s, 'catalog', { version: '7.0.14', credentials: { secret: 'mongo' }, metrics: true, backup: {} });
    const objects = synthObjects(s);
    const sts = findObject(objects, 'StatefulSet', 'catalog');
    const pod = podSpecOf(sts)!;
    const c = main(sts, 'mongodb');
    expect(c.image).toBe('mongo:7.0.14');
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.args).toBeUndefined();
    expect(secretRef(c, 'MONGO_INITDB_ROOT_USERNAME')).toEqual({ name: 'mongo', key: 'username' });
    expect(secretRef(c, 'MONGO_INITDB_ROOT_PASSWORD')).toEqual({ name: 'mongo', key: 'password' });
    expect(c.ports).toEqual([{ name: 'mongodb', containerPort: 27017, protocol: 'TCP' }]);
    expect(mounts(c)).toEqual({ '/tmp': 'tmp', '/data/configdb': 'writable-1', '/data/db': 'data' });
    expect(c.readinessProbe.exec.command).toEqual(['mongosh', '--quiet', '--norc', '--host=127.0.0.1', '--port=27017', '--eval', "db.adminCommand('ping').ok"]);
    expect(c.readinessProbe.timeoutSeconds).toBe(10);
    expect(main(sts, 'metrics').image).toBe('percona/mongodb_exporter:0.40.0');
    const script: string = podSpecOf(findObject(objects, 'CronJob', 'catalog-backup'))!.containers[0].command[2];
    expect(script).toContain('mongodump --host=catalog.shop.svc.cluster.local --port=27017 --username="$MONGO_USERNAME" --authenticationDatabase=admin --config=/tmp/mongodump.yaml --gzip --archive="$file.partial"');
  });
});

describe('credentials from an external store', () => {
  it('emits a valid external-secrets.io/v1 ExternalSecret and references the Secret it writes', () => {
    const s = stack();
    const db = new MySql(s, 'db', { credentials: { externalSecret: { store: 'vault', remoteKey: 'prod/db', properties: { rootPassword: 'root' }, refreshInterval: '15m' } } });
    const objects = synthObjects(s);
    const es = findObject(objects, 'ExternalSecret', 'db-credentials');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    const ExternalSecretModel = generatedModel('external-secrets.io/v1', 'ExternalSecret')!;
    expect(() => new ExternalSecretModel(es).validate()).not.toThrow();
    expect(es.spec).toEqual({
      secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
      refreshInterval: '15m',
      target: { name: 'db-credentials', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [
        { secretKey: 'root-password', remoteRef: { key: 'prod/db', property: 'root' } },
        { secretKey: 'username', remoteRef: { key: 'prod/db', property: 'username' } },
        { secretKey: 'password', remoteRef: { key: 'prod/db', property: 'password' } },
      ],
    });
    expect(secretRef(main(findObject(objects, 'StatefulSet', 'db'), 'mysql'), 'MYSQL_ROOT_PASSWORD')).toEqual({ name: 'db-credentials', key: 'root-password' });
    expect(db.credentialsSecretName).toBe('db-credentials');
    expect(findObjects(objects, 'Secret')).toEqual([]);
  });
});

describe('allowFrom', () => {
  it('admits only the named clients on the database port, and Prometheus on the exporter port', () => {
    const s = stack();
    const cache = new Redis(s, 'cache', { credentials: { secret: 'redis' }, metrics: true });
    const api = new WebService(s, 'api', { image: 'shop/api:v1', port: 8080, env: { REDIS_URL: cache.url } });
    new WebService(s, 'worker', { image: 'shop/worker:v1', port: 8080 });
    cache.allowFrom(api);
    const policy = findObject(synthObjects(s), 'NetworkPolicy', 'cache');
    expect(policy.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 'metrics', protocol: 'TCP' }] },
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' } } }], ports: [{ port: 'redis', protocol: 'TCP' }] },
    ]);
  });
});

describe('disruption budgets of every engine', () => {
  it.each([['MySql', MySql], ['Redis', Redis], ['MongoDb', MongoDb]] as const)('%s lets a drain evict members that are not ready', (_name, Engine) => {
    const stack = new Stack(new App(), 'shop', { env: production });
    new Engine(stack, 'db', { credentials: { secret: 'db-secret' } } as never);
    expect(findObject(synthObjects(stack), 'PodDisruptionBudget', 'db').spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });
});
