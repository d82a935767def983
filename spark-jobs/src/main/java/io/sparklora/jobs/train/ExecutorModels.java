package io.sparklora.jobs.train;

import io.sparklora.core.engine.CausalLm;
import io.sparklora.core.engine.EngineSpec;
import io.sparklora.core.engine.SequenceClassifier;
import io.sparklora.core.engine.TrainingMode;
import io.sparklora.core.lora.LoraPlan;
import io.sparklora.core.model.BaseModel;
import io.sparklora.core.model.BaseModelLoader;
import io.sparklora.core.train.ClassifierRows;
import io.sparklora.core.train.DecoderRows;
import io.sparklora.core.train.RowEngine;
import io.sparklora.jobs.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * What one executor JVM keeps across tasks and rounds: each base model, localized from its Hadoop path once and
 * loaded once (every engine computes with its weights, no copy), and a pool of engines. A task borrows an engine for
 * its duration, so concurrent tasks never share one (an engine's buffers are per step), and returns it for the next
 * round's task.
 */
public final class ExecutorModels {

    static {
        io.sparklora.core.backend.CpuBuild.select(); // before ND4J loads its native library
    }
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final Map<String, java.nio.file.Path> LOCAL_DIRS = new ConcurrentHashMap<>();
    private static final Map<String, BaseModel> MODELS = new ConcurrentHashMap<>();
    private static final Map<EngineKey, ConcurrentLinkedQueue<CausalLm>> POOLS = new ConcurrentHashMap<>();
    private static final Map<EngineKey, ConcurrentLinkedQueue<SequenceClassifier>> CLASSIFIERS = new ConcurrentHashMap<>();

    private ExecutorModels() {
    }

    /** The model directory on local disk: the path itself when local, else a copy made once per JVM. */
    public static java.nio.file.Path localDir(String uri, Configuration conf) {
        return LOCAL_DIRS.computeIfAbsent(uri, u -> {
            Path path = new Path(u);
            if (HadoopFiles.isLocal(path, conf)) {
                return java.nio.file.Path.of(path.toUri().getPath());
            }
            java.nio.file.Path local = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "sparklora-models", sha256(u));
            try {
                LOG.info("localizing model {} to {}", u, local);
                HadoopFiles.copyToLocal(path, local, conf);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy the model from " + u + ": " + e.getMessage(), e);
            }
            return local;
        });
    }

    public static BaseModel base(String uri, Configuration conf) {
        DeviceBinding.bindCurrentTask(); // a task's first ND4J use may be this (CUDA build: the start-up check first)
        return MODELS.computeIfAbsent(uri, u -> {
            try {
                long start = System.nanoTime();
                BaseModel model = BaseModelLoader.load(localDir(u, conf));
                LOG.info("loaded base model {} ({} parameters) in {} ms", u, model.parameterCount(),
                        (System.nanoTime() - start) / 1_000_000);
                return model;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load the base model " + u + ": " + e.getMessage(), e);
            }
        });
    }

    /** Runs {@code work} with an engine no other task uses meanwhile; the engine goes back to the pool afterwards. */
    public static <T> T withEngine(EngineKey key, Configuration conf, Function<CausalLm, T> work) {
        CausalLm engine = borrow(key, conf);
        try {
            return work.apply(engine);
        } finally {
            giveBack(key, engine);
        }
    }

    /**
     * Runs {@code work} with the key's engine as rows see it (a decoder's token rows or a classifier's labelled
     * examples), borrowed as {@link #withEngine} borrows: the one code path of a round and an evaluation.
     */
    public static <T> T withRowEngine(EngineKey key, Configuration conf, Function<RowEngine<?>, T> work) {
        if (key.task() == null) {
            return withEngine(key, conf, graph -> work.apply(new DecoderRows(graph)));
        }
        return withClassifier(key, conf, model -> work.apply(new ClassifierRows(model)));
    }

    /** Runs {@code work} with a sequence classifier (the key's task head) no other task uses meanwhile. */
    public static <T> T withClassifier(EngineKey key, Configuration conf, Function<SequenceClassifier, T> work) {
        SequenceClassifier model = borrowClassifier(key, conf);
        try {
            return work.apply(model);
        } finally {
            giveBackClassifier(key, model);
        }
    }

    /**
     * A sequence classifier (the key's task head) no other task uses until it is given back
     * ({@link #giveBackClassifier}), for work that spans more than one call (a task streaming its rows).
     */
    public static SequenceClassifier borrowClassifier(EngineKey key, Configuration conf) {
        SequenceClassifier model = CLASSIFIERS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        return model != null ? model
                : SequenceClassifier.build(classifierBase(key, conf), classifierPlan(key, conf), engineSpec(key));
    }

    public static void giveBackClassifier(EngineKey key, SequenceClassifier model) {
        CLASSIFIERS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).offer(model);
    }

    /** The base model with the task's head: config.json's head when the labels match, else none (θ carries it). */
    public static BaseModel classifierBase(EngineKey key, Configuration conf) {
        return base(key.modelUri(), conf).withTask(key.task().labels(), key.task().problem());
    }

    private static LoraPlan classifierPlan(EngineKey key, Configuration conf) {
        return key.lora() == null ? null : LoraPlan.of(key.lora(), classifierBase(key, conf).layout());
    }

    private static EngineSpec engineSpec(EngineKey key) {
        return new EngineSpec(key.seqLen(), DataType.FLOAT, key.mode(), key.withDropout(), key.activationCheckpointing());
    }

    /**
     * An engine no other task uses until it is given back ({@link #giveBack}), for work that spans more than one
     * call (a task streaming its rows). A LoRA key without a LoRA configuration is the model alone (no adapter).
     */
    public static CausalLm borrow(EngineKey key, Configuration conf) {
        CausalLm engine = POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        if (engine == null) {
            BaseModel base = base(key.modelUri(), conf);
            LoraPlan plan = key.lora() != null ? LoraPlan.of(key.lora(), base.layout())
                    : key.mode() == TrainingMode.LORA ? LoraPlan.none() : null;
            engine = CausalLm.build(base, plan, engineSpec(key));
        }
        return engine;
    }

    /** Returns a borrowed engine to its pool, for the next task. */
    public static void giveBack(EngineKey key, CausalLm engine) {
        POOLS.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).offer(engine);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
