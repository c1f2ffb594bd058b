import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Postgres, Stack, WebService, type EnvironmentProfile } from '../src/index.js';
import { dev, production, staging } from '../presets/environments.js';
import { findObject, findObjects, podSpecOf, synthObjects, type K8sObject } from '../src/testing.js';

function stack(env: EnvironmentProfile = production): Stack {
  return new Stack(new App(), 'shop', { env });
}

function container(obj: K8sObject, name: string): Record<string, any> {
  const spec = podSpecOf(obj)!;
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c: any) => c.name === name);
  if (!found) throw new Error(`no container ${name} in ${obj.kind}/${obj.metadata.name}`);
  return found;
}

const envValue = (c: Record<string, any>, name: string) => c.env.find((e: any) => e.name === name);

describe('Postgres', () => {
  it('runs the official image as UID 999 with PGDATA in a subdirectory of the volume', () => {
    const s = stack();
    new Postgres(s, 'db', { storage: '20Gi', storageClass: 'fast-ssd', credentials: { secret: 'db-secret' } });
    const objects = synthObjects(s);
    const sts = findObject(objects, 'StatefulSet', 'db');
    const pod = podSpecOf(sts)!;
    const pg = container(sts, 'postgres');

    expect(pg.image).toBe('postgres:16.4');
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, fsGroupChangePolicy: 'OnRootMismatch', runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pg.securityContext).toMatchObject({ runAsUser: 999, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(envValue(pg, 'PGDATA')).toEqual({ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' });
    expect(envValue(pg, 'POSTGRES_USER')).toEqual({ name: 'POSTGRES_USER', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'username' } } });
    expect(envValue(pg, 'POSTGRES_PASSWORD')).toEqual({ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'password' } } });
    expect(envValue(pg, 'POSTGRES_DB')).toEqual({ name: 'POSTGRES_DB', value: 'db' });
    expect(pg.args).toEqual(['postgres', '-c', 'hba_file=/etc/postgresql/keelson/pg_hba.conf']);
    expect(pg.ports).toEqual([{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }]);

    const mounts = Object.fromEntries(pg.volumeMounts.map((m: any) => [m.mountPath, m.name]));
    expect(mounts).toEqual({ '/tmp': 'tmp', '/var/run/postgresql': 'writable-1', '/var/lib/postgresql/data': 'data', '/etc/postgresql/keelson': 'config', '/dev/shm': 'shm' });
    expect(pod.volumes.find((v: any) => v.name === 'shm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '256Mi' });
    expect(sts.spec.volumeClaimTemplates).toEqual([
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'data' }), spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '20Gi' } } } }),
    ]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(pod.terminationGracePeriodSeconds).toBe(120);
  });

  it('probes with pg_isready over TCP; liveness tolerates a database that is recovering', () => {
    const s = stack();
    new Postgres(s, 'db', { credentials: { secret: 'db-secret' } });
    const pg = container(findObject(synthObjects(s), 'StatefulSet', 'db'), 'postgres');
    expect(pg.readinessProbe.exec.command).toEqual(['pg_isready', '--host=127.0.0.1', '--port=5432', '--timeout=3']);
    expect(pg.livenessProbe.exec.command).toEqual(['sh', '-c', 'pg_isready --host=127.0.0.1 --port=5432 --timeout=3; [ $? -le 1 ]']);
    expect(pg.livenessProbe.periodSeconds * pg.livenessProbe.failureThreshold).toBeGreaterThanOrEqual(120);
    expect(pg.startupProbe.periodSeconds * pg.startupProbe.failureThreshold).toBeGreaterThanOrEqual(600);
  });

  it('has a headless governing Service and a client Service on the named port', () => {
    const s = stack();
    new Postgres(s, 'db', { credentials: { secret: 'db-secret' } });
    const objects = synthObjects(s);
    const sts = findObject(objects, 'StatefulSet', 'db');
    const headless = findObject(objects, 'Service', 'db-headless');
    const client = findObject(objects, 'Service', 'db');
    expect(sts.spec.serviceName).toBe('db-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(client.spec.ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 'postgres', protocol: 'TCP' }]);
    expect(client.spec.selector).toEqual(sts.spec.selector.matchLabels);
    expect(sts.spec.template.metadata.labels).toMatchObject(sts.spec.selector.matchLabels);
    const hba = findObject(objects, 'ConfigMap', 'db-config').data['pg_hba.conf'];
    expect(hba).toContain('host replication all all scram-sha-256');
    expect(hba).not.toMatch(/host\s+\S+\s+\S+\s+\S+\s+trust/);
  });

  it('exports a URL that resolves the credentials in the consuming pod, never in the manifest', () => {
    const s = stack();
    const db = new Postgres(s, 'db', { credentials: { secret: 'db-secret', keys: { username: 'user', password: 'pass' } } });
    const api = new WebService(s, 'api', { image: 'shop/api:v1', port: 8080, env: { DB_HOST: db.host, DB_PORT: db.port } });
    api.env('DATABASE_URL', db.url);
    db.allowFrom(api);
    const objects = synthObjects(s);
    const c = findObject(objects, 'Deployment', 'api').spec.template.spec.containers[0];
    expect(c.env).toEqual([
      { name: 'DB_HOST', value: 'db.shop.svc.cluster.local' },
      { name: 'DB_PORT', value: '5432' },
      { name: 'DATABASE_URL_USER', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'user' } } },
      { name: 'DATABASE_URL_PASS', valueFrom: { secretKeyRef: { name: 'db-secret', key: 'pass' } } },
      { name: 'DATABASE_URL', value: 'postgresql://$(DATABASE_URL_USER):$(DATABASE_URL_PASS)@db.shop.svc.cluster.local:5432/db' },
    ]);
    expect(db.credentials.password).toEqual({ secret: 'db-secret', key: 'pass' });
    expect(findObjects(objects, 'Secret')).toEqual([]);
  });

  it('streams read replicas from the primary with pg_basebackup, primary_conninfo and standby.signal', () => {
    const s = stack();
    const db = new Postgres(s, 'db', { credentials: { secret: 'db-secret' }, replicas: { count: 2 } });
    const objects = synthObjects(s);
    const primary = findObject(objects, 'StatefulSet', 'db');
    const replica = findObject(objects, 'StatefulSet', 'db-replica');
    expect(replica.spec.replicas).toBe(2);
    expect(replica.spec.serviceName).toBe('db-replica-headless');
    expect(findObject(objects, 'Service', 'db-replica-headless').spec.clusterIP).toBe('None');
    expect(container(primary, 'postgres').args).toContain('wal_keep_size=1GB');

    const clone = container(replica, 'clone');
    expect(clone.image).toBe('postgres:16.4');
    const script: string = clone.command[2];
    expect(script).toContain('if [ ! -s "$PGDATA/PG_VERSION" ]');
    expect(script).toContain('pg_basebackup --pgdata="$PGDATA" --host=db.shop.svc.cluster.local --port=5432 --username="$POSTGRES_USER" --no-password --wal-method=stream');
    expect(script).toContain('touch "$PGDATA/standby.signal"');
    expect(script).toContain('> /var/run/postgresql/pgpass');
    expect(envValue(clone, 'PGPASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'db-secret', key: 'password' });
    expect(clone.volumeMounts).toEqual(expect.arrayContaining([{ name: 'data', mountPath: '/var/lib/postgresql/data' }, { name: 'writable-1', mountPath: '/var/run/postgresql' }]));

    const pg = container(replica, 'postgres');
    expect(pg.args).toContain(
      "primary_conninfo=host=db.shop.svc.cluster.local port=5432 user='$(POSTGRES_USER)' passfile=/var/run/postgresql/pgpass application_name=$(POD_NAME)",
    );
    expect(envValue(pg, 'POSTGRES_PASSWORD')).toBeUndefined();

    const read = findObject(objects, 'Service', 'db-read');
    expect(read.spec.selector).toEqual({ 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/instance': 'db', 'app.kubernetes.io/component': 'replica' });
    expect(findObject(objects, 'Service', 'db').spec.selector['app.kubernetes.io/component']).toBe('primary');
    expect(db.readUrl.describe()).toBe('postgresql://<secret:db-secret/username>:<secret:db-secret/password>@db-read.shop.svc.cluster.local:5432/db');
  });

  it('spreads more than one pod over nodes and budgets one disruption for the whole database', () => {
    const s = stack(production);
    new Postgres(s, 'db', { credentials: { secret: 'db-secret' }, replicas: { count: 2 } });
    const objects = synthObjects(s);
    const replica = podSpecOf(findObject(objects, 'StatefulSet', 'db-replica'))!;
    const primary = podSpecOf(findObject(objects, 'StatefulSet', 'db'))!;
    const anti = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/instance': 'db' } } } }] } };
    expect(primary.affinity).toEqual(anti);
    expect(replica.affinity).toEqual(anti);
    expect(replica.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(primary.topologySpreadConstraints).toBeUndefined();
    const pdb = findObject(objects, 'PodDisruptionBudget', 'db');
    // A drain may evict members that are not ready (kube-linter's pdb-unhealthy-pod-eviction-policy).
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/instance': 'db' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  it('lets the environment decide sizes, replica counts and disruption budgets', () => {
    const inDev = stack(dev);
    new Postgres(inDev, 'db', { credentials: { secret: 'db-secret' }, size: 'medium', replicas: {} });
    const devObjects = synthObjects(inDev);
    expect(findObjects(devObjects, 'PodDisruptionBudget')).toEqual([]);
    expect(findObject(devObjects, 'StatefulSet', 'db-replica').spec.replicas).toBe(1);
    expect(container(findObject(devObjects, 'StatefulSet', 'db'), 'postgres').resources.requests.memory).toBe('512Mi');
    expect(podSpecOf(findObject(devObjects, 'StatefulSet', 'db'))!.affinity).toBeDefined();

    const inProd = stack(production);
    new Postgres(inProd, 'db', { credentials: { secret: 'db-secret' }, size: 'medium', replicas: {} });
    const prodObjects = synthObjects(inProd);
    expect(findObject(prodObjects, 'StatefulSet', 'db-replica').spec.replicas).toBe(2);
    expect(container(findObject(prodObjects, 'StatefulSet', 'db'), 'postgres').resources.requests.memory).toBe('1024Mi');

    const inStaging = stack(staging);
    new Postgres(inStaging, 'db', { credentials: { secret: 'db-secret' } });
    expect(findObject(synthObjects(inStaging), 'PodDisruptionBudget', 'db').spec.maxUnavailable).toBe(1);
  });

  it('adds a postgres_exporter sidecar on a port named metrics', () => {
    const s = stack();
    new Postgres(s, 'db', { credentials: { secret: 'db-secret' }, metrics: true });
    const objects = synthObjects(s);
    const metrics = container(findObject(objects, 'StatefulSet', 'db'), 'metrics');
    expect(metrics.image).toBe('quay.io/prometheuscommunity/postgres-exporter:v0.15.0');
    expect(metrics.ports).toEqual([{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }]);
    expect(envValue(metrics, 'DATA_SOURCE_URI').value).toBe('127.0.0.1:5432/db?sslmode=disable');
    expect(envValue(metrics, 'DATA_SOURCE_PASS').valueFrom.secretKeyRef).toEqual({ name: 'db-secret', key: 'password' });
    expect(findObject(objects, 'Service', 'db-headless').spec.ports).toContainEqual({ name: 'metrics', port: 9187, targetPort: 'metrics', protocol: 'TCP' });
    expect(findObject(objects, 'Service', 'db').spec.ports.map((p: any) => p.name)).toEqual(['postgres']);
  });

  it('dumps nightly with pg_dump to a PVC, keeps `retain` dumps, never overlaps', () => {
    const s = stack();
    new Postgres(s, 'db', { credentials: { secret: 'db-secret' }, storage: '20Gi', backup: { retain: 14, deadline: '1h' } });
    const objects = synthObjects(s);
    const cron = findObject(objects, 'CronJob', 'db-backup');
    expect(cron.spec).toMatchObject({ schedule: '0 3 * * *', concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(3600);
    const pod = podSpecOf(cron)!;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, fsGroup: 999 });
    const backup = pod.containers[0];
    expect(backup.image).toBe('postgres:16.4');
    const script: string = backup.command[2];
    expect(script).toContain('pg_dump --host=db.shop.svc.cluster.local --port=5432 --dbname=db --no-password --format=custom --file="$file.partial"');
    expect(script).toContain('tail -n +15');
    expect(envValue(backup, 'PGPASSWORD').valueFrom.secretKeyRef).toEqual({ name: 'db-secret', key: 'password' });
    expect(pod.volumes).toContainEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'db-backup' } });
    expect(findObject(objects, 'PersistentVolumeClaim', 'db-backup').spec.resources.requests.storage).toBe('20Gi');
  });
});
