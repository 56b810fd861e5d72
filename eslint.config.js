// ESLint flat config: recommended rules plus strict equality, plain ES modules.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['node_modules/', 'target/', 'dist/', 'extension/lib/wasm/', 'tests/wasm/pkg/', 'crate/fuzz/'] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.browser } },
    rules: { eqeqeq: ['error', 'always'], 'no-eval': 'error', 'no-implied-eval': 'error', 'no-new-func': 'error' },
  },
  {
    // The page hook shares the page's JavaScript world: after its prelude it
    // calls only natives captured at document_start (extension/page/hook.page.js).
    files: ['extension/page/**/*.js'],
    languageOptions: { sourceType: 'script' },
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'CallExpression[callee.type="MemberExpression"]', message: 'Call a primordial captured in the prelude: call(Native, self, ...args).' },
        { selector: 'NewExpression[callee.type="MemberExpression"]', message: 'Construct with a constructor captured in the prelude.' },
        { selector: 'TaggedTemplateExpression', message: 'A tag is a call: use a captured primordial.' },
        { selector: 'ForOfStatement', message: 'for…of uses the page-patchable iterator protocol: loop over indices.' },
        { selector: 'ForInStatement', message: 'for…in walks the page-patchable prototype chain.' },
        { selector: 'SpreadElement', message: 'Spread uses the page-patchable iterator protocol.' },
        { selector: 'ArrayPattern', message: 'Array destructuring uses the page-patchable iterator protocol.' },
        { selector: 'AwaitExpression', message: 'await looks up `constructor`/`then` on page-reachable objects: use settle().' },
        { selector: 'BinaryExpression[operator="instanceof"]', message: 'instanceof runs a page-patchable Symbol.hasInstance: brand-check with a captured getter.' },
        { selector: 'MemberExpression[property.name=/^(files|items|types|dataTransfer|clipboardData|target|data|ports|kind|isFile|isDirectory|webkitRelativePath|form|submitter|type|mode|readyState)$/]', message: 'Read a page object through a getter captured in the prelude.' },
      ],
      'no-restricted-globals': ['error', ...['Object', 'Reflect', 'Array', 'Map', 'WeakMap', 'Set', 'WeakSet', 'Promise', 'Symbol',
        'Function', 'String', 'JSON', 'DataTransfer', 'File', 'FileList', 'Blob', 'Event', 'DragEvent', 'ClipboardEvent',
        'MessageEvent', 'MessagePort', 'DOMException', 'HTMLInputElement', 'HTMLFormElement', 'EventTarget', 'Element',
        'Document', 'ShadowRoot', 'console', 'setTimeout', 'globalThis', 'document'].map((name) => ({ name, message: 'Use the primordial captured in the prelude.' }))],
    },
  },
  // Import directions between the trust tiers (docs/ARCHITECTURE.md): the page
  // hook and the content script are classic scripts that import nothing; lib/
  // knows no tier; the background never loads extension-page UI code.
  { files: ['extension/content/**/*.js'], languageOptions: { sourceType: 'script' } },
  {
    files: ['extension/lib/**/*.js'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*'], message: 'lib/ imports only lib/.' }] }] },
  },
  {
    files: ['extension/background/**/*.js'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../ui/*'], message: 'The background never imports ui/.' }] }] },
  },
  {
    files: ['tests/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { ...globals.node } },
  },
];
