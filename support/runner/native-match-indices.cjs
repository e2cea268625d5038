// Every step of every scenario has its arguments read by cucumber-expressions, which takes the offsets of a match's
// groups from regexp-match-indices: a polyfill of the RegExp `d` flag whose feature test (a match of /a/ made
// without the flag) never finds V8's own, so each match pays for a rewritten copy of the expression, run again and
// measured (35 to 45 µs a match, and the expression parsed once by regexp-tree). Node 20 has the flag. This preload
// (`node --require`, which the runner gives cucumber and cucumber's workers inherit) puts in the polyfill's place,
// for cucumber-expressions only, the same function built on the native flag: same match, same `indices`.
// test/native-match-indices.test.ts holds the two equal.
'use strict';
const Module = require('node:module');

/** The copy of each expression with the `d` flag, made once. */
const withIndices = new WeakMap();

/** regexp-match-indices' contract: `regexp.exec(string)` with `indices`, lastIndex read and left as exec does. */
function execWithIndices(regexp, string) {
  let native = withIndices.get(regexp);
  if (native === undefined) {
    native = regexp.hasIndices ? regexp : new RegExp(regexp.source, `${regexp.flags}d`);
    withIndices.set(regexp, native);
  }
  native.lastIndex = regexp.lastIndex;
  const match = native.exec(string);
  regexp.lastIndex = native.lastIndex;
  return match;
}

/** The file cucumber-expressions (as cucumber resolves it) loads for regexp-match-indices. */
function polyfillFile() {
  const fromCucumber = Module.createRequire(require.resolve('@cucumber/cucumber'));
  const fromExpressions = Module.createRequire(fromCucumber.resolve('@cucumber/cucumber-expressions'));
  return fromExpressions.resolve('regexp-match-indices');
}

function install() {
  const file = polyfillFile();
  if (Module._cache[file] !== undefined) return;
  const replacement = new Module(file, module);
  replacement.filename = file;
  replacement.exports = execWithIndices;
  replacement.loaded = true;
  Module._cache[file] = replacement;
}

install();

module.exports = { execWithIndices, polyfillFile };
