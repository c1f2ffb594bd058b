import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { describe, expect, it } from 'vitest';
import {
  AppSecret,
  ArgoCdApps,
  BlueGreenService,
  ChecksFailedError,
  Job,
  KeelsonError,
  KeelsonErrors,
  KubeObject,
  Postgres,
  RolloutService,
  Stack,
  synth,
  syncHook,
  Team,
  TeamNamespace,
  waive,
  WebService,
  writeKustomizations,
  type BlueGreenServiceProps,
} from '../src/index.js';
import { findObject, findObjects, synthFiles, synthObjects, type K8sObject } from '../src/testing.js';
import { production, staging } from '../presets/index.js';

const image = 'acme/app:v1.2.3';
const repo = 'https://git.example.com/acme/deploy.git';

/** An app with a platform stack (two teams) and, per environment, a shop stack in the team's namespace. */
function platformApp(options: { layout?: 'applications' | 'application-set' } = {}) {
  const app = new App();
  const shops: Record<string, Stack> = {};
  for (const env of [staging, production]) {
    const shop = new Stack(app, `shop-${env.name}`, { env });
    const db = new Postgres(shop, 'db', { version: '16.4', storage: '10Gi', credentials: { secret: 'db-secret' } });
    const api = new WebService(shop, 'api', { image, port: 8080, env: { DATABASE_URL: db.url } });
    const web = new WebService(shop, 'web', { image, port: 3000, env: { API_URL: api.url } });
    api.allowFrom(web);
    db.allowFrom(api);
    const migrate = new Job(shop, 'migrate', { image, command: ['migrate'], env: { DATABASE_URL: db.url } });
    db.allowFrom(migrate);
    syncHook(migrate, 'PreSync');
    shops[env.name] = shop;
  }
  const platform = new Stack(app, 'platform', { env: production, namespace: 'argocd', createNamespace: false });
  const team = new Team(platform, 'shop', {
    groups: { edit: ['shop-devs'] },
    namespaces: { 'shop-staging': { quota: 'small' }, 'shop-production': { quota: 'large', groups: { view: ['shop-devs'] } } },
  });
  new Team(platform, 'search', { groups: { admin: ['search-leads'] } });
  const apps = new ArgoCdApps(platform, 'argocd', { repo, revision: 'main', ...(options.layout ? { layout: options.layout } : {}) });
  return { app, shops, platform, team, apps };
}

const inStack = (objects: readonly K8sObject[], ns: string) => objects.filter((o) => o.metadata.namespace === ns);
const wave = (o: K8sObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);

/** Every error of `fn`, as KeelsonErrors or one KeelsonError. */
function errorsOf(fn: () => unknown): KeelsonError[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof KeelsonErrors) return [...e.errors];
    if (e instanceof KeelsonError) return [e];
    throw e;
  }
  throw new Error('expected an error');
}

describe('TeamNamespace', () => {
  const { app } = platformApp();
  const objects = synthObjects(app);
  const staged = inStack(objects, 'shop-staging');

  it('makes the Namespace with Pod Security labels, in the platform stack only', () => {
    const namespaces = findObjects(objects, 'Namespace').filter((n) => n.metadata.name === 'shop-staging');
    expect(namespaces).toHaveLength(1);
    expect(namespaces[0]!.metadata.labels).toMatchObject({
      'app.kubernetes.io/part-of': 'shop',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
    const files = [...synthFiles(app).keys()];
    expect(files).toContain('platform/00-namespace.yaml');
    expect(files).not.toContain('shop-staging/00-namespace.yaml');
  });

  it('sizes the ResourceQuota and LimitRange from the preset', () => {
    const quota = findObject(staged, 'ResourceQuota');
    expect(quota.spec.hard).toMatchObject({ 'requests.cpu': '8', 'requests.memory': '16Gi', pods: 50, 'services.loadbalancers': 1, 'services.nodeports': 4 });
    expect(findObject(inStack(objects, 'shop-production'), 'ResourceQuota').spec.hard['requests.cpu']).toBe('32');
    const limits = findObject(staged, 'LimitRange').spec.limits[0];
    expect(limits.type).toBe('Container');
    expect(limits.defaultRequest).toEqual({ cpu: '100m', memory: '128Mi' });
    expect(limits.max).toEqual({ cpu: '4', memory: '8Gi' });
  });

  it('binds the groups to least-privilege roles: no wildcard, no Secrets below admin, per namespace', () => {
    const edit = findObject(staged, 'Role', 'shop-edit');
    const binding = findObject(staged, 'RoleBinding', 'shop-edit');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'shop-edit' });
    expect(binding.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'shop-devs' }]);
    const rules: any[] = edit.rules;
    expect(rules.flatMap((r) => [...r.verbs, ...r.resources, ...r.apiGroups])).not.toContain('*');
    expect(rules.some((r) => r.resources.includes('secrets'))).toBe(false);
    expect(rules.some((r) => r.resources.includes('deployments') && r.verbs.includes('patch'))).toBe(true);
    // Production: the developers only view.
    const prod = inStack(objects, 'shop-production');
    expect(findObjects(prod, 'Role').map((r) => r.metadata.name)).toEqual(['shop-deployer', 'shop-view']);
    const view = findObject(prod, 'Role', 'shop-view');
    expect(view.rules.every((r: any) => r.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v)))).toBe(true);
    const admin = findObject(inStack(objects, 'search'), 'Role', 'search-admin');
    expect(admin.rules.some((r: any) => r.resources.includes('secrets'))).toBe(true);
    expect(admin.rules.some((r: any) => r.resources.includes('pods/exec'))).toBe(false);
  });

  it('gives CI a deployer ServiceAccount that can apply only in its namespace', () => {
    const sa = findObject(staged, 'ServiceAccount', 'shop-deployer');
    expect(sa.automountServiceAccountToken).toBe(false);
    const binding = findObject(staged, 'RoleBinding', 'shop-deployer');
    expect(binding.roleRef.kind).toBe('Role');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'shop-deployer', namespace: 'shop-staging' }]);
    const role = findObject(staged, 'Role', 'shop-deployer');
    const resources = role.rules.flatMap((r: any) => r.resources);
    expect(resources).toEqual(expect.arrayContaining(['deployments', 'services', 'networkpolicies', 'externalsecrets']));
    expect(resources).not.toEqual(expect.arrayContaining(['secrets']));
    expect(resources.some((r: string) => ['roles', 'rolebindings', 'resourcequotas', 'namespaces'].includes(r))).toBe(false);
    expect(findObjects(objects, 'ClusterRoleBinding')).toEqual([]);
  });

  it('denies all traffic by default', () => {
    expect(findObject(staged, 'NetworkPolicy', 'namespace-default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('a baseline namespace and no deployer when asked', () => {
    const stack = new Stack(new App(), 'platform', { env: production, createNamespace: false });
    new TeamNamespace(stack, 'legacy', { team: 'legacy', podSecurity: 'baseline', deployer: false });
    const objects = synthObjects(stack);
    expect(findObject(objects, 'Namespace', 'legacy').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(findObjects(objects, 'ServiceAccount')).toEqual([]);
  });
});

describe('stacks sharing a namespace', () => {
  it('emit its Namespace once, from the first stack', () => {
    const app = new App();
    const a = new Stack(app, 'shop-a', { env: staging, namespace: 'shop' });
    const b = new Stack(app, 'shop-b', { env: staging, namespace: 'shop' });
    new WebService(a, 'api', { image, port: 8080 });
    new WebService(b, 'web', { image, port: 3000 });
    const files = synthFiles(app);
    expect(files.has('shop-a/00-namespace.yaml')).toBe(true);
    expect(files.has('shop-b/00-namespace.yaml')).toBe(false);
    expect(findObjects(synthObjects(app), 'Namespace').map((n) => n.metadata.name)).toEqual(['shop']);
  });
});

describe('ArgoCdApps', () => {
  const { app } = platformApp();
  const objects = synthObjects(app);
  const argo = inStack(objects, 'argocd');

  it('makes an Application per stack folder, in the team project, with the sync policy of its environment', () => {
    expect(findObjects(argo, 'Application').map((a) => a.metadata.name)).toEqual(['platform', 'shop-production', 'shop-staging']);
    const stagingApp = findObject(argo, 'Application', 'shop-staging');
    expect(stagingApp.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(stagingApp.spec).toEqual({
      project: 'shop',
      source: { repoURL: repo, targetRevision: 'main', path: 'dist/shop-staging' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'shop-staging' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['PruneLast=true'] },
    });
    expect(findObject(argo, 'Application', 'shop-production').spec.syncPolicy).toEqual({ syncOptions: ['PruneLast=true'] });
    const root = findObject(argo, 'Application', 'platform');
    expect(root.spec.project).toBe('default');
    expect(root.spec.source.path).toBe('dist/platform');
  });

  it('makes an AppProject per team restricted to its namespaces and away from platform kinds', () => {
    const project = findObject(argo, 'AppProject', 'shop');
    expect(project.spec.sourceRepos).toEqual([repo]);
    expect(project.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'shop-staging' },
      { server: 'https://kubernetes.default.svc', namespace: 'shop-production' },
    ]);
    expect(project.spec).not.toHaveProperty('clusterResourceWhitelist');
    expect(project.spec.namespaceResourceBlacklist.map((k: any) => k.kind)).toEqual(['ResourceQuota', 'LimitRange', 'Role', 'RoleBinding']);
    expect(findObject(argo, 'AppProject', 'search').spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'search' }]);
  });

  it('or ApplicationSets with a git directory generator per project and sync mode', () => {
    const objects = synthObjects(platformApp({ layout: 'application-set' }).app);
    const sets = findObjects(objects, 'ApplicationSet');
    expect(sets.map((s) => s.metadata.name)).toEqual(['shop-automated', 'shop-manual']);
    const automated = sets[0]!;
    expect(automated.spec.generators).toEqual([{ git: { repoURL: repo, revision: 'main', directories: [{ path: 'dist/shop-staging' }], values: { namespace: 'shop-staging' } } }]);
    expect(automated.spec.template.spec.destination.namespace).toBe('{{.values.namespace}}');
    expect(findObjects(objects, 'Application').map((a) => a.metadata.name)).toEqual(['platform']);
  });

  it('derives sync waves from the dependency graph: setup, then secrets and config, then each workload after what it needs', () => {
    const shop = inStack(objects, 'shop-staging');
    const db = findObject(shop, 'StatefulSet', 'db');
    const api = findObject(shop, 'Deployment', 'api');
    const web = findObject(shop, 'Deployment', 'web');
    expect(wave(db)).toBeLessThan(wave(api));
    expect(wave(api)).toBeLessThan(wave(web));
    expect([wave(db), wave(api), wave(web)]).toEqual([0, 1, 2]);
    expect(wave(findObject(shop, 'Service', 'api'))).toBe(1);
    expect(wave(findObject(shop, 'ServiceAccount', 'api'))).toBe(-2);
    for (const cm of findObjects(shop, 'ConfigMap')) expect(wave(cm)).toBe(-1);
    expect(wave(findObject(objects, 'Namespace', 'shop-staging'))).toBe(-2);
    expect(wave(findObject(argo, 'AppProject', 'shop'))).toBe(-2);
  });

  it('runs the migration Job as a PreSync hook, outside the waves', () => {
    const job = findObject(inStack(objects, 'shop-staging'), 'Job', 'migrate');
    expect(job.metadata.annotations).toEqual({ 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
  });

  it('adds no waves to stacks no ArgoCdApps syncs', () => {
    const stack = new Stack(new App(), 'solo', { env: staging });
    new WebService(stack, 'api', { image, port: 8080 });
    expect(synthObjects(stack).some((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] !== undefined)).toBe(false);
  });
});

describe('BlueGreenService', () => {
  const props = (active: 'blue' | 'green'): BlueGreenServiceProps => ({ image, port: 3000, replicas: 2, rollout: { strategy: 'blue-green', active, images: { green: 'acme/app:v1.3.0' } } });
  const files = (active: 'blue' | 'green', preview = true) => {
    const stack = new Stack(new App(), 'shop', { env: production });
    const p = props(active);
    new BlueGreenService(stack, 'frontend', { ...p, rollout: { ...p.rollout, preview } });
    return synthFiles(stack);
  };
  /** Lines that differ between two syntheses, as `file: before -> after`. */
  const changedLines = (before: Map<string, string>, after: Map<string, string>) => {
    expect([...after.keys()]).toEqual([...before.keys()]);
    const changed: string[] = [];
    for (const [name, text] of before) {
      const a = text.split('\n');
      const b = after.get(name)!.split('\n');
      expect(b.length).toBe(a.length);
      a.forEach((line, i) => {
        if (line !== b[i]) changed.push(`${name}: ${line.trim()} -> ${b[i]!.trim()}`);
      });
    }
    return changed;
  };

  it('runs two Deployments with a slot label, the Service on the active colour and a preview on the idle one', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    const web = new BlueGreenService(stack, 'frontend', props('blue'));
    const objects = synthObjects(stack);
    const blue = findObject(objects, 'Deployment', 'frontend-blue');
    const green = findObject(objects, 'Deployment', 'frontend-green');
    expect(blue.spec.replicas).toBe(2);
    expect(green.spec.selector.matchLabels['keelson.dev/slot']).toBe('green');
    expect(blue.spec.template.metadata.labels['keelson.dev/slot']).toBe('blue');
    expect(blue.spec.template.spec.containers[0].image).toBe(image);
    expect(green.spec.template.spec.containers[0].image).toBe('acme/app:v1.3.0');
    expect(green.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('v1.3.0');
    expect(findObject(objects, 'Service', 'frontend').spec.selector['keelson.dev/slot']).toBe('blue');
    expect(findObject(objects, 'Service', 'frontend-preview').spec.selector['keelson.dev/slot']).toBe('green');
    expect(findObjects(objects, 'Deployment')).toHaveLength(2);
    expect(web.deployment).toBe(web.slots.blue);
  });

  it('switching the active colour changes exactly the two Services\' selectors', () => {
    expect(changedLines(files('blue'), files('green'))).toEqual(['shop/frontend.yaml: keelson.dev/slot: blue -> keelson.dev/slot: green', 'shop/frontend.yaml: keelson.dev/slot: green -> keelson.dev/slot: blue']);
  });

  it('without the preview Service, switching is a one-line diff: the Service selector', () => {
    const before = files('blue', false);
    expect([...before.values()].join('\n')).not.toContain('frontend-preview');
    expect(changedLines(before, files('green', false))).toEqual(['shop/frontend.yaml: keelson.dev/slot: blue -> keelson.dev/slot: green']);
  });

  it('late env edits reach both colours', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    new BlueGreenService(stack, 'frontend', props('blue')).env('FEATURE', 'on');
    for (const d of findObjects(synthObjects(stack), 'Deployment')) expect(d.spec.template.spec.containers[0].env).toContainEqual({ name: 'FEATURE', value: 'on' });
  });
});

describe('RolloutService', () => {
  it('replaces the Deployment with an Argo Rollout canary in steps, scaled by the autoscaler', async () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    const api = new RolloutService(stack, 'api', { image, port: 8080, autoscale: { min: 2, max: 6 }, rollout: { strategy: 'canary', steps: [{ weight: 10, pause: '5m' }, { weight: 50, pause: 'manual' }, { weight: 100 }] } });
    const objects = synthObjects(stack);
    expect(findObjects(objects, 'Deployment')).toEqual([]);
    const rollout = findObject(objects, 'Rollout', 'api');
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.spec.strategy).toEqual({ canary: { steps: [{ setWeight: 10 }, { pause: { duration: '300s' } }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }] } });
    expect(rollout.spec.selector.matchLabels).toEqual(api.selector);
    expect(rollout.spec.template.spec.containers[0].image).toBe(image);
    expect(findObject(objects, 'HorizontalPodAutoscaler', 'api').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'api' });
    const { Rollout } = await import('@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout');
    expect(() => new Rollout(rollout as any).validate()).not.toThrow();
  });

  it('or blue-green with a preview Service, promoted by hand', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    new RolloutService(stack, 'web', { image, port: 3000, rollout: { strategy: 'blue-green' } });
    const objects = synthObjects(stack);
    expect(findObject(objects, 'Rollout', 'web').spec.strategy).toEqual({ blueGreen: { autoPromotionEnabled: false, activeService: 'web', previewService: 'web-preview' } });
    expect(findObject(objects, 'Service', 'web-preview').spec.selector).toEqual(findObject(objects, 'Service', 'web').spec.selector);
  });
});

describe('config rollouts', () => {
  const build = (value: string) => {
    const stack = new Stack(new App(), 'shop', { env: production });
    KubeObject.create(stack, 'settings', k8s.KubeConfigMap, { metadata: { name: 'settings' }, data: { MODE: value } });
    new WebService(stack, 'api', { image, port: 8080, env: { MODE: { configMap: 'settings', key: 'MODE' }, OTHER: { configMap: 'made-elsewhere', key: 'X' } } });
    new WebService(stack, 'web', { image, port: 3000 });
    return stack;
  };
  const checksum = (objects: K8sObject[], name: string) => findObject(objects, 'Deployment', name).spec.template.metadata.annotations?.['keelson.dev/config-checksum'];

  it('annotates pods that read a ConfigMap made in the stack; a changed value changes the checksum and nothing else', () => {
    const a = synthFiles(build('fast'));
    const b = synthFiles(build('slow'));
    const diff: string[] = [];
    for (const [name, text] of a) {
      const x = text.split('\n');
      const y = b.get(name)!.split('\n');
      x.forEach((line, i) => {
        if (line !== y[i]) diff.push(`${name}: ${line.trim().split(':')[0]}`);
      });
    }
    expect(diff).toEqual(['shop/api.yaml: keelson.dev/config-checksum', 'shop/settings.yaml: MODE']);
    const objects = synthObjects(build('fast'));
    expect(checksum(objects, 'api')).toMatch(/^[0-9a-f]{16}$/);
    expect(checksum(objects, 'web')).toBeUndefined();
  });
});

describe('AppSecret', () => {
  const sealedValue = `AgB${'x'.repeat(80)}==`;

  it('is an ExternalSecret that workloads read as env and as files, with no value in the output', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    const stripe = new AppSecret(stack, 'stripe', { externalSecret: { store: 'vault', keys: { API_KEY: { remoteKey: 'prod/stripe', property: 'api_key' }, WEBHOOK: { remoteKey: 'prod/stripe-webhook' } } } });
    new WebService(stack, 'api', { image, port: 8080, env: { STRIPE_KEY: stripe.key('API_KEY') }, volumes: { stripe: stripe.volume({ WEBHOOK: 'webhook' }) }, mounts: [{ path: '/etc/stripe', volume: 'stripe' }] });
    const objects = synthObjects(stack);
    const es = findObject(objects, 'ExternalSecret', 'stripe');
    expect(es.spec).toEqual({
      secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
      refreshInterval: '1h',
      target: { name: 'stripe', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [
        { secretKey: 'API_KEY', remoteRef: { key: 'prod/stripe', property: 'api_key' } },
        { secretKey: 'WEBHOOK', remoteRef: { key: 'prod/stripe-webhook' } },
      ],
    });
    const pod = findObject(objects, 'Deployment', 'api').spec.template.spec;
    expect(pod.containers[0].env).toContainEqual({ name: 'STRIPE_KEY', valueFrom: { secretKeyRef: { name: 'stripe', key: 'API_KEY' } } });
    expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'stripe', secret: expect.objectContaining({ secretName: 'stripe', items: [{ key: 'WEBHOOK', path: 'webhook' }] }) }));
    expect(findObjects(objects, 'Secret')).toEqual([]);
  });

  it('or a SealedSecret holding only sealed values', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    new AppSecret(stack, 'token', { sealed: { encryptedData: { TOKEN: sealedValue } } });
    const sealed = findObject(synthObjects(stack), 'SealedSecret', 'token');
    expect(sealed.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(sealed.spec).toEqual({ encryptedData: { TOKEN: sealedValue }, template: { metadata: { name: 'token', labels: { 'app.kubernetes.io/managed-by': 'keelson', 'app.kubernetes.io/part-of': 'shop' } } } });
  });
});

describe('platform checks', () => {
  it('refuses an Application pointing at a folder no stack writes', () => {
    const { app, platform } = platformApp();
    new ApiObject(platform, 'stray', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'stray', namespace: 'argocd' },
      spec: { project: 'default', source: { repoURL: repo, targetRevision: 'main', path: 'dist/legacy' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'legacy' } },
    });
    const [e] = errorsOf(() => synthObjects(app));
    expect(e).toMatchObject({ path: 'platform/stray', field: 'spec.source.path', value: 'dist/legacy' });
    expect(e!.rule).toMatch(/points at a folder no stack of this app writes/);
  });

  it('refuses a hand-set wave that comes before a dependency', () => {
    const { app, shops } = platformApp();
    const api = shops.staging!.node.findChild('api') as WebService;
    api.deployment.metadata.addAnnotation('argocd.argoproj.io/sync-wave', '0');
    const errors = errorsOf(() => synthObjects(app));
    expect(errors.map((e) => [e.path, e.field, e.value])).toEqual([['shop-staging/api/deployment', 'metadata.annotations["argocd.argoproj.io/sync-wave"]', '0']]);
    expect(errors[0]!.rule).toMatch(/is not after wave 0 of shop-staging\/db, which it depends on \(allowFrom, env DATABASE_URL\)/);
  });

  it('refuses a Service that selects both colours of a blue-green service', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    const web = new BlueGreenService(stack, 'frontend', { image, port: 3000, rollout: { strategy: 'blue-green', active: 'blue' } });
    KubeObject.create(stack, 'all-colours', k8s.KubeService, { metadata: { name: 'frontend-all' }, spec: { selector: { ...web.selector }, ports: [{ port: 80, targetPort: k8s.IntOrString.fromNumber(3000) }] } });
    const [e] = errorsOf(() => synthObjects(stack));
    expect(e).toMatchObject({ path: 'shop/all-colours', field: 'spec.selector' });
    expect(e!.rule).toMatch(/selects the pods of both colours of shop\/frontend/);
  });

  it('refuses platform-owned and cluster-scoped kinds in a team\'s application', () => {
    const { app, shops } = platformApp();
    KubeObject.create(shops.staging!, 'my-quota', k8s.KubeResourceQuota, { metadata: { name: 'mine' }, spec: { hard: { pods: k8s.Quantity.fromNumber(5) } } });
    const [e] = errorsOf(() => synthObjects(app));
    expect(e).toMatchObject({ path: 'shop-staging/my-quota', field: 'kind', value: 'ResourceQuota' });
    expect(e!.rule).toMatch(/is not allowed in AppProject shop: the platform owns it/);
  });

  it('refuses RBAC with "*" or cluster-admin unless waived', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-rbac-'));
    try {
      const stack = new Stack(new App(), 'ops', { env: production });
      const role = KubeObject.create(stack, 'everything', k8s.KubeRole, { metadata: { name: 'everything' }, rules: [{ apiGroups: ['*'], resources: ['pods'], verbs: ['*'] }] });
      KubeObject.create(stack, 'root', k8s.KubeClusterRoleBinding, { metadata: { name: 'root' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: 'rbac.authorization.k8s.io' }] });
      let failure: any;
      try {
        synth(stack, { outdir: path.join(outdir, 'a') });
      } catch (e) {
        failure = e;
      }
      const found = failure.findings.filter((f: any) => f.rule.startsWith('rbac-')).map((f: any) => `${f.rule} ${f.path} ${f.field}`);
      expect(found.sort()).toEqual(['rbac-cluster-admin ops/root roleRef.name', 'rbac-wildcard ops/everything rules[0].apiGroups', 'rbac-wildcard ops/everything rules[0].verbs']);
      waive(role, 'rbac-wildcard', 'The break-glass role of the on-call team');
      waive(stack.node.findChild('root'), 'rbac-cluster-admin', 'The ops group runs the cluster itself');
      const result = synth(stack, { outdir: path.join(outdir, 'b') });
      expect(result.findings.filter((f) => f.rule.startsWith('rbac-')).every((f) => f.waived)).toBe(true);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('bad input', () => {
  const stack = () => new Stack(new App(), 'platform', { env: production, createNamespace: false });
  const web = { image, port: 3000 };
  const cases: [string, (s: Stack) => unknown, string, unknown, RegExp][] = [
    ['team namespace without props', (s) => new TeamNamespace(s, 'ns', undefined as any), 'props', undefined, /are required/],
    ['misspelt team namespace prop', (s) => new TeamNamespace(s, 'ns', { team: 'a', qouta: 'small' } as any), 'qouta', 'small', /is not a known prop.*Did you mean "quota"/],
    ['team name not a DNS label', (s) => new TeamNamespace(s, 'ns', { team: 'Shop' }), 'team', 'Shop', /DNS-1123 label/],
    ['namespace not a DNS label', (s) => new TeamNamespace(s, 'ns', { team: 'a', namespace: 'a_b' }), 'namespace', 'a_b', /DNS-1123 label/],
    ['unknown quota size', (s) => new TeamNamespace(s, 'ns', { team: 'a', quota: 'huge' as any }), 'quota', 'huge', /is not a quota size/],
    ['privileged namespace', (s) => new TeamNamespace(s, 'ns', { team: 'a', podSecurity: 'privileged' as any }), 'podSecurity', 'privileged', /must be "restricted" or "baseline"/],
    ['unknown role', (s) => new TeamNamespace(s, 'ns', { team: 'a', groups: { owner: ['x'] } as any }), 'groups.owner', ['x'], /is not a known prop of groups/],
    ['groups not a list', (s) => new TeamNamespace(s, 'ns', { team: 'a', groups: { edit: 'devs' as any } }), 'groups.edit', 'devs', /must be a list/],
    ['group with a space', (s) => new TeamNamespace(s, 'ns', { team: 'a', groups: { view: ['shop devs'] } }), 'groups.view[0]', 'shop devs', /is not a group name/],
    ['group listed twice', (s) => new TeamNamespace(s, 'ns', { team: 'a', groups: { view: ['x', 'x'] } }), 'groups.view', 'x', /is listed twice/],
    ['deployer not a boolean', (s) => new TeamNamespace(s, 'ns', { team: 'a', deployer: 'yes' as any }), 'deployer', 'yes', /must be true or false/],
    ['team with no namespaces', (s) => new Team(s, 'shop', { namespaces: {} }), 'namespaces', {}, /is empty/],
    ['team namespace name invalid', (s) => new Team(s, 'shop', { namespaces: { Shop_Prod: {} } }), 'namespaces', 'Shop_Prod', /DNS-1123 label/],
    ['misspelt team namespace option', (s) => new Team(s, 'shop', { namespaces: { 'shop-prod': { grups: {} } as any } }), 'namespaces.shop-prod.grups', {}, /Did you mean "groups"/],
    ['misspelt team prop', (s) => new Team(s, 'shop', { namespace: ['x'] } as any), 'namespace', ['x'], /Did you mean "namespaces"/],
    ['apps without props', (s) => new ArgoCdApps(s, 'argocd', undefined as any), 'props', undefined, /are required/],
    ['repo not a URL', (s) => new ArgoCdApps(s, 'argocd', { repo: 'acme/deploy' }), 'repo', 'acme/deploy', /is not a Git repository URL/],
    ['revision with a space', (s) => new ArgoCdApps(s, 'argocd', { repo, revision: 'my branch' }), 'revision', 'my branch', /is not a branch, tag or commit/],
    ['absolute output path', (s) => new ArgoCdApps(s, 'argocd', { repo, path: '/dist' }), 'path', '/dist', /is not a relative folder path/],
    ['argo namespace invalid', (s) => new ArgoCdApps(s, 'argocd', { repo, argoNamespace: 'Argo' }), 'argoNamespace', 'Argo', /DNS-1123 label/],
    ['server not https', (s) => new ArgoCdApps(s, 'argocd', { repo, server: 'http://k8s' }), 'server', 'http://k8s', /is not an https API server URL/],
    ['unknown sync mode', (s) => new ArgoCdApps(s, 'argocd', { repo, sync: { production: 'auto' as any } }), 'sync.production', 'auto', /must be "automated" or "manual"/],
    ['unknown layout', (s) => new ArgoCdApps(s, 'argocd', { repo, layout: 'helm' as any }), 'layout', 'helm', /must be "applications" or "application-set"/],
    ['misspelt apps prop', (s) => new ArgoCdApps(s, 'argocd', { repo, wave: false } as any), 'wave', false, /Did you mean "waves"/],
    ['blue-green without rollout', (s) => new BlueGreenService(s, 'web', { ...web } as any), 'rollout', undefined, /is required/],
    ['unknown rollout strategy', (s) => new BlueGreenService(s, 'web', { ...web, rollout: { strategy: 'canary', active: 'blue' } as any }), 'rollout.strategy', 'canary', /must be "blue-green"/],
    ['unknown colour', (s) => new BlueGreenService(s, 'web', { ...web, rollout: { strategy: 'blue-green', active: 'red' as any } }), 'rollout.active', 'red', /must be "blue" or "green"/],
    ['misspelt rollout prop', (s) => new BlueGreenService(s, 'web', { ...web, rollout: { strategy: 'blue-green', active: 'blue', preveiw: true } as any }), 'rollout.preveiw', true, /Did you mean "preview"/],
    ['image for an unknown colour', (s) => new BlueGreenService(s, 'web', { ...web, rollout: { strategy: 'blue-green', active: 'blue', images: { red: image } as any } }), 'rollout.images.red', image, /is not a known prop of rollout.images/],
    ['latest image for a colour', (s) => new BlueGreenService(s, 'web', { ...web, rollout: { strategy: 'blue-green', active: 'blue', images: { green: 'acme/app:latest' } } }), 'rollout.images.green', 'acme/app:latest', /uses the mutable tag "latest"/],
    ['blue-green with autoscaling', (s) => new BlueGreenService(s, 'web', { ...web, autoscale: { min: 2, max: 4 }, rollout: { strategy: 'blue-green', active: 'blue' } }), 'autoscale', { min: 2, max: 4 }, /does not combine with a blue-green rollout/],
    ['misspelt web prop on blue-green', (s) => new BlueGreenService(s, 'web', { ...web, imagee: image, rollout: { strategy: 'blue-green', active: 'blue' } } as any), 'imagee', image, /Did you mean "image"/],
    ['unknown hook phase', (s) => syncHook(new Job(s, 'migrate', { image }), 'Before' as any), 'syncHook', 'Before', /is not a hook phase/],
    ['hook declared twice', (s) => { const j = new Job(s, 'migrate', { image }); syncHook(j); syncHook(j); }, 'syncHook', 'PreSync', /is already declared/],
    ['rollout without a strategy', (s) => new RolloutService(s, 'web', { ...web } as any), 'rollout', undefined, /is required/],
    ['unknown rollout engine strategy', (s) => new RolloutService(s, 'web', { ...web, rollout: { strategy: 'rolling' } as any }), 'rollout.strategy', 'rolling', /must be "blue-green" or "canary"/],
    ['canary without steps', (s) => new RolloutService(s, 'web', { ...web, rollout: { strategy: 'canary', steps: [] } }), 'rollout.steps', [], /must be a non-empty list/],
    ['canary weight above 100', (s) => new RolloutService(s, 'web', { ...web, rollout: { strategy: 'canary', steps: [{ weight: 150 }] } }), 'rollout.steps[0].weight', 150, /from 1 to 100/],
    ['canary weights going down', (s) => new RolloutService(s, 'web', { ...web, rollout: { strategy: 'canary', steps: [{ weight: 50 }, { weight: 20 }] } }), 'rollout.steps[1].weight', 20, /must be above the previous step's 50/],
    ['canary pause not a duration', (s) => new RolloutService(s, 'web', { ...web, rollout: { strategy: 'canary', steps: [{ weight: 10, pause: 'soon' }] } }), 'rollout.steps[0].pause', 'soon', /duration/],
    ['app secret without a source', (s) => new AppSecret(s, 'token', {}), 'externalSecret', undefined, /is required/],
    ['app secret with two sources', (s) => new AppSecret(s, 'token', { externalSecret: { store: 'vault', keys: { A: { remoteKey: 'a' } } }, sealed: { encryptedData: {} } }), 'sealed', { encryptedData: {} }, /is set together with externalSecret/],
    ['a plain value as a sealed value', (s) => new AppSecret(s, 'token', { sealed: { encryptedData: { TOKEN: 'hunter2' } } }), 'sealed.encryptedData.TOKEN', 'hunt…', /is not a sealed value/],
    ['an app secret key without remoteKey', (s) => new AppSecret(s, 'token', { externalSecret: { store: 'vault', keys: { A: {} as any } } }), 'externalSecret.keys.A.remoteKey', undefined, /is required/],
    ['a bad refresh interval', (s) => new AppSecret(s, 'token', { externalSecret: { store: 'vault', refreshInterval: 'hourly', keys: { A: { remoteKey: 'a' } } } }), 'externalSecret.refreshInterval', 'hourly', /is not a valid interval/],
    ['reading a key the secret lacks', (s) => new AppSecret(s, 'token', { externalSecret: { store: 'vault', keys: { A: { remoteKey: 'a' } } } }).key('B'), 'key', 'B', /is not a key of the Secret \(keys: A\)/],
    ['a serving workload as a hook', (s) => syncHook(new WebService(s, 'api', { image, port: 8080 })), 'syncHook', 'PreSync', /not ones that serve ports/],
  ];

  it.each(cases)('%s', (_name, make, field, value, rule) => {
    const [e] = errorsOf(() => make(stack()));
    expect(e!.path).toMatch(/^platform\//);
    expect(e!.field).toBe(field);
    expect(e!.value).toEqual(value);
    expect(e!.message).toMatch(rule);
  });

  it('covers at least 20 bad inputs', () => expect(cases.length).toBeGreaterThanOrEqual(20));
});

describe('living next to other tools', () => {
  it('keeps files a user adds to the output and prunes only what synth wrote', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-user-files-'));
    try {
      const build = (withWeb: boolean) => {
        const stack = new Stack(new App(), 'shop', { env: production });
        new WebService(stack, 'api', { image, port: 8080 });
        if (withWeb) new WebService(stack, 'web', { image, port: 3000 });
        return stack;
      };
      synth(build(true), { outdir });
      fs.writeFileSync(path.join(outdir, 'shop', 'kustomization.yaml'), 'resources: []\n');
      fs.writeFileSync(path.join(outdir, 'README.md'), '# deploy\n');
      const result = synth(build(false), { outdir });
      expect(result.pruned).toEqual(['shop/web.yaml']);
      expect(fs.readFileSync(path.join(outdir, 'shop', 'kustomization.yaml'), 'utf8')).toBe('resources: []\n');
      expect(fs.existsSync(path.join(outdir, 'README.md'))).toBe(true);
      expect(fs.existsSync(path.join(outdir, 'shop', 'web.yaml'))).toBe(false);
      expect(fs.readFileSync(path.join(outdir, '.keelson'), 'utf8')).toContain('\nshop/api.yaml\n');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('writeKustomizations', () => {
  it('adds a kustomization.yaml listing each stack folder\'s manifests', () => {
    const stack = new Stack(new App(), 'shop', { env: production });
    new WebService(stack, 'api', { image, port: 8080 });
    expect(synthFiles(stack).has('shop/kustomization.yaml')).toBe(false);
    writeKustomizations(stack);
    expect(synthFiles(stack).get('shop/kustomization.yaml')).toBe(
      ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', '  - 00-namespace.yaml', '  - api.yaml', '  - default-deny.yaml', ''].join('\n'),
    );
  });
});

describe('team namespace limits', () => {
  it('refuses a container larger than the namespace\'s LimitRange allows', () => {
    const app = new App();
    const shop = new Stack(app, 'shop', { env: production });
    new WebService(shop, 'api', { image, port: 8080, resources: { limits: { memory: '16Gi' }, requests: { memory: '1Gi' } } });
    const platform = new Stack(app, 'platform', { env: production, createNamespace: false });
    new Team(platform, 'shop', { quota: 'small' });
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-limits-'));
    try {
      const error = (() => {
        try {
          synth(app, { outdir });
        } catch (e) {
          return e as ChecksFailedError;
        }
        throw new Error('expected synth to stop');
      })();
      expect(error).toBeInstanceOf(ChecksFailedError);
      const found = error.findings.filter((f) => f.rule === 'limit-range-max');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ severity: 'error', path: 'shop/api/deployment', field: 'spec.template.spec.containers[0].resources.limits.memory' });
      expect(found[0]!.message).toBe('"16Gi" is above the maximum "8Gi" of LimitRange shop/shop-limits, so admission refuses the pods');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('waves of a dependency cycle', () => {
  it('share one wave, after what the cycle depends on, without an error', () => {
    const app = new App();
    const shop = new Stack(app, 'shop', { env: staging });
    const db = new Postgres(shop, 'db', { version: '16.4', storage: '10Gi', credentials: { secret: 'db-secret' } });
    const a = new WebService(shop, 'a', { image, port: 8080, env: { DATABASE_URL: db.url } });
    const b = new WebService(shop, 'b', { image, port: 8080, env: { A_URL: a.url } });
    a.env('B_URL', b.url);
    a.allowTo(b);
    b.allowTo(a);
    db.allowFrom(a);
    const platform = new Stack(app, 'platform', { env: production, namespace: 'argocd', createNamespace: false });
    new ArgoCdApps(platform, 'argocd', { repo });
    const objects = inStack(synthObjects(app), 'shop');
    expect([wave(findObject(objects, 'StatefulSet', 'db')), wave(findObject(objects, 'Deployment', 'a')), wave(findObject(objects, 'Deployment', 'b'))]).toEqual([0, 1, 1]);
  });
});
