package io.sparklora.jobs.cli;

import io.sparklora.core.backend.CudaBuild;
import io.sparklora.core.backend.CudaUnavailableException;
import io.sparklora.jobs.config.JobConfig;
import io.sparklora.jobs.config.JobConfigException;
import io.sparklora.jobs.config.JobConfigLoader;
import io.sparklora.jobs.data.DataException;
import io.sparklora.jobs.score.ScoreException;
import io.sparklora.jobs.sweep.SweepGrid;
import io.sparklora.jobs.train.RunResult;
import io.sparklora.jobs.train.TrainingException;
import io.sparklora.jobs.train.TrainingMaster;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The command-line entry point, for spark-submit and for local runs: {@code train --config job.yaml [--set k=v]...},
 * {@code sweep} (a grid of train configurations in one application), {@code score} (a batch job writing a model's
 * scores of every row of a table), and the single-JVM tools around them: merge, generate, eval, inspect, analyze,
 * init-demo.
 * Exit codes: 0 success (or already complete), 2 configuration error (bad arguments, unusable inputs), 3 data error,
 * 4 training stopped, 1 other.
 */
public final class SparkLoraMain {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int CONFIG_ERROR = 2;
    public static final int DATA_ERROR = 3;
    public static final int TRAINING_ERROR = 4;

    static final String DEFAULT_DEMO_DIR = "target/demo";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    static final String USAGE = """
            usage: sparklora train --config <job.yaml> [--set section.key=value]...
                   sparklora sweep --config <job.yaml> --grid section.key=v1,v2,... [--grid ...] [--set ...]
                   sparklora merge --model DIR --adapter DIR --output DIR [--dtype f32|f16|bf16]
                   sparklora generate --model DIR [--adapter DIR] --prompt TEXT... [--max-new-tokens N] ...
                   sparklora eval --model DIR [--adapter DIR] --data FILE [--json] ...
                   sparklora score --model URI [--adapter URI] --path P|--table T|--sql Q --id-columns C[,C]...
                                   --output URI [--overwrite] [--generate N] ...
                   sparklora inspect ADAPTER_DIR [--model DIR] | inspect --checkpoint DIR
                   sparklora analyze subspace --adapter DIR --other DIR | analyze amplification --model DIR --adapter DIR
                   sparklora init-demo [dir]     write the embedded demo models and datasets (default target/demo)

            train options:

              --config PATH   job configuration (local path or any Hadoop URI: hdfs://, s3a://, file:)
              --set K=V       override one setting, e.g. --set lora.r=16 --set train.learning_rate=1e-4
              --help          this help

            sweep options (and --config, --set as for train):

              --grid K=V1,V2  one axis of the grid, e.g. --grid lora.r=4,8,16 --grid lora.target_modules=[q_proj],[q_proj,v_proj];
                              every combination is trained in this one Spark application, each into
                              output.path/<combination>, with sweep.json and sweep.html at output.path

            Spark settings stay Spark settings: pass them to spark-submit with --conf.
            Without a Spark master (not under spark-submit) the job runs in local mode on 127.0.0.1.
            merge, generate, eval, inspect and analyze run in this JVM without Spark; sparklora <command> --help for each.
            Exit codes: 0 ok, 2 bad arguments or unusable inputs, 3 data error, 4 training stopped, 1 other.""";

    static final String INIT_DEMO_USAGE = """
            usage: sparklora init-demo [DIR]

            Writes the embedded demos, generated deterministically, under DIR (default target/demo): model/ (a tiny
            LLaMA-family decoder) with data/train.jsonl, and encoder/ (a tiny BERT pretrained by masked-language
            modelling) with data/classify.jsonl; each model with its own tokenizer.json.""";

    private SparkLoraMain() {
    }

    public static void main(String[] args) {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
        int code = run(args, System.out, System.err);
        if (inYarnApplicationMaster()) {
            // Spark's ApplicationMaster runs main in a thread and reports SUCCEEDED to YARN when it returns, FAILED
            // when it throws; System.exit would skip that report and YARN would record a failure even for code 0.
            if (code != OK) {
                throw new IllegalStateException("sparklora exited with code " + code + " (see the driver's log)");
            }
            return;
        }
        System.exit(code);
    }

    /** True in YARN cluster deploy mode, where the driver is a thread of Spark's ApplicationMaster. */
    static boolean inYarnApplicationMaster() {
        return System.getProperty("spark.yarn.app.id") != null
                && "cluster".equals(System.getProperty("spark.submit.deployMode"));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.println(USAGE);
            return args.length == 0 ? CONFIG_ERROR : OK;
        }
        if (args[0].equals("init-demo")) {
            return initDemo(args, out, err);
        }
        switch (args[0]) {
            case "merge", "generate", "eval", "inspect", "analyze" -> {
                return tool(args, out, err);
            }
            case "score" -> {
                return ScoreCommand.run(args, out, err);
            }
            default -> {
            }
        }
        boolean sweep = args[0].equals("sweep");
        if (!args[0].equals("train") && !sweep) {
            err.println("unknown command \"" + args[0] + "\"\n" + USAGE);
            return CONFIG_ERROR;
        }
        if (CliArgs.wantsHelp(args, 1)) {
            out.println(USAGE);
            return OK;
        }
        String configPath = null;
        List<String> overrides = new ArrayList<>();
        List<String> grid = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            boolean takesValue = args[i].equals("--config") || args[i].equals("--set")
                    || (sweep && args[i].equals("--grid"));
            if (takesValue && i + 1 >= args.length) {
                err.println(args[i] + " needs a value, e.g. " + switch (args[i]) {
                    case "--config" -> "--config job.yaml";
                    case "--grid" -> "--grid lora.r=4,8,16";
                    default -> "--set lora.r=16";
                } + "\n" + USAGE);
                return CONFIG_ERROR;
            }
            switch (args[i]) {
                case "--config" -> configPath = args[++i];
                case "--set" -> overrides.add(args[++i]);
                case "--grid" -> {
                    if (!sweep) {
                        err.println("--grid belongs to sweep: sparklora sweep --config job.yaml --grid lora.r=4,8\n" + USAGE);
                        return CONFIG_ERROR;
                    }
                    grid.add(args[++i]);
                }
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return OK;
                }
                default -> {
                    err.println("unknown option \"" + args[i] + "\"\n" + USAGE);
                    return CONFIG_ERROR;
                }
            }
        }
        if (configPath == null) {
            err.println(args[0] + " needs --config <job.yaml>\n" + USAGE);
            return CONFIG_ERROR;
        }
        SweepGrid sweepGrid = null;
        if (sweep) {
            try {
                sweepGrid = SweepGrid.parse(grid);
            } catch (JobConfigException e) {
                err.println("configuration error: " + e.getMessage());
                return CONFIG_ERROR;
            }
        }
        SparkSession spark = session();
        try {
            if (sweep) {
                return SweepCommand.run(spark, configPath, overrides, sweepGrid, out);
            }
            JobConfig config = JobConfigLoader.load(configPath, overrides, spark.sparkContext().hadoopConfiguration());
            TrainInputs.check(config, spark.sparkContext().hadoopConfiguration());
            RunResult result = new TrainingMaster(spark, config).run();
            out.println(result.alreadyComplete() ? "already complete: " + config.output().path()
                    : "adapter written to " + result.summary().get("adapter_path"));
            return OK;
        } catch (Exception e) {
            return failure(e, err);
        } finally {
            spark.stop();
        }
    }

    /**
     * The exit code of a command that ran on Spark, after one line on stderr: configuration, data, model and
     * training problems, thrown on the driver or inside a task, by name and without a stack trace.
     */
    static int failure(Exception e, PrintStream err) {
        if (e instanceof JobConfigException) {
            err.println("configuration error: " + e.getMessage());
            return CONFIG_ERROR;
        }
        if (e instanceof CliException c) {
            err.println(c.getMessage());
            return c.exitCode();
        }
        if (e instanceof DataException) {
            err.println("data error: " + e.getMessage());
            return DATA_ERROR;
        }
        if (e instanceof TrainingException) {
            err.println("training stopped: " + e.getMessage());
            return TRAINING_ERROR;
        }
        // A DataException or TrainingException thrown inside a Spark task reaches the driver wrapped in a
        // SparkException ("Job aborted due to stage failure: ..."); report it as if thrown on the driver.
        String data = fromTask(e, DataException.class);
        if (data != null) {
            err.println("data error: " + data);
            return DATA_ERROR;
        }
        String cuda = fromTask(e, CudaUnavailableException.class);
        if (cuda != null) {
            err.println(cuda);
            return FAILED;
        }
        String training = fromTask(e, TrainingException.class);
        if (training != null) {
            err.println("training stopped: " + training);
            return TRAINING_ERROR;
        }
        String scoring = fromTask(e, ScoreException.class);
        if (scoring != null) {
            err.println("score: " + scoring);
            return scoring.contains(" does not fit the model ") ? CONFIG_ERROR : FAILED;
        }
        String model = modelFromTask(e);
        if (model != null) {
            err.println(TrainInputs.MODEL_ERROR + model);
            return CONFIG_ERROR;
        }
        err.println("failed: " + e);
        e.printStackTrace(err);
        return FAILED;
    }

    /**
     * The message of a {@code type} exception in e's cause chain, else one named in a message of the chain (a task
     * failure whose exception could not be deserialized on the driver keeps only its text); null when neither.
     */
    static String fromTask(Throwable e, Class<? extends RuntimeException> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return t.getMessage();
            }
        }
        String marker = type.getName() + ": ";
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            int at = message == null ? -1 : message.indexOf(marker);
            if (at >= 0) {
                String rest = message.substring(at + marker.length());
                int nl = rest.indexOf('\n');
                return (nl < 0 ? rest : rest.substring(0, nl)).strip();
            }
        }
        return null;
    }

    /**
     * The first line of a model or tokenizer problem met inside a Spark task (a model on a cluster file system is
     * only read there): the executors' "cannot load the base model/tokenizer" and the graph's token-range check.
     */
    static String modelFromTask(Throwable e) {
        String[] markers = {"cannot load the base model ", "cannot load tokenizer ", "is outside the model's vocabulary"};
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message == null) {
                continue;
            }
            for (String line : message.split("\n")) {
                for (String marker : markers) {
                    int at = line.indexOf(marker);
                    if (at >= 0) {
                        int start = marker.startsWith("cannot") ? at : Math.max(0, line.lastIndexOf("Exception: ", at) + 11);
                        if (!marker.startsWith("cannot") && line.lastIndexOf("Exception: ", at) < 0) {
                            start = 0;
                        }
                        return line.substring(start).strip();
                    }
                }
            }
        }
        return null;
    }

    /** Runs one of the single-JVM tools; a user error is one line on stderr and its exit code, never a trace. */
    static int tool(String[] args, PrintStream out, PrintStream err) {
        try {
            CudaBuild.requireReady(OptionalInt.empty()); // the CUDA build: one line instead of ND4J's native trace
            return switch (args[0]) {
                case "merge" -> MergeCommand.run(args, out);
                case "generate" -> GenerateCommand.run(args, out);
                case "eval" -> EvalCommand.run(args, out);
                case "inspect" -> InspectCommand.run(args, out);
                case "analyze" -> AnalyzeCommand.run(args, out);
                default -> throw new IllegalArgumentException("not a tool: " + args[0]);
            };
        } catch (CliException e) {
            err.println(e.getMessage());
            return e.exitCode();
        } catch (CudaUnavailableException e) {
            err.println(e.getMessage());
            return FAILED;
        } catch (RuntimeException e) {
            err.println(args[0] + " failed: " + e);
            e.printStackTrace(err);
            return FAILED;
        } finally {
            out.flush();
        }
    }

    /** Writes the embedded default model and dataset (generated, deterministic) under a directory. */
    private static int initDemo(String[] args, PrintStream out, PrintStream err) {
        if (CliArgs.wantsHelp(args, 1)) {
            out.println(INIT_DEMO_USAGE);
            return OK;
        }
        if (args.length > 2 || (args.length == 2 && args[1].startsWith("-"))) {
            err.println("init-demo: takes one optional directory, got " + String.join(" ", java.util.Arrays.asList(args)
                    .subList(1, args.length)) + " (see sparklora init-demo --help)");
            return CONFIG_ERROR;
        }
        java.nio.file.Path dir = java.nio.file.Path.of(args.length > 1 ? args[1] : DEFAULT_DEMO_DIR);
        try {
            CudaBuild.requireReady(OptionalInt.empty());
            io.sparklora.core.demo.DemoAssets.write(dir);
            io.sparklora.core.demo.EncoderDemoAssets.write(dir);
            out.println("demo models and datasets under " + dir);
            return OK;
        } catch (java.io.IOException e) {
            err.println("cannot write the demo assets under " + dir + ": " + e.getMessage());
            return FAILED;
        } catch (CudaUnavailableException e) {
            err.println(e.getMessage());
            return FAILED;
        }
    }

    /** The active session (spark-submit, tests) or a local one bound to 127.0.0.1. */
    static SparkSession session() {
        SparkConf conf = new SparkConf();
        if (!conf.contains("spark.master")) {
            conf.setMaster("local[2]");
        }
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        conf.setIfMissing("spark.app.name", "SparkLoRA");
        // Executors compute as this driver would: with the Vector API module (the engine's fused kernels) when the
        // driver has it, whoever launched the driver.
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent()) {
            String options = conf.get("spark.executor.extraJavaOptions", "");
            if (!options.contains(VECTOR_MODULE)) {
                conf.set("spark.executor.extraJavaOptions", (options + " --add-modules=" + VECTOR_MODULE).trim());
            }
        }
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
