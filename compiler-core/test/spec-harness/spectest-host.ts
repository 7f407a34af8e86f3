/**
 * The spec testsuite's `spectest` host module, plugged into the compiler as a HostModule
 * (hosts: [SPECTEST_HOST]). Its imports bind to the runtime's instance of it
 * (runtime/src/spectest.c): its functions, its globals' values, its table (10..20) and memory (1..2 pages).
 */
import type { HostModule } from '../../src/translate/host-imports';
import { signatureKey } from '../../src/translate/module-context';
import type { Limits, ValType } from '../../src/wasm/types';

export const SPECTEST_MODULE = 'spectest';

const SPECTEST_FUNCS = new Map<string, ValType[]>([
  ['print', []], ['print_i32', ['i32']], ['print_i64', ['i64']], ['print_f32', ['f32']],
  ['print_f64', ['f64']], ['print_i32_f32', ['i32', 'f32']], ['print_f64_f64', ['f64', 'f64']],
]);

/** spectest globals: type and the value's bits (f32/f64 as IEEE bits) */
export const SPECTEST_GLOBALS = new Map<string, { type: ValType; bits: bigint }>([
  ['global_i32', { type: 'i32', bits: 666n }],
  ['global_i64', { type: 'i64', bits: 666n }],
  ['global_f32', { type: 'f32', bits: 0x44268666n }], // 666.6f
  ['global_f64', { type: 'f64', bits: 0x4084d4cccccccccdn }], // 666.6
]);

export const SPECTEST_TABLE: Limits = { min: 10, max: 20 };
export const SPECTEST_MEMORY: Limits = { min: 1, max: 2 };

/** Import limits are satisfied by the actual limits (Wasm's import matching). */
function limitsMatch(declared: Limits, actual: Limits): boolean {
  if (declared.min > actual.min) return false;
  if (declared.max === undefined) return true;
  return actual.max !== undefined && actual.max <= declared.max;
}

export const SPECTEST_HOST: HostModule = {
  name: SPECTEST_MODULE,
  importProblem(module, imp) {
    const d = imp.desc;
    switch (d.kind) {
      case 'func': {
        const params = SPECTEST_FUNCS.get(imp.name);
        if (!params) return 'unknown spectest function';
        return signatureKey(module.types[d.typeIndex]) === signatureKey({ params, results: [] }) ? undefined : 'incompatible import type';
      }
      case 'global': {
        const g = SPECTEST_GLOBALS.get(imp.name);
        return g && g.type === d.type.type && !d.type.mutable ? undefined : 'incompatible import type';
      }
      case 'table':
        return imp.name === 'table' && d.type.elemType === 'funcref' && limitsMatch(d.type.limits, SPECTEST_TABLE) ? undefined : 'incompatible import type';
      case 'memory':
        return imp.name === 'memory' && limitsMatch(d.limits, SPECTEST_MEMORY) ? undefined : 'incompatible import type';
    }
  },
  functionSymbol: (imp) => `wrt_spectest_${imp.name}`,
  globalValue(imp) {
    const g = SPECTEST_GLOBALS.get(imp.name);
    return g ? { type: { type: g.type, mutable: false }, bits: g.bits } : undefined;
  },
  tableLimits: () => SPECTEST_TABLE,
  memoryLimits: () => SPECTEST_MEMORY,
};
