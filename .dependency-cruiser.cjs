/**
 * The layer rules of DESIGN.md, checked by test/layers.test.ts: no cycles, src/core imports
 * nothing above it, presets are data about the vocabulary (src never imports them), and
 * areas import only areas below them.
 *
 * Area order, lowest first: an area may import core and the areas before it in this list.
 * Workloads sit above network, scaling, observability and mesh because their methods
 * (`allowFrom`, `autoscale`, `metrics`, `canary`) build those areas' objects; databases,
 * ML and the platform compose workloads.
 */
const AREAS = ['imports', 'network', 'scaling', 'observability', 'mesh', 'workloads', 'data', 'ml', 'platform', 'cli'];

const areaRules = AREAS.map((area, i) => {
  const above = AREAS.slice(i + 1);
  return {
    name: `${area}-imports-only-below`,
    comment: `src/${area} may import src/core and ${AREAS.slice(0, i).map((a) => `src/${a}`).join(', ') || 'nothing else'}; never an area above it`,
    severity: 'error',
    from: { path: `^src/${area}/` },
    to: { path: above.length ? `^src/(${above.join('|')})/` : '^$' },
  };
}).filter((rule) => rule.to.path !== '^$');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Modules that need each other cannot be layered (type-only imports count too: records in core name no type above them)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core',
      comment: 'src/core is the vocabulary every area builds on: it records what areas need as data and never imports them',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'src-never-imports-presets',
      comment: 'presets/ is data about the vocabulary in src/core (sizes, environments); the library never depends on it',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^presets/' },
    },
    ...areaRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|lib|dist)/' },
    tsPreCompilationDeps: true,
  },
};
