import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The direction of imports between src/ folders (README.md's layout table): each rule names who may
// import a folder; a violation fails lint, so a change cannot quietly undo the layering.
// `through` matches a relative import that goes through a folder of one of those names.
const through = (names) => `^\\.\\.?/(.*/)?(${names.join('|')})(/|$)`;
const restrictions = [
  { forbid: ['cli'], except: ['cli'], message: 'only src/cli imports src/cli' },
  { forbid: ['lab'], except: ['cli', 'vmlab', 'lab'], message: 'src/lab is imported only by src/cli, src/vmlab, bench and tests' },
  { forbid: ['ha', 'daemon', 'cli'], only: ['store'], message: 'src/store knows nothing of HA, the daemon or the CLI' },
  { regex: '^\\.\\./', only: ['native'], message: 'src/native imports nothing above it (its types fit src/watchdog by shape)' },
];
const srcFolders = ['cli', 'daemon', 'diag', 'lab', 'metrics', 'native', 'qdevice', 'quorum', 'setup', 'store', 'util', 'vmlab', 'watchdog'];
const layering = srcFolders.map((name) => {
  const patterns = restrictions
    .filter((r) => (r.only ? r.only.includes(name) : !r.except.includes(name)))
    .map((r) => ({ regex: r.regex ?? through(r.forbid), message: r.message }));
  return { files: [`src/${name}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
});
// src/ha is pure: besides itself it sees only the membership types and src/util.
const haOnly = (up) => ({
  regex: `^${up.replaceAll('.', '\\.')}(?!util/|quorum/types$)`,
  message: 'src/ha imports only src/quorum/types and src/util',
});
const haPurity = [
  { files: ['src/ha/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [haOnly('../')] }] } },
  { files: ['src/ha/*/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [haOnly('../../')] }] } },
];

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'vagrant/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...layering,
  ...haPurity,
);
