/** The resource presets, as data for users picking a size; the vocabulary itself lives in core. */
export { SIZES, SIZE_NAMES, type SizeName } from '../src/core/sizes.js';
