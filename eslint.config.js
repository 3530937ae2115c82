// Lint, with the architecture's layer rules as errors (run with --max-warnings 0).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'url', 'worker_threads', 'process', 'module', 'vm', 'dgram', 'tls', 'stream', 'util', 'events', 'buffer'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'tests/e2e/.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
      // A focused test silently skips the rest of the suite; never let one land.
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name=/^(it|test|describe|suite)$/][property.name='only']",
          message: 'No .only in committed tests.',
        },
      ],
    },
  },
  {
    // Production code must never import test-only stand-ins (the fake safeStorage, the lab).
    files: ['src-main/**', 'src-preload/**', 'src-renderer/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/tests/**'], message: 'Production code must not import from tests/.' }] }],
    },
  },
  {
    // The renderer is a sandboxed web page: no Electron, no Node, no main-process code. It
    // reaches main only through window.tsunagu (types from src-preload/api).
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer must not import electron; use window.tsunagu.' }, ...NODE_BUILTINS.map((name) => ({ name, message: 'The renderer must not import Node modules.' }))],
          patterns: [
            { group: ['node:*'], message: 'The renderer must not import Node modules.' },
            { group: ['**/src-main/**', '**/tests/**'], message: 'The renderer reaches main only through the bridge.' },
            { group: ['**/src-preload/index*'], message: 'Import the API type from src-preload/api, never the preload itself.' },
          ],
        },
      ],
    },
  },
  {
    // The bridge contract is loaded by main, preload and page alike: it may import zod only.
    files: ['src-preload/contract.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!zod$)', message: 'The contract imports nothing but zod.' }] }],
    },
  },
  {
    // Shared by page and main; must stay dependency-free so the page bundle stays small.
    files: ['src-preload/language.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '.', message: 'language.ts imports nothing.' }] }] },
  },
  {
    // The API builder is shared with the e2e harness: it must not touch electron either.
    files: ['src-preload/api.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!zod$|\\./contract$)', message: 'api.ts builds on the contract only.' }] }],
    },
  },
);
