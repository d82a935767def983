package io.sparklora.jobs.cli;

import io.sparklora.jobs.testing.CliRuns;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.sparklora.jobs.cli.ToolFixtures.cli;
import static org.assertj.core.api.Assertions.assertThat;

class HelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"merge", "generate", "eval", "inspect", "init-demo", "train", "score"})
    void everyCommandsHelpPrintsItsUsageAndExitsZero(String command) {
        for (String flag : new String[] {"--help", "-h"}) {
            CliRuns.Result r = cli(command, flag);
            r.succeeds();
            assertThat(r.out()).startsWith("usage: sparklora " + command);
        }
        // --help wins over anything else on the line, even mistakes.
        CliRuns.Result r = cli(command, "--no-such-option", "--help");
        r.succeeds();
        assertThat(r.out()).contains("usage: sparklora " + command);
        assertThat(java.nio.file.Path.of("--help")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h"})
    void topLevelHelpListsEveryCommand(String flag) {
        CliRuns.Result r = cli(flag);
        r.succeeds();
        assertThat(r.out()).contains("sparklora train", "sparklora merge", "sparklora generate", "sparklora eval",
                "sparklora inspect", "sparklora init-demo", "sparklora score");
    }
}
