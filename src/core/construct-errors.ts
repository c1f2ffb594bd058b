import { Construct, type IConstruct } from 'constructs';
import { KeelsonError, KeelsonErrors } from './errors.js';

/**
 * Every construct error of one build, reported at once.
 *
 * A construct checks its props when it is created and throws the first error it finds. In
 * an app built by `runApp`, the public construct classes (wrapped with
 * {@link reportsEveryError}) record that error instead, take the half-built construct out of
 * the tree, and hand the app a stand-in, so the app goes on and the next bad construct is
 * reported too. Using the stand-in (`api.url`, `db.allowFrom(api)`) stops the build: what
 * follows depends on a construct that does not exist.
 */
export class ConstructErrors {
  private static readonly KEY = 'keelson:construct-errors';

  /** Makes the public constructs under `app` record their errors here; call before anything is added to `app`. */
  public static attach(app: IConstruct): ConstructErrors {
    const collector = new ConstructErrors();
    app.node.setContext(ConstructErrors.KEY, collector);
    return collector;
  }

  /** The collector of the app `scope` belongs to, if it has one. */
  public static of(scope: IConstruct): ConstructErrors | undefined {
    const found = scope.node.tryGetContext(ConstructErrors.KEY);
    return found instanceof ConstructErrors ? found : undefined;
  }

  /** The errors recorded so far, in the order the constructs were created. */
  public readonly errors: KeelsonError[] = [];

  private constructor() {}
}

/** Thrown when an app uses the stand-in of a construct whose creation failed. */
export class FailedConstructUsed extends Error {
  constructor(public readonly path: string) {
    super(`${path} failed to build (see the errors above), and the app goes on to use it; fix those errors first`);
    this.name = 'FailedConstructUsed';
  }
}

const WRAPPED = Symbol('keelson.reportsEveryError');

/** True when `cls` was wrapped with {@link reportsEveryError} (or extends a class that was). */
export function isReportingEveryError(cls: unknown): boolean {
  return typeof cls === 'function' && (cls as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}

/**
 * Wraps a public construct class so that, in an app with a {@link ConstructErrors} collector,
 * a {@link KeelsonError} thrown while constructing is recorded rather than thrown. Anywhere
 * else (plain `new App()`, tests) the class behaves exactly as `cls`: `instanceof`, statics
 * and subclassing are forwarded.
 */
export function reportsEveryError<T extends abstract new (...args: any[]) => any>(cls: T): T {
  const wrapped: T = new Proxy(cls, {
    get(target, property, receiver) {
      return property === WRAPPED ? true : Reflect.get(target, property, receiver);
    },
    construct(target, args, newTarget) {
      // `new Wrapped()` builds with the class itself as new.target: an object built for a
      // Proxy new.target gets a hidden class of its own in V8, which costs kilobytes per
      // construct in an app of thousands. A subclass stays the new.target it is.
      const constructor = newTarget === wrapped ? target : newTarget;
      const [scope, id] = args as [unknown, unknown];
      const collector = Construct.isConstruct(scope) ? ConstructErrors.of(scope) : undefined;
      if (!collector) return Reflect.construct(target, args, constructor);
      try {
        return Reflect.construct(target, args, constructor);
      } catch (e) {
        if (!(e instanceof KeelsonError || e instanceof KeelsonErrors)) throw e;
        collector.errors.push(...(e instanceof KeelsonErrors ? e.errors : [e]));
        const construct = scope as Construct;
        construct.node.tryRemoveChild(String(id));
        return standIn(construct.node.path ? `${construct.node.path}/${String(id)}` : String(id), newTarget.prototype);
      }
    },
  });
  return wrapped;
}

/** An object of the failed construct's class whose every property throws {@link FailedConstructUsed}. */
function standIn(path: string, prototype: object): object {
  return new Proxy(Object.create(prototype), {
    get(_target, property) {
      if (typeof property === 'symbol') return undefined;
      throw new FailedConstructUsed(path);
    },
    set() {
      throw new FailedConstructUsed(path);
    },
  });
}
