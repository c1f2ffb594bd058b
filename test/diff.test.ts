import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { diffTrees, fieldChanges } from '../src/cli/diff.js';

const tree = (...objects: Record<string, any>[]) => new Map([['shop/api.yaml', objects.map((o) => stringify(o)).join('---\n')]]);

const statefulSet = (mutate: (s: any) => void = () => {}) => {
  const s: any = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop' },
    spec: {
      serviceName: 'db-headless', replicas: 1, selector: { matchLabels: { app: 'db' } },
      template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'postgres', image: 'postgres:16.4', ports: [{ name: 'postgres', containerPort: 5432 }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } } }],
    },
  };
  mutate(s);
  return s;
};

describe('keelson diff: lists diff element by element by their natural key', () => {
  it('containers and env by name, ports by port, each change on its own line in full', () => {
    const before = { containers: [{ name: 'api', image: 'a:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 8080 }, { containerPort: 9090 }] }, { name: 'log', image: 'l:1' }] };
    const after = { containers: [{ name: 'log', image: 'l:1' }, { name: 'api', image: 'a:2', env: [{ name: 'B', value: '2' }, { name: 'C', value: 'x'.repeat(150) }], ports: [{ containerPort: 9090 }, { containerPort: 8443 }] }] };
    expect(fieldChanges(before, after)).toEqual([
      '- containers[name=api].env[name=A]',
      `+ containers[name=api].env[name=C].name: "C"`,
      `+ containers[name=api].env[name=C].value: "${'x'.repeat(150)}"`,
      '~ containers[name=api].image: "a:1" → "a:2"',
      '- containers[name=api].ports[containerPort=8080]',
      '+ containers[name=api].ports[containerPort=8443].containerPort: 8443',
    ]);
  });

  it('a NetworkPolicy rule added among others shows only that rule, field by field', () => {
    const rule = (app: string) => ({ from: [{ podSelector: { matchLabels: { app } } }], ports: [{ port: 8080, protocol: 'TCP' }] });
    const before = { spec: { ingress: [rule('web'), rule('admin')] } };
    const after = { spec: { ingress: [rule('web'), rule('batch'), rule('admin')] } };
    expect(fieldChanges(before, after)).toEqual([
      '+ spec.ingress[1].from[0].podSelector.matchLabels.app: "batch"',
      '+ spec.ingress[1].ports[0].port: 8080',
      '+ spec.ingress[1].ports[0].protocol: "TCP"',
    ]);
    const changed = { spec: { ingress: [rule('web'), { ...rule('admin'), ports: [{ port: 9090, protocol: 'TCP' }] }] } };
    expect(fieldChanges(before, changed)).toEqual([
      '- spec.ingress[1].ports[port=8080,protocol=TCP]',
      '+ spec.ingress[1].ports[port=9090,protocol=TCP].port: 9090',
      '+ spec.ingress[1].ports[port=9090,protocol=TCP].protocol: "TCP"',
    ]);
  });
});

describe('keelson diff: changes the API server refuses in place', () => {
  it('a StatefulSet volume claim template change says to orphan-delete the StatefulSet', () => {
    const { text, refusals } = diffTrees(tree(statefulSet()), tree(statefulSet((s) => (s.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '50Gi'))));
    expect(refusals).toBe(1);
    expect(text).toContain('~ spec.volumeClaimTemplates[0].spec.resources.requests.storage: "20Gi" → "50Gi"');
    expect(text).toContain('! the API server refuses spec.volumeClaimTemplates in place');
    expect(text).toContain('Run: kubectl delete statefulset db -n shop --cascade=orphan, then apply');
  });

  it('StatefulSet selector and serviceName, Deployment selector, Job template, Service clusterIP and ExternalName, PVC class are flagged', () => {
    const cases: [Record<string, any>, Record<string, any>, string][] = [
      [statefulSet(), statefulSet((s) => (s.spec.serviceName = 'db')), 'spec.serviceName'],
      [statefulSet(), statefulSet((s) => (s.spec.selector.matchLabels.tier = 'data')), 'spec.selector'],
      [
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'api' } } } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'api', v: '2' } } } },
        'kubectl delete deployment api -n shop',
      ],
      [
        { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' }, spec: { template: { spec: { containers: [{ name: 'm', image: 'm:1' }] } } } },
        { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' }, spec: { template: { spec: { containers: [{ name: 'm', image: 'm:2' }] } } } },
        'kubectl delete job migrate -n shop, then apply: the Job runs again',
      ],
      [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { clusterIP: 'None' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { clusterIP: '10.0.0.10' } },
        'spec.clusterIP',
      ],
      [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { type: 'ClusterIP' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { type: 'ExternalName', externalName: 'api.example.com' } },
        'spec.type',
      ],
      [
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'shop' }, spec: { storageClassName: 'standard' } },
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'shop' }, spec: { storageClassName: 'fast' } },
        'spec.storageClassName',
      ],
    ];
    for (const [before, after, text] of cases) {
      const result = diffTrees(tree(before), tree(after));
      expect(result.refusals, `${after.kind}: ${text}`).toBe(1);
      expect(result.text).toContain(text);
    }
  });

  it('changes that apply in place are not flagged', () => {
    const result = diffTrees(tree(statefulSet()), tree(statefulSet((s) => { s.spec.replicas = 3; s.spec.template.spec.containers[0].image = 'postgres:16.5'; })));
    expect(result.changes).toBe(1);
    expect(result.refusals).toBe(0);
    expect(result.text).not.toContain('!');
  });
});
