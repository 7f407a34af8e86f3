/** A snapshot as the session's stopped state (post-mortem sessions): same shape as the runtime's `state`. */
import type { NativeLocation, Snapshot, SnapshotValue } from '../../compiler-core/src/index';
import { valueText } from '../../compiler-core/src/index';
import type { RuntimeState, RuntimeValue } from './runtimeClient';

const X86 = ['rax', 'rdx', 'rcx', 'rbx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip'];

export function dwarfRegName(arch: string, r: number): string {
  if (arch === 'x86_64') return X86[r] ?? (r >= 17 && r <= 32 ? `xmm${r - 17}` : `dwarf${r}`);
  if (r <= 30) return `x${r}`;
  if (r === 31) return 'sp';
  if (r >= 64 && r <= 95) return `d${r - 64}`;
  return `dwarf${r}`;
}

export function locationText(arch: string, l: NativeLocation): string {
  const reg = dwarfRegName(arch, l.dwarfReg);
  const sp = reg === 'rsp' || reg === 'sp';
  const off = l.offset >= 0 ? `+${l.offset}` : `${l.offset}`;
  switch (l.kind) {
    case 'register': return `reg ${reg}`;
    case 'direct': return `${sp ? 'sp' : reg}${off}`;
    case 'indirect': return `[${sp ? 'sp' : reg}${off}]`;
    default: return 'const';
  }
}

function value(v: SnapshotValue, loc: string | undefined): RuntimeValue {
  const out: RuntimeValue = { type: v.type, value: valueText(v), loc };
  if (v.type === 'f32') out.bits = `0x${v.bits.toString(16).padStart(8, '0')}`;
  if (v.type === 'f64') out.bits = `0x${v.bits.toString(16).padStart(16, '0')}`;
  if (v.type === 'funcref' || v.type === 'externref') out.value = v.index === null ? 'null' : String(v.index);
  return out;
}

export function snapshotState(snap: Snapshot, funcName: (i: number) => string | undefined): RuntimeState {
  return {
    frames: snap.frames.map((f, k) => {
      const locs = snap.native?.[k]?.locations;
      const at = (i: number) => (locs && locs[i] ? locationText(snap.info.arch, locs[i]) : undefined);
      return {
        index: k, func: f.funcIndex, name: funcName(f.funcIndex), point: `0x${f.pointId.toString(16)}`,
        kind: 'point', return_address: snap.native?.[k] ? `0x${snap.native[k].returnAddress.toString(16)}` : undefined,
        locals: f.locals.map((v, i) => value(v, at(i))),
        stack: f.stack.map((v, i) => value(v, at(f.locals.length + i))),
      };
    }),
    globals: snap.globals.map((v) => value(v, undefined)),
    memory: { pages: snap.memory.pages },
  };
}
