import type { Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { RULES } from './checks/index.js';
import type { Rule } from './checks/finding.js';
import { KindRegistry, type KindDefinition, type SchemaSource } from './kinds.js';
import type { KeelsonError } from './errors.js';

/** One Kubernetes object as synthesized, with where it came from. */
export interface ManifestObject {
  /** The object as plain JSON. */
  readonly json: Record<string, any>;
  /** Path of the construct that made it. */
  readonly path: string;
  /** File (relative to the stack folder) it is written to. */
  readonly file: string;
}

/** All objects of one Stack (or plain cdk8s Chart), in apply order. */
export interface StackManifest {
  /** Folder under the output directory. */
  readonly dir: string;
  /** The chart. */
  readonly chart: Chart;
  /** Objects in apply order. */
  readonly objects: ManifestObject[];
  /** Other files of the stack folder, path relative to it → text (e.g. `network.md`). @default - none */
  readonly files?: Readonly<Record<string, string>>;
}

/** What a {@link SynthExtension} reports for one stack. */
export interface StackFindings {
  /** Problems found in the output. @default - none */
  readonly errors?: readonly KeelsonError[];
  /** Files for the stack folder, path relative to it → text. @default - none */
  readonly files?: Readonly<Record<string, string>>;
}

/**
 * Work an area adds to every synth, for objects and checks that depend on the whole tree
 * (the network area's policies, checks and `network.md`). Core calls it without knowing
 * the area: the composition root (`synth`, `runApp`, `keelson/testing`) passes the default
 * extensions. Per-synth state belongs in the context ({@link SynthContext.state}), never
 * in the extension or its module.
 */
export interface SynthExtension {
  /** Name, for messages. */
  readonly name: string;
  /**
   * Kind definitions the area adds to every synth's registry (they replace built-in
   * definitions of their kind, e.g. to add content checks); `keelson check` reads them too.
   * @default - none
   */
  readonly kinds?: readonly KindDefinition[];
  /**
   * The rules the area's checks report by id (e.g. the mesh's reference rules), so that
   * waivers can name them. Rules of its kinds' `inspect` come with the kinds.
   * @default - none
   */
  readonly rules?: readonly Rule[];
  /**
   * Runs when the walk first reaches `chart`, before it visits the chart's children: the place
   * to create objects derived from every construct. Runs in every synth, and objects it creates
   * stay in the tree, so it creates them only once.
   * @default - nothing to prepare
   */
  prepareStack?(context: SynthContext, chart: Chart): void;
  /**
   * Runs after the walk with the objects of `stack` (every stack of the synth is in
   * `context.manifests`): checks the output and adds files to the stack folder.
   * @default - nothing to check
   */
  finishStack?(context: SynthContext, stack: StackManifest): StackFindings;
}

/** A typed place in a {@link SynthContext} for state an extension builds once per synth. */
export class ContextSlot<T> {
  constructor(
    /** Name, for debugging. */
    public readonly name: string,
    /** Builds the state the first time a synth asks for it. */
    public readonly create: (context: SynthContext) => T,
  ) {}
}

/**
 * Everything one synth needs, created per synth and passed down: the tree, the extensions,
 * the stacks once collected, and each extension's state. Nothing of a synth outlives it, so
 * two apps synthesized in one process never see each other.
 */
export class SynthContext {
  private registry?: KindRegistry;
  private collected?: readonly StackManifest[];
  private readonly slots = new Map<ContextSlot<unknown>, unknown>();

  constructor(
    /** The construct being synthesized: an App, or a Stack for in-memory synths. */
    public readonly root: IConstruct,
    /** The extensions that run in this synth, in order. */
    public readonly extensions: readonly SynthExtension[],
    /** Validators of kinds whose definitions carry none (the generated CRD validators). @default - none */
    private readonly schemas?: SchemaSource,
  ) {}

  /** The kinds of this synth: the built-ins and those the tree registers (built on first use). */
  public get kinds(): KindRegistry {
    this.registry ??= KindRegistry.forTree(this.root, this.schemas, this.extensions.flatMap((e) => e.kinds ?? []));
    return this.registry;
  }

  /** Every rule this synth knows: the built-in checks, the extensions' and those of its kinds. */
  public get rules(): readonly Rule[] {
    return [...RULES, ...this.extensions.flatMap((e) => e.rules ?? []), ...this.kinds.rules];
  }

  /** Every stack of the synth, in folder order; set once the walk is done. */
  public get manifests(): readonly StackManifest[] {
    if (!this.collected) throw new Error('the stacks of this synth are not collected yet: read manifests in finishStack, not in prepareStack');
    return this.collected;
  }

  /** Records the collected stacks (called by the walk, before the extensions' `finishStack`). */
  public setManifests(manifests: readonly StackManifest[]): void {
    this.collected = manifests;
  }

  /**
   * Drops the extensions' state once every stack is finished (called by the walk): what they
   * derived for it (indexes of pods, connections, constructs by path) is read by nothing later,
   * and the checks and files that follow need the memory more. A slot asked for again is rebuilt.
   */
  public releaseState(): void {
    this.slots.clear();
  }

  /** The state of `slot` in this synth, built on first use. */
  public state<T>(slot: ContextSlot<T>): T {
    if (!this.slots.has(slot)) this.slots.set(slot, slot.create(this));
    return this.slots.get(slot) as T;
  }
}
