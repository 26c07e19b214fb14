// Lint rules, including the house dependency table (shared style.md, B.2) enforced by import-x.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const layer = (target, from, message) => ({ target, from, message });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'build/**', 'coverage/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            layer('./src/util', './src/!(util)/**/*', 'util is a leaf'),
            layer('./src/arch', './src/!(util|arch)/**/*', 'arch imports only util'),
            layer('./src/mm', './src/!(util|arch|mm)/**/*', 'mm imports util and arch'),
            layer('./src/policy', './src/!(util|arch|mm|policy)/**/*', 'policy: util, arch, mm'),
            layer('./src/check', './src/!(util|check)/**/*', 'check is generic (R2)'),
            layer(
              './src/workload',
              './src/!(util|arch|mm|policy|workload)/**/*',
              'workload: util, arch, mm, policy',
            ),
            layer(
              './src/paths',
              './src/!(util|arch|mm|policy|check|paths)/**/*',
              'paths: no report/cli',
            ),
            layer(
              './src/trace',
              './src/!(util|arch|mm|policy|workload|trace)/**/*',
              'trace: util, arch, mm, policy, workload (platform-neutral)',
            ),
            layer(
              './src/report',
              './src/!(util|arch|mm|policy|check|paths|workload|trace|report)/**/*',
              'report: no host/cli',
            ),
            layer('./src/!(cli|host)', './src/host/**/*', 'host is Node-only: only cli imports it'),
            layer('./src/host', './src/cli/**/*', 'host must not import cli'),
            layer('./src', './src/cli/**/*', 'cli is a leaf (R5)'),
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*'],
              message: 'core code is platform-neutral (R4); only src/cli may use node:',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/cli/**/*.ts',
      'src/host/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'examples/**/*.ts',
      '*.config.*',
      'web/**/*.ts',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // Node scripts run by npm (build, start-up bench) and test fixtures written as users would.
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs', 'test/**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
    },
  },
);
