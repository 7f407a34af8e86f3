/** What DebugClient spawns: `wanco debug-adapter` (the CLI subcommand) serving DAP over stdio. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../compiler-core/src/cli/main').main(['debug-adapter']);
