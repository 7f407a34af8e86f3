// Bundles the extension (with compiler-core and the debug adapter) and the .wat language server
// with esbuild. binaryen (dynamic import of an ES module) and @vscode/dwarf-debugging (it starts
// its worker.js, which loads SymbolsBackend.wasm, from its own folder) stay external and ship in
// node_modules (.vscodeignore). The core finds the package root itself (compiler-core/src/
// package-root.ts: the folder above dist/ whose package.json is named "wanco"), so __dirname is
// the bundle's own.
const esbuild = require('esbuild');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
const common = {
  bundle: true, platform: 'node', target: 'node18', format: 'cjs', sourcemap: false, minify: true, logLevel: 'warning',
  external: ['vscode', 'binaryen', '@vscode/dwarf-debugging'],
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
