// Lint rules, including the architecture's import boundaries: entry points → api | worker → data,
// domain, config; the domain does no I/O; the API and the worker never import each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const boundary = (files, patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'coverage/', 'client/dist/', 'client/src/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The dashboard's scripts run in the browser.
    files: ['src/ui/static/**/*.js'],
    languageOptions: {
      globals: {
        document: 'readonly',
        location: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        URLSearchParams: 'readonly',
        FormData: 'readonly',
        navigator: 'readonly',
      },
    },
  },
  boundary(
    ['src/domain/**'],
    [
      {
        group: ['node:fs', 'node:net', 'node:http', 'node:child_process', 'pg', 'fastify', 'pino'],
        message: 'Domain code does no I/O.',
      },
      { group: ['../*', '!../domain/*'], message: 'Domain code depends on nothing else in the service.' },
    ],
  ),
  boundary(
    ['src/data/**'],
    [
      {
        group: ['../api/*', '../worker/*', '../entry/*', 'fastify'],
        message: 'The data layer serves the API and worker; it does not know them.',
      },
    ],
  ),
  boundary(
    ['src/config/**'],
    [
      {
        group: ['../api/*', '../worker/*', '../entry/*', '../data/*'],
        message: 'Configuration is parsed before anything else exists.',
      },
    ],
  ),
  boundary(
    ['src/api/**'],
    [
      {
        group: ['../worker/*', '../../worker/*', '../entry/*', '../../entry/*'],
        message: 'The API and the worker never import each other.',
      },
    ],
  ),
  boundary(
    ['src/worker/**'],
    [
      {
        group: ['../api/*', '../entry/*', 'fastify'],
        message: 'The API and the worker never import each other.',
      },
    ],
  ),
);
