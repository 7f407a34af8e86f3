// Bundles the extension (with compiler-core and the debug adapter) and the .wat language server
// with esbuild. binaryen (dynamic import of an ES module) and llvm-bindings (native addon) stay
// external and ship in node_modules. The core finds its package root through __dirname: inside
// the bundle that is the extension root (runtime/build, out/compiler-core/src/compile.js stamp).
const esbuild = require('esbuild');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
const common = {
  bundle: true, platform: 'node', target: 'node18', format: 'cjs', sourcemap: false, minify: true, logLevel: 'warning',
  external: ['vscode', 'binaryen', 'llvm-bindings'],
  define: { __dirname: '__wancoDirname' },
  banner: { js: "var __wancoDirname = require('path').join(__dirname, '..', 'out', 'compiler-core', 'src', 'backend');" },
};
Promise.all([
  esbuild.build({ ...common, entryPoints: [join(root, 'extension/src/extension.ts')], outfile: join(root, 'dist/extension.js') }),
  esbuild.build({ ...common, entryPoints: [join(root, 'extension/server/server.ts')], outfile: join(root, 'dist/server.js') }),
]).then(() => {
  // compileCached keys its cache on this file's mtime: a stamp of this build
  const stamp = join(root, 'out/compiler-core/src/compile.js');
  mkdirSync(join(root, 'out/compiler-core/src'), { recursive: true });
  require('node:fs').existsSync(stamp) || writeFileSync(stamp, '// build stamp\n');
}).catch(() => process.exit(1));
