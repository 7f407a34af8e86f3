/** stdio entry: `node out/debug-adapter/src/main.js` (or `npx wanco debug-adapter`) serves DAP on stdin/stdout. */
import { DebugSession } from '@vscode/debugadapter';
import { WancoDebugSession } from './session';

export function serveStdio(): void {
  DebugSession.run(WancoDebugSession);
}

if (require.main === module) serveStdio();
