import { ExportedValue, type SecretKeyRef } from '../core/env-value.js';
import type { ErrorContext } from '../core/errors.js';
import { parseCronSchedule } from '../core/cron.js';
import { isDnsLabel } from '../core/names.js';
import { checkKnownKeys, checkObject } from '../core/props.js';

/** Credentials a trigger reads from existing Secrets, by KEDA parameter name; they become a TriggerAuthentication. */
export type TriggerSecrets = Readonly<Record<string, SecretKeyRef>>;

interface TriggerBase {
  /** Trigger name (also names its TriggerAuthentication). @default - the trigger's type, with its index when several share one */
  readonly name?: string;
}

/** Scale on the length of a Redis list (a queue consumed with BRPOP / LPOP). */
export interface RedisListTrigger extends TriggerBase {
  /** Discriminator. */
  readonly type: 'redis-list';
  /** `host:port` of the Redis server, e.g. `concat(cache.host, ':6379')`. */
  readonly address: string | ExportedValue;
  /** The list to watch. */
  readonly listName: string;
  /** Target list length per replica. @default 5 */
  readonly listLength?: number;
  /** Length above which the workload wakes from zero replicas. @default 0 */
  readonly activationListLength?: number;
  /** Database index. @default 0 */
  readonly databaseIndex?: number;
  /** Name of an env variable of the workload's container that holds the password. @default - no password, or `secrets.password` */
  readonly passwordFromEnv?: string;
  /** Credentials from Secrets: `password`, `username`, `tls`, `ca`, `cert`, `key`. @default - none */
  readonly secrets?: TriggerSecrets;
}

/** Scale on the consumer lag of a Kafka consumer group. */
export interface KafkaLagTrigger extends TriggerBase {
  /** Discriminator. */
  readonly type: 'kafka-lag';
  /** Bootstrap servers, `host:port` each. */
  readonly bootstrapServers: readonly string[];
  /** The consumer group whose lag counts. */
  readonly consumerGroup: string;
  /** The topic. @default - every topic the group consumes */
  readonly topic?: string;
  /** Target lag per replica. @default 10 */
  readonly lagThreshold?: number;
  /** Lag above which the workload wakes from zero replicas. @default 0 */
  readonly activationLagThreshold?: number;
  /** Credentials from Secrets: `sasl`, `username`, `password`, `tls`, `ca`, `cert`, `key`, `keyPassword`. @default - none */
  readonly secrets?: TriggerSecrets;
}

/** Scale on a RabbitMQ queue's length or message rate. */
export interface RabbitMqTrigger extends TriggerBase {
  /** Discriminator. */
  readonly type: 'rabbitmq';
  /** The AMQP or HTTP URL with credentials (`amqp://user:pass@host:5672/vhost`), from a Secret. */
  readonly host: SecretKeyRef;
  /** The queue. */
  readonly queueName: string;
  /** `QueueLength`: messages waiting per replica; `MessageRate`: messages published per second per replica (needs the HTTP API). @default 'QueueLength' */
  readonly mode?: 'QueueLength' | 'MessageRate';
  /** Target per replica. */
  readonly value: number;
  /** Value above which the workload wakes from zero replicas. @default 0 */
  readonly activationValue?: number;
  /** Protocol of `host`. @default 'auto' */
  readonly protocol?: 'auto' | 'amqp' | 'http';
}

/** Scale on the result of a PromQL query. */
export interface PrometheusTrigger extends TriggerBase {
  /** Discriminator. */
  readonly type: 'prometheus';
  /** Prometheus URL, e.g. `http://prometheus-operated.monitoring.svc:9090`. */
  readonly serverAddress: string;
  /** The query; it must return one value. */
  readonly query: string;
  /** Target value per replica. */
  readonly threshold: number;
  /** Value above which the workload wakes from zero replicas. @default 0 */
  readonly activationThreshold?: number;
  /** Credentials from Secrets: `bearerToken`, `username`, `password`, `ca`, `cert`, `key`. @default - none */
  readonly secrets?: TriggerSecrets;
}

/** Run a number of replicas during a time window. */
export interface CronTrigger extends TriggerBase {
  /** Discriminator. */
  readonly type: 'cron';
  /** IANA time zone, e.g. `Europe/Berlin`. */
  readonly timezone: string;
  /** Start of the window, a cron expression (`0 8 * * 1-5`). */
  readonly start: string;
  /** End of the window, a cron expression (`0 18 * * 1-5`). */
  readonly end: string;
  /** Replicas during the window. */
  readonly desiredReplicas: number;
}

/** What a KEDA ScaledObject or ScaledJob scales on. */
export type ScaleTrigger = RedisListTrigger | KafkaLagTrigger | RabbitMqTrigger | PrometheusTrigger | CronTrigger;

/** A trigger as KEDA reads it. */
export interface KedaTrigger {
  /** KEDA scaler type, e.g. `redis`. */
  readonly type: string;
  /** Trigger name. */
  readonly name: string;
  /** Scaler metadata (strings). */
  readonly metadata: Record<string, string>;
  /** The TriggerAuthentication with its credentials. */
  readonly authenticationRef?: { readonly name: string };
}

/** A trigger and the Secret keys its TriggerAuthentication maps to parameters. */
export interface ResolvedTrigger {
  /** The trigger. */
  readonly trigger: KedaTrigger;
  /** Parameters from Secrets, when it has any. */
  readonly secrets?: TriggerSecrets;
}

interface Spec {
  readonly kedaType: string;
  readonly keys: readonly string[];
  readonly secretParams: readonly string[];
}

const COMMON = ['type', 'name'];
const SPECS: Readonly<Record<ScaleTrigger['type'], Spec>> = {
  'redis-list': { kedaType: 'redis', keys: ['address', 'listName', 'listLength', 'activationListLength', 'databaseIndex', 'passwordFromEnv', 'secrets'], secretParams: ['password', 'username', 'tls', 'ca', 'cert', 'key'] },
  'kafka-lag': { kedaType: 'kafka', keys: ['bootstrapServers', 'consumerGroup', 'topic', 'lagThreshold', 'activationLagThreshold', 'secrets'], secretParams: ['sasl', 'username', 'password', 'tls', 'ca', 'cert', 'key', 'keyPassword'] },
  rabbitmq: { kedaType: 'rabbitmq', keys: ['host', 'queueName', 'mode', 'value', 'activationValue', 'protocol'], secretParams: ['host'] },
  prometheus: { kedaType: 'prometheus', keys: ['serverAddress', 'query', 'threshold', 'activationThreshold', 'secrets'], secretParams: ['bearerToken', 'username', 'password', 'ca', 'cert', 'key'] },
  cron: { kedaType: 'cron', keys: ['timezone', 'start', 'end', 'desiredReplicas'], secretParams: [] },
};

const CRON_FIELDS = /^\S+(\s+\S+){4}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks triggers and returns them as KEDA reads them, each with the credentials of its TriggerAuthentication. */
export function resolveTriggers(ctx: ErrorContext, field: string, triggers: readonly ScaleTrigger[], authName: (trigger: string) => string): ResolvedTrigger[] {
  ctx.check(Array.isArray(triggers) && triggers.length > 0, field, triggers, 'must be a non-empty list of triggers', 'e.g. [{ type: "redis-list", address, listName: "orders" }]');
  const counts = new Map<string, number>();
  for (const t of triggers) counts.set(t?.type, (counts.get(t?.type) ?? 0) + 1);
  const names = new Set<string>();
  return triggers.map((t, i) => {
    const f = `${field}[${i}]`;
    checkObject(ctx, f, t, false);
    const spec = SPECS[t.type];
    if (!spec) throw ctx.error(`${f}.type`, t.type, 'is not a trigger type', `Use one of ${Object.keys(SPECS).map((k) => `"${k}"`).join(', ')}`);
    checkKnownKeys(ctx, f, t, [...COMMON, ...spec.keys]);
    const name = t.name ?? (counts.get(t.type)! > 1 ? `${t.type}-${i}` : t.type);
    ctx.check(isDnsLabel(name), `${f}.name`, name, 'must be a DNS label (lowercase letters, digits and "-")');
    ctx.check(!names.has(name), `${f}.name`, name, 'is the name of another trigger');
    names.add(name);
    const { metadata, secrets } = metadataOf(ctx, f, t);
    if (secrets) {
      checkObject(ctx, `${f}.secrets`, secrets, false);
      checkKnownKeys(ctx, `${f}.secrets`, secrets, spec.secretParams);
      for (const [param, ref] of Object.entries(secrets)) {
        checkObject(ctx, `${f}.secrets.${param}`, ref, false);
        checkKnownKeys(ctx, `${f}.secrets.${param}`, ref, ['secret', 'key']);
        ctx.check(typeof ref.secret === 'string' && ref.secret.length > 0 && typeof ref.key === 'string' && ref.key.length > 0, `${f}.secrets.${param}`, ref, 'must be { secret, key } of an existing Secret');
      }
    }
    const hasSecrets = secrets !== undefined && Object.keys(secrets).length > 0;
    return {
      trigger: { type: spec.kedaType, name, metadata, ...(hasSecrets ? { authenticationRef: { name: authName(name) } } : {}) },
      ...(hasSecrets ? { secrets } : {}),
    };
  });
}

function text(ctx: ErrorContext, field: string, value: unknown, rule = 'must be a non-empty string'): string {
  ctx.check(typeof value === 'string' && value.trim().length > 0, field, value, rule);
  return value as string;
}

function count(ctx: ErrorContext, field: string, value: unknown, min: number): string {
  ctx.check(typeof value === 'number' && Number.isFinite(value) && value >= min, field, value, `must be a number >= ${min}`);
  return String(value);
}

function optional(ctx: ErrorContext, out: Record<string, string>, key: string, field: string, value: unknown, min: number): void {
  if (value !== undefined) out[key] = count(ctx, field, value, min);
}

function metadataOf(ctx: ErrorContext, f: string, t: ScaleTrigger): { metadata: Record<string, string>; secrets?: TriggerSecrets } {
  const m: Record<string, string> = {};
  switch (t.type) {
    case 'redis-list': {
      const address = t.address instanceof ExportedValue ? t.address.literal : t.address;
      ctx.check(typeof address === 'string' && /^[^\s:]+:\d{1,5}$/.test(address), `${f}.address`, address ?? '(a value with Secret parts)', 'must be "host:port"', 'e.g. concat(cache.host, ":6379")');
      m.address = address!;
      m.listName = text(ctx, `${f}.listName`, t.listName);
      m.listLength = count(ctx, `${f}.listLength`, t.listLength ?? 5, 1);
      optional(ctx, m, 'activationListLength', `${f}.activationListLength`, t.activationListLength, 0);
      optional(ctx, m, 'databaseIndex', `${f}.databaseIndex`, t.databaseIndex, 0);
      if (t.passwordFromEnv !== undefined) {
        ctx.check(typeof t.passwordFromEnv === 'string' && ENV_NAME.test(t.passwordFromEnv), `${f}.passwordFromEnv`, t.passwordFromEnv, 'is not an environment variable name');
        if (t.secrets?.password) throw ctx.error(`${f}.passwordFromEnv`, t.passwordFromEnv, `cannot be set together with ${f}.secrets.password`, 'Take the password from one place');
        m.passwordFromEnv = t.passwordFromEnv;
      }
      return { metadata: m, secrets: t.secrets };
    }
    case 'kafka-lag': {
      ctx.check(Array.isArray(t.bootstrapServers) && t.bootstrapServers.length > 0 && t.bootstrapServers.every((s) => typeof s === 'string' && /^[^\s:,]+:\d{1,5}$/.test(s)), `${f}.bootstrapServers`, t.bootstrapServers, 'must be a non-empty list of "host:port"');
      m.bootstrapServers = t.bootstrapServers.join(',');
      m.consumerGroup = text(ctx, `${f}.consumerGroup`, t.consumerGroup);
      if (t.topic !== undefined) m.topic = text(ctx, `${f}.topic`, t.topic);
      m.lagThreshold = count(ctx, `${f}.lagThreshold`, t.lagThreshold ?? 10, 1);
      optional(ctx, m, 'activationLagThreshold', `${f}.activationLagThreshold`, t.activationLagThreshold, 0);
      return { metadata: m, secrets: t.secrets };
    }
    case 'rabbitmq': {
      checkObject(ctx, `${f}.host`, t.host, false);
      const mode = t.mode ?? 'QueueLength';
      ctx.check(mode === 'QueueLength' || mode === 'MessageRate', `${f}.mode`, mode, 'must be "QueueLength" or "MessageRate"');
      const protocol = t.protocol ?? 'auto';
      ctx.check(['auto', 'amqp', 'http'].includes(protocol), `${f}.protocol`, protocol, 'must be "auto", "amqp" or "http"');
      if (mode === 'MessageRate') ctx.check(protocol !== 'amqp', `${f}.mode`, mode, 'needs the management HTTP API, not protocol "amqp"', 'Use protocol "http" with the management URL');
      m.protocol = protocol;
      m.queueName = text(ctx, `${f}.queueName`, t.queueName);
      m.mode = mode;
      m.value = count(ctx, `${f}.value`, t.value, 1);
      optional(ctx, m, 'activationValue', `${f}.activationValue`, t.activationValue, 0);
      return { metadata: m, secrets: { host: t.host } };
    }
    case 'prometheus': {
      m.serverAddress = text(ctx, `${f}.serverAddress`, t.serverAddress);
      ctx.check(/^https?:\/\/[^\s/]+/.test(m.serverAddress), `${f}.serverAddress`, t.serverAddress, 'must be an http(s) URL', 'e.g. "http://prometheus-operated.monitoring.svc:9090"');
      m.query = text(ctx, `${f}.query`, t.query);
      m.threshold = count(ctx, `${f}.threshold`, t.threshold, Number.MIN_VALUE);
      optional(ctx, m, 'activationThreshold', `${f}.activationThreshold`, t.activationThreshold, 0);
      return { metadata: m, secrets: t.secrets };
    }
    case 'cron': {
      m.timezone = text(ctx, `${f}.timezone`, t.timezone, 'must be an IANA time zone, e.g. "Europe/Berlin"');
      for (const key of ['start', 'end'] as const) {
        parseCronSchedule(ctx, `${f}.${key}`, t[key], `${f}.timezone`, t.timezone);
        ctx.check(CRON_FIELDS.test(t[key]), `${f}.${key}`, t[key], 'must have five fields', 'KEDA reads "minute hour day-of-month month day-of-week", no descriptors');
        m[key] = t[key];
      }
      ctx.check(m.start !== m.end, `${f}.end`, t.end, `equals ${f}.start, so the window is empty`);
      m.desiredReplicas = count(ctx, `${f}.desiredReplicas`, t.desiredReplicas, 1);
      return { metadata: m };
    }
  }
}
