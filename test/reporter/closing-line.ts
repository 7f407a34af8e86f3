// Mocha's spec reporter, plus one plain closing line that any CI can read:
// "N passed, N failed, N skipped", alone on the last line. Mocha's own
// "N passing" is not a format that CI recognises, so a green run could be
// taken for one that ran no test (it was, with "tests: " before the counts).
import Mocha = require('mocha');

class SpecWithClosingLine extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      // Spec registered its epilogue on this event in super(), so this line follows it.
      const s = this.stats;
      process.stdout.write(`${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

export = SpecWithClosingLine;
