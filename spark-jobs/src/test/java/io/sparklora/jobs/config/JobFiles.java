package io.sparklora.jobs.config;

import java.util.List;

/** Job file texts shared by the tests. */
final class JobFiles {
    static final String MINIMAL = """
            model:
              path: hdfs://nn/models/tiny-llama
            data:
              path: hdfs://nn/data/train.jsonl
            output:
              path: hdfs://nn/runs/r1
            """;

    /** Every key set, none to its default. */
    static final String FULL = """
            model:
              path: s3a://bucket/models/gpt2
              tokenizer: s3a://bucket/tok/tokenizer.json
            lora:
              r: 16
              alpha: 32
              dropout: 0.05
              target_modules: [q_proj, k_proj, v_proj]
              use_rslora: true
              seed: 7
            data:
              path: /data/chat/*.parquet
              format: parquet
              text_column: body
              prompt_column: question
              completion_column: answer
              validation_path: /data/chat-val
              validation_fraction: 0.0
              max_seq_len: 256
              packing: false
              max_bad_row_fraction: 0.1
              long_rows: reject
              add_bos: false
              add_eos: false
              block_examples: 512
            train:
              batch_rows: 24
              micro_batch_rows: 2
              rounds: 500
              learning_rate: 1e-4
              schedule: cosine
              warmup_steps: 50
              weight_decay: 0.01
              max_grad_norm: 0.5
              adam_beta1: 0.8
              adam_beta2: 0.99
              adam_epsilon: 1.0e-6
              seed: 99
              nan_policy: skip
            distributed:
              workers: 3
              averaging: parameter
              sync_every: 8
            eval:
              every_rounds: 10
              max_rows: 64
            checkpoint:
              every_rounds: 50
              keep: 5
            output:
              path: s3a://bucket/runs/r2
            """;

    private JobFiles() {
    }

    static JobConfig parse(String yaml, String... overrides) {
        return JobConfigLoader.parse(yaml, "job.yaml", List.of(overrides));
    }
}
