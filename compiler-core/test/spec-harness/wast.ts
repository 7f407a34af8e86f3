/**
 * Reading .wast scripts: Debian's wabt `wast2json` turns a script into a JSON
 * command list plus one .wasm (or, for `module quote` in assertions, .wat) file
 * per module. We cache its output under out/spec-cache/json/<script>/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface WastValue {
  type: string;
  value?: string | string[];
  lane_type?: string;
}

export interface WastAction {
  type: 'invoke' | 'get';
  module?: string;
  field: string;
  args?: WastValue[];
}

export interface WastCommand {
  type: string;
  line: number;
  filename?: string;
  name?: string;
  as?: string;
  module?: string;
  module_type?: 'binary' | 'text';
  text?: string;
  action?: WastAction;
  expected?: WastValue[];
}

export interface WastScript {
  name: string;
  dir: string;
  commands: WastCommand[];
}

export function readWast(wastPath: string, cacheRoot: string): WastScript {
  const name = basename(wastPath, '.wast');
  const dir = join(cacheRoot, 'json', name);
  const json = join(dir, `${name}.json`);
  if (!existsSync(json) || statSync(json).mtimeMs < statSync(wastPath).mtimeMs) {
    mkdirSync(dir, { recursive: true });
    execFileSync('wast2json', [wastPath, '-o', json], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const parsed = JSON.parse(readFileSync(json, 'utf8')) as { commands: WastCommand[] };
  return { name, dir, commands: parsed.commands };
}
