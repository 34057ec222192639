import js from '@eslint/js'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import ts from 'typescript-eslint'

export default ts.config(
  { ignores: ['**/dist/', '**/dev-dist/', '**/node_modules/', '.data/', 'test-results/', 'playwright-report/', 'bench-results/', 'packages/core/src/**/pb/*.ts'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error'
    }
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'] } }
  },
  {
    // components reach core and libp2p only through src/lib (type-only imports too, which the import-graph check cannot see in .svelte files)
    files: ['apps/web/src/components/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@peerlink/core', '@peerlink/core/*', 'libp2p', 'libp2p/*', '@libp2p/*'], message: 'Components use core and libp2p only through apps/web/src/lib.' }] }]
    }
  },
  {
    // scripts, tests and tools may print
    files: ['scripts/**', 'e2e/**', 'bench/**', '**/test/**', 'relay/src/main.ts', 'apps/web/scripts/**'],
    rules: { 'no-console': 'off' }
  }
)
