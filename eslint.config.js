// ESLint: rules that catch defects, not a style. Formatting is left as it is. The TypeScript is
// linted with its types (tsconfig.test.json: src/ and test/), so promise and type rules can see
// what a value is; the plain JavaScript (bin/, bench/, testdata/ servers and clients) without.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'bpf/.output/', 'node_modules/', 'tmp/'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },

  // everything: JavaScript's own recommended set (no-fallthrough, no-unreachable, no-dupe-keys,
  // no-constant-binary-expression, ...), all of it Node.js code
  js.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      eqeqeq: 'error',
      // `catch {}` is how a best-effort step says "missing is fine" (bench/run.mjs's old files)
      'no-empty': ['error', { allowEmptyCatch: true }],
      // matching terminal output literally ("GET  200") reads better than " {2}"
      'no-regex-spaces': 'off',
    },
  },

  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        // `_` marks a binding kept for its position: `for (const _ of fields)`, `{ id: _, ...rest }`
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // a type-only import is erased; `typeof import('./m.js')` (load-tui.ts) is the lazy-module
      // type and loads nothing either
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      // a switch over a union that has no default must name every member: a new GapReason or
      // filter kind is then handled everywhere, or the lint says where not
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // [10, 9].sort() is [10, 9]: numbers need a compare function
      '@typescript-eslint/require-array-sort-compare': ['error', { ignoreStringArrays: true }],
      // rethrowing what a catch caught, whatever it is, is fine
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // SQLite rows and parsed JSON are still `any` in a few places (session/exchange-loader.ts,
      // session/session.ts): shown, not failed, until a table's columns are declared once
      '@typescript-eslint/no-explicit-any': 'warn',
      // The no-unsafe-* rules follow each of those `any`s downstream, one report per member read
      // (some 500, nearly all in tests reading JSON output): the `any` itself is what is reported
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  // Terminal output goes through src/cli/terminal.ts, whose writers take only TerminalText
  // (src/render/terminal-text.ts): text that was escaped, or written in our source. Writing to
  // the process's streams anywhere else would let a captured string reach the terminal raw.
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/cli/terminal.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='write'][callee.object.object.name='process'][callee.object.property.name=/^(stdout|stderr)$/]",
          message: 'print through the writers of src/cli/terminal.ts (stdout, stderr): they take TerminalText, so captured text is escaped',
        },
      ],
    },
  },

  // SQL lives in src/session/ (reading a file) and src/record/ (writing one): the views, exports,
  // queries and parsers ask them. (This object repeats the rule above: a later object's options
  // for a rule replace an earlier one's for the files both match.)
  {
    files: ['src/{cli,tui,export,render,query,reconstruct,protocols,model,diff,events,replay}/**/*.{ts,tsx}'],
    ignores: ['src/cli/terminal.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='write'][callee.object.object.name='process'][callee.object.property.name=/^(stdout|stderr)$/]",
          message: 'print through the writers of src/cli/terminal.ts (stdout, stderr): they take TerminalText, so captured text is escaped',
        },
        {
          selector: "CallExpression[callee.property.name=/^(prepare|pragma)$/]",
          message: 'SQL belongs in src/session/ (or src/record/ for writing): add a read there and call it',
        },
      ],
    },
  },

  // React's rules where the React code is: the terminal UI and its tests. (src/cli's useColor()
  // is "should this stream get colour", not a hook.)
  {
    files: ['src/tui/**/*.{ts,tsx}', 'test/tui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },

  {
    files: ['test/**'],
    rules: {
      // fakes implement async interfaces without anything to await
      '@typescript-eslint/require-await': 'off',
      // tests read parsed JSON and SQLite rows loosely; the expectations are the check
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      // harnesses fold the cause's message (or a child's stderr) into their own on purpose
      'preserve-caught-error': 'off',
    },
  },
);
