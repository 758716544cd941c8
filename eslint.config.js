import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'coverage/', 'node_modules/', 'test-artifacts/', 'tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // One error path: a failure is answered or logged where it is met, never dropped.
    files: ['src/**'],
    rules: {
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='catch'] > ArrowFunctionExpression[params.length=0]",
          message: 'A .catch that ignores the error drops a failure: log it (FailureSink.noted) or let it through.',
        },
      ],
    },
  },
  {
    // The layers (docs/architecture.md). The domain (bookings/, cards/) imports no SDK and nothing of the outer
    // folders: a port to another bot SDK or Graph client leaves it as it is.
    files: ['src/bookings/**', 'src/cards/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['botbuilder*', 'botframework-*', '@azure/*', '@microsoft/*', 'restify'], message: 'The domain imports no SDK.' },
            { group: ['../*/**', '!../bookings/**'], message: 'The domain imports nothing outside bookings/ and cards/ (cards/ may import bookings/).' },
          ],
        },
      ],
    },
  },
  {
    // botbuilder stays at the edge: bot/ (activities, cards in and out) and storage/ (botbuilder's Storage contract).
    files: ['src/**'],
    ignores: ['src/bot/**', 'src/storage/**', 'src/bookings/**', 'src/cards/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['botbuilder*', 'botframework-*'], message: 'Only bot/ and storage/ import botbuilder.' }] }] },
  },
  {
    // The entry point loads the local Graph in local mode only (a dynamic import): production never carries it.
    files: ['src/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['botbuilder*', 'botframework-*'], message: 'Only bot/ and storage/ import botbuilder.' },
            { group: ['./local-graph/*'], allowTypeImports: true, message: 'Import the local Graph dynamically, in local mode only.' },
          ],
        },
      ],
    },
  },
  {
    // The local Graph stands in for Microsoft's side of the network: it shares no code with the client it tests.
    files: ['src/local-graph/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*/**', '!../local-graph/**'], message: 'The local Graph imports nothing of the bot.' }, { group: ['botbuilder*', 'botframework-*', '@azure/*', '@microsoft/*'], message: 'The local Graph imports no client SDK.' }] },
      ],
    },
  },
  {
    // Vitest's asymmetric matchers (expect.stringContaining, ...) are typed any.
    files: ['test/**'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  { files: ['**/*.js', 'scripts/*.mjs', 'bench/*.mjs'], ...tseslint.configs.disableTypeChecked, languageOptions: { globals: globals.node } },
);
