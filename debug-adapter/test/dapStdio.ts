/** What DebugClient spawns: the adapter's stdio entry (what `wanco debug-adapter` serves) speaking DAP over stdio. */
import { serveStdio } from '../src/main';

serveStdio();
