/**
 * Host modules a compiled program can import from: WASI preview1 always, and the host modules
 * the caller plugs in (CompileOptions.hosts / TranslateOptions.hosts; the spec harness plugs in
 * the testsuite's `spectest`). A plugged-in host says which of its imports it provides, the
 * runtime symbol of each function, the value of each global and the limits of its table and memory.
 */
import { funcTypeText, type GlobalType, type Import, type Limits, type Module } from '../wasm/types';
import { WASI_MODULE, WASI_PREVIEW1 } from '../wasi/preview1';
import { signatureKey } from './module-context';

export interface HostModule {
  /** the module name imports use */
  readonly name: string;
  /** why `imp` (an import from this module) cannot be provided, or undefined when it can */
  importProblem(module: Module, imp: Import): string | undefined;
  /** the runtime symbol a function import binds to */
  functionSymbol(imp: Import): string;
  /** an imported global's value (a constant; f32/f64 as IEEE bits), undefined when there is none */
  globalValue(imp: Import): { type: GlobalType; bits: bigint } | undefined;
  /** the limits of the host's table / memory an import binds to */
  tableLimits(imp: Import): Limits;
  memoryLimits(imp: Import): Limits;
}

/** The host modules besides WASI (default: none). */
export type HostSet = readonly HostModule[];

function hostOf(imp: Import | undefined, hosts: HostSet): HostModule | undefined {
  return imp && imp.module !== WASI_MODULE ? hosts.find((h) => h.name === imp.module) : undefined;
}

/** Why `imp` cannot be provided, or undefined when it can. */
export function importProblem(module: Module, imp: Import, hosts: HostSet = []): string | undefined {
  if (imp.module === WASI_MODULE) {
    if (imp.desc.kind !== 'func') return 'WASI exports only functions';
    const expected = WASI_PREVIEW1.get(imp.name);
    if (!expected) return 'not a WASI preview1 function';
    const actual = module.types[imp.desc.typeIndex];
    if (signatureKey(expected) !== signatureKey(actual)) {
      return `type ${funcTypeText(actual)} but WASI defines ${funcTypeText(expected)}`;
    }
    return undefined;
  }
  const host = hostOf(imp, hosts);
  return host ? host.importProblem(module, imp) : 'unknown import';
}

/** The runtime symbol a host function import binds to (an import no host provides is refused by checkImports). */
export function hostFunctionSymbol(imp: Import, hosts: HostSet = []): string {
  if (imp.module === WASI_MODULE) return `wrt_wasi_${imp.name}`;
  return hostOf(imp, hosts)?.functionSymbol(imp) ?? `wrt_unbound_${imp.name}`;
}

export function importedGlobalValue(imp: Import, hosts: HostSet = []): { type: GlobalType; bits: bigint } | undefined {
  return hostOf(imp, hosts)?.globalValue(imp);
}

/** The limits of imported table `tableIndex`: its host's table (declared limits when no host provides it). */
export function importedTableLimits(module: Module, tableIndex: number, hosts: HostSet = []): Limits {
  const imp = module.imports.filter((i) => i.desc.kind === 'table')[tableIndex];
  const host = hostOf(imp, hosts);
  if (host) return host.tableLimits(imp);
  return imp?.desc.kind === 'table' ? imp.desc.type.limits : module.tables[tableIndex].limits;
}

/** The limits of the imported memory: its host's memory (declared limits when no host provides it). */
export function importedMemoryLimits(module: Module, hosts: HostSet = []): Limits {
  const imp = module.imports.find((i) => i.desc.kind === 'memory');
  const host = hostOf(imp, hosts);
  if (host && imp) return host.memoryLimits(imp);
  return imp?.desc.kind === 'memory' ? imp.desc.limits : module.memories[0];
}
