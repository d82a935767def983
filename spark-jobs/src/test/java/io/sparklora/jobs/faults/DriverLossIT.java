package io.sparklora.jobs.faults;

import io.sparklora.jobs.train.FaultInjection;
import io.sparklora.jobs.train.RunLayout;
import io.sparklora.jobs.testing.TinyJob;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The driver dies: the train command runs as a JVM of its own (local[2]) and is SIGKILLed mid-training, or halts
 * while writing a checkpoint; running the same command again resumes from the newest intact checkpoint and ends
 * bit for bit where an undisturbed run ends.
 */
class DriverLossIT {
    private static final int ROUNDS = 10;
    private static final Pattern ROUND_LINE = Pattern.compile("round (\\d+)/" + ROUNDS + " ");

    @TempDir
    static Path dir;
    static Path model;
    static Path data;
    static float[] undisturbed;
    static double undisturbedSeconds;

    @BeforeAll
    static void undisturbedRun() throws Exception {
        model = TinyJob.model(dir);
        data = TinyJob.dataset(dir);
        long t0 = System.nanoTime();
        Path out = dir.resolve("undisturbed");
        Process p = FaultRuns.startTrain(yaml(out), dir.resolve("undisturbed.log"));
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("undisturbed run finishes").isTrue();
        assertThat(p.exitValue()).as("exit code; log:%n%s", FaultRuns.read(dir.resolve("undisturbed.log"))).isZero();
        undisturbedSeconds = (System.nanoTime() - t0) / 1e9;
        undisturbed = FaultRuns.adapterTheta(model, out);
        System.out.printf("DriverLossIT: undisturbed run of %d rounds as a child JVM: %.1f s%n", ROUNDS, undisturbedSeconds);
    }

    static Path yaml(Path output) throws Exception {
        Path yaml = dir.resolve(output.getFileName() + ".yaml");
        Files.writeString(yaml, TinyJob.yaml(model.toString(), data.toString(), output.toString(), 2, ROUNDS));
        return yaml;
    }

    private static int lastRoundLogged(String log) {
        Matcher m = ROUND_LINE.matcher(log);
        int last = 0;
        while (m.find()) {
            last = Integer.parseInt(m.group(1));
        }
        return last;
    }

    private static boolean anyCompleteCheckpoint(Path output) throws Exception {
        Path cps = output.resolve(RunLayout.CHECKPOINTS);
        if (!Files.isDirectory(cps)) {
            return false;
        }
        try (var s = Files.list(cps)) {
            return s.anyMatch(cp -> Files.exists(cp.resolve("_COMPLETE")));
        }
    }

    @Test
    void aDriverKilledMidTrainingResumesAndEndsBitIdentical() throws Exception {
        Path out = dir.resolve("killed");
        Path yaml = yaml(out);
        Path log = dir.resolve("killed-1.log");
        long t0 = System.nanoTime();
        Process p = FaultRuns.startTrain(yaml, log);
        int roundsAtKill = 0;
        // Kill once a checkpoint is complete and a round after it has finished (so another round is under way).
        while (p.isAlive()) {
            int last = lastRoundLogged(FaultRuns.read(log));
            if (anyCompleteCheckpoint(out) && last >= 3 && last % 2 == 1) {
                roundsAtKill = last;
                p.destroyForcibly();
                break;
            }
            Thread.sleep(20);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        double killedAt = (System.nanoTime() - t0) / 1e9;
        assertThat(roundsAtKill).as("killed mid-training; log:%n%s", FaultRuns.read(log)).isPositive();
        assertThat(p.exitValue()).isEqualTo(137);
        assertThat(out.resolve(RunLayout.ADAPTER)).as("no adapter after the kill").doesNotExist();

        long t1 = System.nanoTime();
        Process again = FaultRuns.startTrain(yaml, dir.resolve("killed-2.log"));
        assertThat(again.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).as("log:%n%s", FaultRuns.read(dir.resolve("killed-2.log"))).isZero();
        double resumeSeconds = (System.nanoTime() - t1) / 1e9;

        long resumedFrom = ((Number) FaultRuns.summary(out).get("resumed_from_round")).longValue();
        float[] theta = FaultRuns.adapterTheta(model, out);
        boolean identical = java.util.Arrays.equals(theta, undisturbed);
        System.out.printf("DriverLossIT (SIGKILL mid-training): killed after round %d/%d logged, %.1f s in; rerun resumed "
                        + "from round %d, took %.1f s (undisturbed %.1f s); final adapter bit-identical: %s (max |diff| %g)%n",
                roundsAtKill, ROUNDS, killedAt, resumedFrom, resumeSeconds, undisturbedSeconds, identical,
                FaultRuns.maxAbsDiff(theta, undisturbed));
        assertThat(resumedFrom).isPositive();
        assertThat(theta).isEqualTo(undisturbed);
    }

    @Test
    void aDriverHaltedWhileWritingACheckpointResumesFromThePreviousOne() throws Exception {
        Path out = dir.resolve("halted");
        Path yaml = yaml(out);
        long t0 = System.nanoTime();
        Process p = FaultRuns.startTrain(yaml, dir.resolve("halted-1.log"),
                "-D" + FaultInjection.HALT_IN_CHECKPOINT_AT_ROUND + "=4");
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        double haltedAt = (System.nanoTime() - t0) / 1e9;
        assertThat(p.exitValue()).as("log:%n%s", FaultRuns.read(dir.resolve("halted-1.log"))).isEqualTo(137);
        Path torn = out.resolve(RunLayout.CHECKPOINTS).resolve("round-00000004");
        assertThat(torn.resolve("theta.safetensors")).exists();
        assertThat(torn.resolve("_COMPLETE")).doesNotExist();
        assertThat(out.resolve(RunLayout.CHECKPOINTS).resolve("round-00000002").resolve("_COMPLETE")).exists();
        assertThat(out.resolve(RunLayout.ADAPTER)).as("no adapter after the halt").doesNotExist();

        long t1 = System.nanoTime();
        Path log2 = dir.resolve("halted-2.log");
        Process again = FaultRuns.startTrain(yaml, log2);
        assertThat(again.waitFor(300, TimeUnit.SECONDS)).isTrue();
        String text = FaultRuns.read(log2);
        assertThat(again.exitValue()).as("log:%n%s", text).isZero();
        double resumeSeconds = (System.nanoTime() - t1) / 1e9;

        long resumedFrom = ((Number) FaultRuns.summary(out).get("resumed_from_round")).longValue();
        float[] theta = FaultRuns.adapterTheta(model, out);
        boolean identical = java.util.Arrays.equals(theta, undisturbed);
        boolean warned = text.contains("skipping checkpoint") && text.contains("round-00000004");
        System.out.printf("DriverLossIT (halt inside checkpoint round-00000004): halted %.1f s in; rerun warned about the "
                        + "torn checkpoint: %s; resumed from round %d, took %.1f s (undisturbed %.1f s); final adapter "
                        + "bit-identical: %s (max |diff| %g)%n", haltedAt, warned, resumedFrom, resumeSeconds,
                undisturbedSeconds, identical, FaultRuns.maxAbsDiff(theta, undisturbed));
        assertThat(warned).as("warning about the incomplete checkpoint; log:%n%s", text).isTrue();
        assertThat(resumedFrom).isEqualTo(2L);
        assertThat(theta).isEqualTo(undisturbed);
    }
}
