import { GFD_PRODUCT_LABEL, GFD_PRODUCTS, GKE_ACCELERATOR_LABEL, GKE_ACCELERATORS, MIG_PROFILES } from '../gpu.js';
import type { KindRegistry } from '../kinds.js';
import { findingOf, type CheckedObject, type Finding, type Rule } from './finding.js';
import { containersOf, isObject } from './objects.js';

const rule = (id: string, severity: Rule['severity'], summary: string, fix: string): Rule => ({ id, severity, family: 'gpu', summary, fix });

/** What makes GPU pods schedule and run, checked on every pod template of every registered kind. */
export const GPU_RULES = {
  limitMismatch: rule('gpu-limit-mismatch', 'error', 'GPU (extended) resources are limited, and requested no more or less than the limit', 'Set requests and limits of the GPU resource to the same whole number (or only limits)'),
  unknownMig: rule('gpu-unknown-mig', 'error', 'a MIG resource names a MIG profile (nvidia.com/mig-<compute>g.<memory>gb)', 'Use a profile of your GPU model, e.g. nvidia.com/mig-1g.10gb'),
  unknownProduct: rule('gpu-unknown-product', 'warning', 'a GPU product node selector names a product GPU Feature Discovery or GKE writes', 'Copy the value from a node\'s nvidia.com/gpu.product (or cloud.google.com/gke-accelerator) label'),
  missingToleration: rule('gpu-missing-toleration', 'warning', 'GPU pods tolerate the GPU nodes\' taint (nvidia.com/gpu)', 'Add a toleration { key: nvidia.com/gpu, operator: Exists, effect: NoSchedule } (Keelson\'s gpu prop adds the environment\'s)'),
  missingShm: rule('gpu-missing-shm', 'warning', 'pods with several GPUs mount a memory-backed emptyDir at /dev/shm', 'Mount an emptyDir with medium Memory at /dev/shm (Keelson\'s gpu prop does): NCCL and PyTorch data loaders outgrow the runtime\'s 64Mi'),
} as const;

const GPU_RESOURCE = /^nvidia\.com\/(gpu(\.shared)?|mig-.+)$/;

/** The GPU family. */
export function checkGpus(objects: readonly CheckedObject[], kinds: KindRegistry): Finding[] {
  const out: Finding[] = [];
  const R = GPU_RULES;
  for (const obj of objects) {
    for (const pod of kinds.podTemplates(obj.json)) {
      let gpus = 0;
      for (const { container, field } of containersOf(pod)) {
        const requests = isObject(container.resources?.requests) ? container.resources.requests : {};
        const limits = isObject(container.resources?.limits) ? container.resources.limits : {};
        for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
          if (!GPU_RESOURCE.test(name)) continue;
          const [req, lim] = [requests[name], limits[name]];
          if (lim === undefined) out.push(findingOf(R.limitMismatch, obj, `${field}.resources.requests["${name}"]`, `requests ${req} without a limit`));
          else if (req !== undefined && String(req) !== String(lim)) out.push(findingOf(R.limitMismatch, obj, `${field}.resources.requests["${name}"]`, `requests ${req} but limits ${lim}`));
          if (name.startsWith('nvidia.com/mig-') && !MIG_PROFILES.includes(name.slice('nvidia.com/mig-'.length))) {
            out.push(findingOf(R.unknownMig, obj, `${field}.resources.limits["${name}"]`, `${JSON.stringify(name.slice('nvidia.com/mig-'.length))} is not a MIG profile`));
          }
          gpus += Number(lim ?? req) || 0;
        }
      }
      if (gpus === 0) continue;
      const selector = isObject(pod.spec.nodeSelector) ? pod.spec.nodeSelector : {};
      for (const [label, known] of [[GFD_PRODUCT_LABEL, GFD_PRODUCTS], [GKE_ACCELERATOR_LABEL, GKE_ACCELERATORS]] as const) {
        const value = selector[label];
        if (typeof value !== 'string') continue;
        const base = value.replace(/-SHARED$/, '').replace(/-MIG-.*$/, '');
        if (!known.includes(base)) out.push(findingOf(R.unknownProduct, obj, `${pod.field}.nodeSelector["${label}"]`, `${JSON.stringify(value)} is not a product name nodes carry in ${label}`));
      }
      const tolerations: any[] = Array.isArray(pod.spec.tolerations) ? pod.spec.tolerations : [];
      if (!tolerations.some((t) => isObject(t) && (t.key === 'nvidia.com/gpu' || (t.key === undefined && t.operator === 'Exists')))) {
        out.push(findingOf(R.missingToleration, obj, `${pod.field}.tolerations`, `requests ${gpus} GPU(s) but does not tolerate the nvidia.com/gpu taint`));
      }
      const volumes: any[] = Array.isArray(pod.spec.volumes) ? pod.spec.volumes : [];
      const memoryVolumes = new Set(volumes.filter((v) => v?.emptyDir?.medium === 'Memory').map((v) => v.name));
      const shm = containersOf(pod).some(({ container }) => (Array.isArray(container.volumeMounts) ? container.volumeMounts : []).some((m: any) => m?.mountPath?.replace(/\/+$/, '') === '/dev/shm' && memoryVolumes.has(m.name)));
      if (gpus > 1 && !shm) out.push(findingOf(R.missingShm, obj, `${pod.field}.volumes`, `runs ${gpus} GPUs without a memory-backed /dev/shm`));
    }
  }
  return out;
}
