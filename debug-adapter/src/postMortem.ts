/** A snapshot as the session's stopped state (post-mortem sessions): same shape as the runtime's `state`. */
import { pointIdText, type NativeLocation, type Snapshot, type SnapshotValue } from '../../compiler-core/src/index';
import type { RuntimeState, RuntimeValue } from './runtimeClient';

function value(v: SnapshotValue, place: NativeLocation | undefined): RuntimeValue {
  return place ? { ...v, place } : { ...v };
}

export function snapshotState(snap: Snapshot, funcName: (i: number) => string | undefined): RuntimeState {
  return {
    arch: snap.info.arch,
    frames: snap.frames.map((f, k) => {
      const locs = snap.native?.[k]?.locations;
      return {
        index: k, func: f.funcIndex, name: funcName(f.funcIndex), point: pointIdText(f.pointId),
        kind: 'point', return_address: snap.native?.[k] ? `0x${snap.native[k].returnAddress.toString(16)}` : undefined,
        locals: f.locals.map((v, i) => value(v, locs?.[i])),
        stack: f.stack.map((v, i) => value(v, locs?.[f.locals.length + i])),
      };
    }),
    globals: snap.globals.map((v) => value(v, undefined)),
    memory: { pages: snap.memory.pages },
  };
}
