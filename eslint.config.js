// Lint: TypeScript rules everywhere, and a fence around workflows/ so that workflow code stays
// deterministic: no Node built-ins, no database, mail or XML libraries, activities by type only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/', 'prisma/generated/', '.sev/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', AbortController: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins (do I/O in an activity).' })),
          patterns: [
            { group: ['@prisma/*', 'prisma', '**/prisma/**', 'pg'], message: 'No database access in workflows: use an activity.' },
            { group: ['nodemailer', 'imapflow', 'mailparser'], message: 'No mail libraries in workflows: use an activity.' },
            { group: ['xmlbuilder2', 'saxes'], message: 'No XML in workflows: passports are built and parsed in activities.' },
            { group: ['**/codec', '**/codec/**'], allowTypeImports: true, message: 'Workflows may use the codec types only; XML is built and parsed in activities.' },
            { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflows use @temporalio/workflow only.' },
            { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Workflows import activities by type only (proxyActivities<typeof ...>).' },
            { group: ['**/workers/**', '**/stack/**'], message: 'Workflows must not import process-level code.' },
          ],
        },
      ],
    },
  },
);
