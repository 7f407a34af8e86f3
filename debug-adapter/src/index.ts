/**
 * For the extension: an inline adapter (vscode.DebugAdapterInlineImplementation(createInlineSession()))
 * runs the session in the extension host; the stdio entry is main.ts.
 */
import { WancoDebugSession } from './session';

export { WancoDebugSession } from './session';
export type { WancoLaunchArgs } from './session';
export { RuntimeClient } from './runtimeClient';

/** A session for `new vscode.DebugAdapterInlineImplementation(session)`. */
export function createInlineSession(): WancoDebugSession {
  return new WancoDebugSession();
}
