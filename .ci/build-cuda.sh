#!/usr/bin/env bash
# CI: the GPU build (-Pcuda) on every run, so that it cannot break unnoticed. Compiles both modules against ND4J's
# CUDA backend, runs the tests that need no GPU (tag cuda-build, CudaPackagingTest: the CUDA backend and its native
# libraries are on the class path and the CPU backend is not, the kernel architectures the README states are the
# ones in the library, and the one-line start-up error on a machine without a driver), and packages the GPU cluster
# jar. The first run downloads ND4J's CUDA jars (about 650 MB) into the Maven repository.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
mvn -B -ntp -Pcuda package
jar=$(ls spark-jobs/target/sparklora-*-cluster-cuda.jar)
echo "CUDA build: $jar ($(du -m "$jar" | cut -f1) MB) compiled, tested and packaged in $((SECONDS - start)) s"
