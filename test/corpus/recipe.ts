/**
 * What a corpus program is: a Debian source package, the steps that build it to a WASI module,
 * and a deterministic workload whose output (stdout, exit status, the files it leaves) is
 * compared between Node's WASI, both architectures' ELFs and checkpoint/restore chains.
 */

/** One command of a build, run in the unpacked source tree (or a directory below it). */
export interface BuildStep {
  /** the step's name in a failure message */
  what: string;
  cmd: string;
  /**
   * `{fixtures}` stands for test-fixtures/corpus (the recipes' headers and workloads);
   * `{out}` for the module to write.
   */
  args: string[];
  /** relative to the source tree; made when missing */
  cwd?: string;
  /** added to the environment (whose PATH has no node_modules directories) */
  env?: Record<string, string>;
}

/** A textual change of the Debian source before building, with the reason. */
export interface SourceEdit {
  file: string;
  from: string;
  to: string;
  why: string;
}

/** One process of a workload; each starts from the sandbox the previous one left. */
export interface WorkloadRun {
  /** the guest's arguments after argv[0] (the program's name) */
  args: string[];
  env?: Record<string, string>;
}

export interface Recipe {
  /** the program's name: the cache directory, the module's and the executables' name (argv[0]) */
  name: string;
  /** Debian source package (`apt-get source --only-source`) */
  sourcePackage: string;
  /** what the program stresses, for the test's titles and the bench */
  stresses: string;
  edits?: SourceEdit[];
  steps: BuildStep[];
  /** the sandbox's initial files (relative path -> contents); generated, so deterministic */
  files: () => Record<string, Buffer>;
  runs: WorkloadRun[];
  /** what is wrong with a run's stdout (under Node), beyond agreeing with the other runs */
  selfCheck?: (run: number, stdout: Buffer) => string | undefined;
  /** a capture of this program is expected to hold at least this many frames somewhere in its run */
  deepFrames?: number;
}
