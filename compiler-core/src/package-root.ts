/**
 * The package root (the repository, the installed npm package or the extension's folder): the
 * nearest folder above this file whose package.json is named "wanco". The one place that knows
 * where the runtime archives, the build stamp and the test fixtures are; it works from tsc's
 * out/compiler-core/src and from the esbuild bundle in dist/ alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PACKAGE_NAME = 'wanco';

let found: string | undefined;

export function packageRoot(): string {
  if (found) return found;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return (found = dir);
      } catch { /* not ours: keep looking */ }
    }
    if (dirname(dir) === dir) throw new Error(`the ${PACKAGE_NAME} package root (a package.json named "${PACKAGE_NAME}") is not above ${__dirname}`);
  }
}
