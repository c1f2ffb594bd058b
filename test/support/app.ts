import { App } from 'cdk8s';
import { Stack, type EnvironmentProfile } from '../../src/index.js';
import { production } from '../../presets/index.js';

/** A fresh app with one stack named `shop` in `env` (production by default). */
export function newStack(env: EnvironmentProfile = production, id = 'shop'): Stack {
  return new Stack(new App(), id, { env });
}
