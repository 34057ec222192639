/**
 * The architecture's import rules, checked by `pnpm lint` (dependency-cruiser).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'Modules form no import cycle (type-only imports included).',
      severity: 'error',
      from: {},
      to: { circular: true }
    },
    {
      name: 'components-without-core',
      comment: 'Svelte components reach core and libp2p only through apps/web/src/lib (type-only imports in .svelte files, which the Svelte compiler drops before this check, are caught by eslint: no-restricted-imports).',
      severity: 'error',
      from: { path: '^apps/web/src/components/' },
      to: { path: ['^packages/core/', '(^|/)node_modules/(libp2p|@libp2p/)', '^@peerlink/core$', '^(libp2p|@libp2p/)'] }
    },
    {
      name: 'app-core-through-seams',
      comment: "The app's models reach core and libp2p through one seam per concern: apps/web/src/lib/<concern>/<concern>-api.ts.",
      severity: 'error',
      from: { path: '^apps/web/src/lib/', pathNot: '^apps/web/src/lib/([^/]+)/\\1-api\\.ts$' },
      to: { path: ['^packages/core/', '(^|/)node_modules/(libp2p|@libp2p/)', '^@peerlink/core$', '^(libp2p|@libp2p/)'] }
    },
    {
      name: 'protocols-without-peer',
      comment: 'Protocol folders take their libp2p components as narrow types; they never import the assembled peer.',
      severity: 'error',
      from: { path: '^packages/core/src/(rooms|dm|files|calls)/' },
      to: { path: '^packages/core/src/peer/' }
    },
    {
      name: 'protocols-through-index',
      comment: "Core's folders use a protocol folder (rooms, dm, files, calls) only through its index.ts.",
      severity: 'error',
      from: { path: '^packages/core/src/([^/]+)/' },
      to: { path: '^packages/core/src/(rooms|dm|files|calls)/', pathNot: ['^packages/core/src/$1/', '^packages/core/src/(rooms|dm|files|calls)/index\\.ts$'] }
    },
    {
      name: 'core-without-app',
      comment: 'Core never imports the app.',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: '^apps/' }
    },
    {
      name: 'relay-through-core-entry',
      comment: "The relay uses core only through the @peerlink/core package entry, never its internals.",
      severity: 'error',
      from: { path: '^relay/src/' },
      to: { path: '^packages/core/', pathNot: '^packages/core/dist/index\\.(js|d\\.ts)$' }
    }
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^packages/core/dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      mainFields: ['module', 'main', 'types']
    }
  }
}
