import { findingOf, type CheckedObject, type Finding, type Rule } from './finding.js';
import type { KindRegistry } from '../kinds.js';
import { containersOf } from './objects.js';

const rule = (id: string, summary: string, fix: string): Rule => ({ id, severity: 'error', family: 'pod-security', summary, fix });

/** Pod Security Standards "restricted" (v1.28), which includes "baseline", for every pod template. */
export const POD_SECURITY_RULES = {
  hostNamespaces: rule('pss-host-namespaces', 'no hostNetwork, hostPID or hostIPC', 'Remove hostNetwork/hostPID/hostIPC; expose the pod through a Service instead'),
  privileged: rule('pss-privileged', 'no privileged containers', 'Remove securityContext.privileged: true'),
  capabilities: rule('pss-capabilities', 'capabilities drop ALL and add at most NET_BIND_SERVICE', 'Set securityContext.capabilities: { drop: [ALL] } and add only NET_BIND_SERVICE'),
  hostPath: rule('pss-host-path', 'no hostPath volumes', 'Use an emptyDir, ConfigMap, Secret or PersistentVolumeClaim instead of hostPath'),
  hostPorts: rule('pss-host-ports', 'no hostPort', 'Remove hostPort; reach the pod through a Service'),
  volumeTypes: rule('pss-volume-types', 'only restricted volume types', 'Use configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret volumes'),
  privilegeEscalation: rule('pss-privilege-escalation', 'allowPrivilegeEscalation is false', 'Set securityContext.allowPrivilegeEscalation: false on every container'),
  runAsNonRoot: rule('pss-run-as-non-root', 'runAsNonRoot is true', 'Set securityContext.runAsNonRoot: true on the pod or every container'),
  runAsUser: rule('pss-run-as-user', 'runAsUser is not 0', 'Run as a non-zero UID'),
  seccomp: rule('pss-seccomp', 'seccompProfile is RuntimeDefault or Localhost', 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod'),
  seLinux: rule('pss-selinux', 'no custom SELinux user, role or type', 'Remove seLinuxOptions user/role, or use type container_t, container_init_t or container_kvm_t'),
  procMount: rule('pss-proc-mount', 'procMount is Default', 'Remove securityContext.procMount'),
  sysctls: rule('pss-sysctls', 'only safe sysctls', 'Remove sysctls outside the safe set (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_*)'),
  appArmor: rule('pss-apparmor', 'AppArmor profile is runtime/default or localhost/*', 'Remove the AppArmor annotation or use runtime/default'),
  hostProcess: rule('pss-host-process', 'no Windows HostProcess containers', 'Remove windowsOptions.hostProcess'),
} as const;

/** Rules of "restricted" that "baseline" does not have: a pod breaking only these is admitted by a baseline namespace. */
const RESTRICTED_ONLY = new Set(['pss-volume-types', 'pss-privilege-escalation', 'pss-run-as-non-root', 'pss-run-as-user', 'pss-seccomp', 'pss-capabilities']);
/** Capabilities "baseline" lets a container add. */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

const ALLOWED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** The pod-security family. */
export function checkPodSecurity(objects: readonly CheckedObject[], kinds: KindRegistry): Finding[] {
  const out: Finding[] = [];
  for (const obj of objects) for (const pod of kinds.podTemplates(obj.json)) {
    const R = POD_SECURITY_RULES;
    // `baseline` marks what only "restricted" refuses; anything else needs "privileged".
    const add = (r: Rule, field: string, message: string, baseline = RESTRICTED_ONLY.has(r.id)) => {
      out.push({ ...findingOf(r, obj, field, message), podSecurityLevel: baseline ? 'baseline' : 'privileged' });
    };
    const spec = pod.spec;
    const podCtx = spec.securityContext ?? {};
    const podField = `${pod.field}.securityContext`;
    for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[key] === true) add(R.hostNamespaces, `${pod.field}.${key}`, 'shares a host namespace');
    (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v: any, i: number) => {
      const type = Object.keys(v ?? {}).find((k) => k !== 'name');
      if (!type) return;
      if (type === 'hostPath') add(R.hostPath, `${pod.field}.volumes[${i}].hostPath`, `volume ${JSON.stringify(v.name)} mounts the host path ${JSON.stringify(v.hostPath?.path)}`);
      else if (!ALLOWED_VOLUMES.has(type)) add(R.volumeTypes, `${pod.field}.volumes[${i}].${type}`, `volume ${JSON.stringify(v.name)} has type ${type}, which "restricted" does not allow`);
    });
    (Array.isArray(podCtx.sysctls) ? podCtx.sysctls : []).forEach((s: any, i: number) => {
      if (!SAFE_SYSCTLS.has(s?.name)) add(R.sysctls, `${podField}.sysctls[${i}]`, `sysctl ${JSON.stringify(s?.name)} is not in the safe set`);
    });
    const seLinux = (ctx: any, field: string) => {
      const o = ctx?.seLinuxOptions;
      if (o && (o.user || o.role || !SELINUX_TYPES.has(o.type ?? ''))) add(R.seLinux, `${field}.seLinuxOptions`, 'sets a custom SELinux user, role or type');
    };
    seLinux(podCtx, podField);
    if (podCtx.windowsOptions?.hostProcess === true) add(R.hostProcess, `${podField}.windowsOptions.hostProcess`, 'runs as a Windows HostProcess');
    if (podCtx.runAsUser === 0) add(R.runAsUser, `${podField}.runAsUser`, 'runs the pod as root (0)');
    const podSeccomp = podCtx.seccompProfile?.type;
    if (podSeccomp !== undefined && !['RuntimeDefault', 'Localhost'].includes(podSeccomp)) add(R.seccomp, `${podField}.seccompProfile.type`, `is ${JSON.stringify(podSeccomp)}`, podSeccomp !== 'Unconfined');
    for (const [key, value] of Object.entries(pod.metadata.annotations ?? {})) {
      if (key.startsWith(APPARMOR_PREFIX) && value !== 'runtime/default' && !String(value).startsWith('localhost/')) {
        add(R.appArmor, `metadata.annotations[${JSON.stringify(key)}]`, `AppArmor profile ${JSON.stringify(value)}`);
      }
    }
    for (const { container, field } of containersOf(pod)) {
      const name = JSON.stringify(container.name);
      const sc = container.securityContext ?? {};
      const scField = `${field}.securityContext`;
      if (sc.privileged === true) add(R.privileged, `${scField}.privileged`, `container ${name} runs privileged`);
      if (sc.allowPrivilegeEscalation !== false) add(R.privilegeEscalation, `${scField}.allowPrivilegeEscalation`, `container ${name} may escalate privileges (${sc.allowPrivilegeEscalation === undefined ? 'not set' : 'true'})`);
      const drop: unknown[] = Array.isArray(sc.capabilities?.drop) ? sc.capabilities.drop : [];
      if (!drop.includes('ALL')) add(R.capabilities, `${scField}.capabilities.drop`, `container ${name} does not drop ALL capabilities`);
      for (const cap of Array.isArray(sc.capabilities?.add) ? sc.capabilities.add : []) {
        if (cap !== 'NET_BIND_SERVICE') add(R.capabilities, `${scField}.capabilities.add`, `container ${name} adds capability ${JSON.stringify(cap)}`, BASELINE_CAPABILITIES.has(cap));
      }
      const nonRoot = sc.runAsNonRoot ?? podCtx.runAsNonRoot;
      if (nonRoot !== true) add(R.runAsNonRoot, sc.runAsNonRoot === false ? `${scField}.runAsNonRoot` : `${podField}.runAsNonRoot`, `container ${name} is not required to run as non-root`);
      if (sc.runAsUser === 0) add(R.runAsUser, `${scField}.runAsUser`, `container ${name} runs as root (0)`);
      const seccomp = sc.seccompProfile?.type ?? podSeccomp;
      if (seccomp === undefined) add(R.seccomp, `${podField}.seccompProfile`, `container ${name} has no seccomp profile`);
      else if (sc.seccompProfile?.type !== undefined && !['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile.type)) add(R.seccomp, `${scField}.seccompProfile.type`, `is ${JSON.stringify(sc.seccompProfile.type)}`, sc.seccompProfile.type !== 'Unconfined');
      seLinux(sc, scField);
      if (sc.procMount !== undefined && sc.procMount !== 'Default') add(R.procMount, `${scField}.procMount`, `container ${name} uses procMount ${JSON.stringify(sc.procMount)}`);
      if (sc.windowsOptions?.hostProcess === true) add(R.hostProcess, `${scField}.windowsOptions.hostProcess`, `container ${name} runs as a Windows HostProcess`);
      (Array.isArray(container.ports) ? container.ports : []).forEach((p: any, i: number) => {
        if (p?.hostPort !== undefined && p.hostPort !== 0) add(R.hostPorts, `${field}.ports[${i}].hostPort`, `container ${name} binds host port ${p.hostPort}`);
      });
    }
  }
  return out;
}
