import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'coverage/', 'node_modules/', 'test-artifacts/', 'tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs', 'bench/*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // Domain code must not depend on the bot framework, the HTTP server or the Graph SDK (see shared/architecture.md).
    files: ['src/bookings/**', 'src/cards/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['botbuilder*', 'restify', '@microsoft/microsoft-graph-client', '../bot/*', '../graph/*', '../server/*'] }],
    },
  },
  {
    // Vitest's asymmetric matchers (expect.stringContaining, ...) are typed any.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  { files: ['**/*.js', 'scripts/*.mjs', 'bench/*.mjs'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: globals.node } },
);
