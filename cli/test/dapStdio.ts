/** What DebugClient spawns for the CLI's test: `wanco debug-adapter` (the subcommand) serving DAP over stdio. */
import { main } from '../src/main';

void main(['debug-adapter']);
