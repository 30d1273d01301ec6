// Mocha's spec reporter plus one closing line "<label>: N passed, N failed, N skipped", the plain
// form CI reads for tiers run outside `npm test` (e.g. `--reporter-option label=image`).
import Mocha from "mocha";

class TallyReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions & { reporterOptions?: { label?: string } }) {
    super(runner, options);
    const label = options.reporterOptions?.label ?? "tests";
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      console.log(`${label}: ${passes} passed, ${failures} failed, ${pending} skipped`);
    });
  }
}

export = TallyReporter;
