import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

export default ts.config(
  {
    ignores: [
      'build/',
      'dist-cli/',
      '.tmp/',
      '.svelte-kit/',
      'node_modules/',
      'src/lib/firmware/drivers/generated.ts',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  { languageOptions: { globals: { ...globals.browser, ...globals.node } } },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, svelteConfig, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The firmware core runs in the worker, in Node and in tests alike: no DOM, Node or Svelte.
    files: ['src/lib/firmware/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test-*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'path',
            'svelte',
            'svelte/*',
            '$app/*',
            'comlink',
            'idb-keyval',
          ],
        },
      ],
    },
  },
  {
    // Outside the core, the firmware code is reached through its entry point only
    // (src/lib/firmware/index.ts); its modules stay internal. Tests may reach in.
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    ignores: ['src/lib/firmware/**', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['$lib/firmware/*', '**/lib/firmware/*'],
              message:
                'Import the firmware core from its entry point ($lib/firmware), not its modules.',
            },
          ],
        },
      ],
    },
  },
);
