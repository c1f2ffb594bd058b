import { App } from 'cdk8s';
import { Construct } from 'constructs';
import * as v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import * as keelson from '../src/index.js';
import { isReportingEveryError } from '../src/index.js';
import * as testing from '../src/testing.js';
import { newStack } from './support/app.js';

/** Construct classes the public API exports unwrapped, and why. */
const EXEMPT: Record<string, string> = {
  Workload: 'abstract base that apps extend; a wrapped base would hand the subclass constructor a stand-in',
  PodWorkload: 'abstract base that apps extend; a wrapped base would hand the subclass constructor a stand-in',
  DeploymentWorkload: 'abstract base that apps extend; a wrapped base would hand the subclass constructor a stand-in',
  Database: 'abstract base of the database engines; a wrapped base would hand the subclass constructor a stand-in',
  KubeObject: 'the L1 escape hatch: its props are compiler-checked cdk8s-plus types and it throws no KeelsonError',
};

/** Every export of `module` that is a class whose prototype chain reaches Construct. */
function constructClasses(module: Record<string, unknown>): string[] {
  return Object.entries(module)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Construct)
    .map(([name]) => name)
    .sort();
}

describe('every public construct reports all its errors', () => {
  const classes = constructClasses(keelson);

  it('finds the construct classes of the public API', () => {
    expect(classes).toEqual(expect.arrayContaining(['Stack', 'WebService', 'Postgres', 'TrainingJob', 'ExternalSecret', ...Object.keys(EXEMPT)]));
    expect(constructClasses(testing)).toEqual([]);
  });

  it('wraps every exported construct class with reportsEveryError, except the exempt ones', () => {
    const unwrapped = classes.filter((name) => !isReportingEveryError((keelson as Record<string, unknown>)[name]));
    expect(unwrapped).toEqual(Object.keys(EXEMPT).sort());
  });

  it('marks a class once it is wrapped, and only then', () => {
    class Probe extends Construct {}
    expect(isReportingEveryError(Probe)).toBe(false);
    expect(isReportingEveryError(keelson.reportsEveryError(Probe))).toBe(true);
    expect(isReportingEveryError({})).toBe(false);
  });

  it('builds its objects with the class itself, so thousands of them share one hidden class', () => {
    v8.setFlagsFromString('--allow-natives-syntax');
    const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
    class Probe extends Construct {
      public readonly seen: unknown;
      constructor(scope: Construct, id: string) {
        super(scope, id);
        this.seen = new.target;
      }
    }
    const Wrapped = keelson.reportsEveryError(Probe);
    const app = new App();
    const [a, b] = [new Wrapped(app, 'a'), new Wrapped(app, 'b')];
    expect(a).toBeInstanceOf(Wrapped);
    expect(a.seen).toBe(Probe);
    expect(haveSameMap(a, b)).toBe(true);
    const stack = newStack();
    const services = ['one', 'two'].map((id) => new keelson.WebService(stack, id, { image: 'acme/api:v1.0.0', port: 8080 }));
    expect(haveSameMap(services[0]!, services[1]!)).toBe(true);
  });
});
