export * from './environments.js';
export * from './sizes.js';
export * from './stacks/shop.js';
export { defineEnvironment } from '../src/core/environment.js';
export * from './stacks/payments.js';
