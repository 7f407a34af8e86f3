/**
 * The dependency rule between our packages, read from the import/export/require/import() statements
 * of every .ts file (parsed with the TypeScript compiler, so `typeof import('…')` and dynamic imports
 * count too):
 *
 *   compiler-core   imports nothing of ours
 *   debug-adapter   compiler-core
 *   extension       debug-adapter, compiler-core
 *   cli             compiler-core, debug-adapter
 *   bench           compiler-core, test/ (the corpus recipes; bench is a tool, not product code)
 *   test/           (the system tests and fuzzers of the whole product) any of the above
 *
 * Entry points: from outside compiler-core, only compiler-core/src/index; from outside the debug
 * adapter, only debug-adapter/src/index (the inline session), debug-adapter/src/main (the stdio
 * entry) or debug-adapter/src/watLines (.wat lines, for the language server); from outside the CLI, only cli/src/main. Tests: a file under a package's test/ folder may
 * import anything of its own package (internals included), what its package may import (through the
 * entry points), and the top-level test/ helpers; the top-level test/ may import compiler-core's
 * internals (it fuzzes the decoder, the zstd decoder, the back end). Product code (anything not under
 * a test/ folder, bench/ excepted) imports no test code: the spec harness (compiler-core/test/spec-harness) stays out
 * of the shipped core.
 */
import * as assert from 'assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';
import { packageRoot } from '../compiler-core/src/index';

const ROOT = packageRoot();

type Pkg = 'compiler-core' | 'debug-adapter' | 'extension' | 'cli' | 'bench' | 'test';
const PACKAGES: Pkg[] = ['compiler-core', 'debug-adapter', 'extension', 'cli', 'bench', 'test'];

/** What each package may import besides itself. */
const ALLOWED: Record<Pkg, Pkg[]> = {
  'compiler-core': [],
  'debug-adapter': ['compiler-core'],
  extension: ['debug-adapter', 'compiler-core'],
  cli: ['compiler-core', 'debug-adapter'],
  bench: ['compiler-core', 'test'],
  test: ['compiler-core', 'debug-adapter', 'extension', 'cli'],
};

/** The files other packages may import (repository paths without extension); a package not listed: any file. */
const ENTRIES: Partial<Record<Pkg, string[]>> = {
  'compiler-core': ['compiler-core/src/index'],
  'debug-adapter': ['debug-adapter/src/index', 'debug-adapter/src/main', 'debug-adapter/src/watLines'],
  cli: ['cli/src/main'],
};

/**
 * Imports that break the rule for a stated reason, as "file -> import". The test fails when one is
 * no longer there, so the list cannot go stale.
 */
/** Imports that break the rule on purpose, each with its reason (none today). */
const EXCEPTIONS = new Map<string, string>([]);

export interface ImportUse { file: string; specifier: string; target: string }

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file names: import/export from, import x = require(), require(), import(), typeof import(). */
export function specifiers(text: string, fileName = 'x.ts'): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const literal = (n: ts.Node | undefined) => { if (n && ts.isStringLiteralLike(n)) found.push(n.text); };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) literal(n.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) literal(n.moduleReference.expression);
    else if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword
      || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) literal(n.arguments[0]);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) literal(n.argument.literal);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

function packageOf(path: string): Pkg | undefined {
  const first = path.split('/')[0];
  return (PACKAGES as string[]).includes(first) ? first as Pkg : undefined;
}

const isTestFile = (path: string) => path.startsWith('test/') || path.split('/').includes('test');

/** Our imports (relative specifiers) of every .ts file of the packages, as repository paths. */
function ourImports(): ImportUse[] {
  const uses: ImportUse[] = [];
  for (const pkg of PACKAGES) {
    for (const abs of tsFiles(join(ROOT, pkg))) {
      const file = relative(ROOT, abs);
      for (const specifier of specifiers(readFileSync(abs, 'utf8'), abs)) {
        if (!specifier.startsWith('.')) continue;
        const target = relative(ROOT, resolve(dirname(abs), specifier)).replace(/\.(js|ts)$/, '');
        uses.push({ file, specifier, target });
      }
    }
  }
  return uses;
}

/** Why an import breaks the rule, or undefined when it does not. */
export function violation(file: string, target: string): string | undefined {
  const from = packageOf(file);
  if (!from) return `${file} is in no package`;
  if (target.startsWith('..')) return 'imports a file outside the repository';
  const to = packageOf(target);
  const test = isTestFile(file);
  const product = !test && from !== 'bench';
  if (!to) return product ? `product code imports ${target}, which is in none of our packages` : undefined;
  if (product && isTestFile(target)) return 'product code imports test code';
  if (to === from) return undefined;
  if (test && to === 'test') return undefined; // a package's tests may use the shared test helpers
  if (!ALLOWED[from].includes(to)) return `${from} may not import ${to} (allowed: ${ALLOWED[from].join(', ') || 'nothing of ours'})`;
  if (from === 'test' && to === 'compiler-core') return undefined; // the system tests and fuzzers test internals
  const entries = ENTRIES[to];
  if (entries && !entries.includes(target)) return `${to} is imported through ${entries.join(' or ')} only`;
  return undefined;
}

describe('architecture: the dependency rule between packages', () => {
  const uses = ourImports();

  it('finds the files and imports of every package', () => {
    for (const pkg of PACKAGES) {
      const n = uses.filter((u) => u.file.startsWith(`${pkg}/`)).length;
      assert.ok(n > 0, `no imports of ours found in ${pkg}/: the scan is broken`);
    }
    assert.deepStrictEqual(specifiers([
      "import a from './a'; import type { B } from './b'; export { c } from './c'; export * from './d';",
      "import e = require('./e'); const f = require('./f'); const g = await import('./g');",
      "type H = typeof import('./h'); // require('./comment')",
    ].join('\n')), ['./a', './b', './c', './d', './e', './f', './g', './h']);
  });

  it('holds for every import (compiler-core imports nothing of ours; others use its index)', () => {
    const bad: string[] = [];
    const seen = new Set<string>();
    for (const u of uses) {
      const why = violation(u.file, u.target);
      if (!why) continue;
      const key = `${u.file} -> ${u.target}`;
      if (EXCEPTIONS.has(key)) { seen.add(key); continue; }
      bad.push(`${u.file}: import '${u.specifier}' (${u.target}): ${why}`);
    }
    for (const key of EXCEPTIONS.keys()) {
      if (!seen.has(key)) bad.push(`exception no longer needed, remove it from EXCEPTIONS: ${key}`);
    }
    assert.deepStrictEqual(bad, [], `imports that break the rule:\n  ${bad.join('\n  ')}`);
  });

  it('rejects what it should (the rule itself)', () => {
    assert.match(violation('compiler-core/src/compile.ts', 'debug-adapter/src/index') ?? '', /may not import debug-adapter/);
    assert.match(violation('debug-adapter/src/session.ts', 'cli/src/main') ?? '', /may not import cli/);
    assert.match(violation('debug-adapter/src/session.ts', 'compiler-core/src/driver/cache') ?? '', /through compiler-core\/src\/index only/);
    assert.match(violation('debug-adapter/test/dapStdio.ts', 'cli/src/main') ?? '', /may not import cli/);
    assert.match(violation('extension/src/extension.ts', 'debug-adapter/src/session') ?? '', /through debug-adapter\/src\/index or/);
    assert.match(violation('compiler-core/src/compile.ts', 'compiler-core/test/spec-harness/exec') ?? '', /product code imports test code/);
    assert.match(violation('extension/test/remote.test.ts', 'compiler-core/src/driver/ssh') ?? '', /through compiler-core\/src\/index only/);
    assert.strictEqual(violation('compiler-core/test/spec/spec.test.ts', 'compiler-core/test/spec-harness/runner'), undefined);
    assert.strictEqual(violation('cli/src/main.ts', 'debug-adapter/src/main'), undefined);
    assert.strictEqual(violation('test/fuzz/modules-check.ts', 'compiler-core/src/wasm/decoder'), undefined);
    assert.strictEqual(violation('extension/test/remote.test.ts', 'test/helpers/oracle'), undefined);
  });
});
