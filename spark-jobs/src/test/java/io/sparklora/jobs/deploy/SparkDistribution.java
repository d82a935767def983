package io.sparklora.jobs.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.List;

/**
 * A Spark installation laid out as a binary distribution's SPARK_HOME, made from Maven-resolved jars: jars/ holds
 * Spark SQL and Spark's YARN support of version {@value #VERSION_PROPERTY} with their dependencies (the Hadoop client
 * among them), conf/ the project's log4j2.properties and a spark-defaults.conf,
 * and bin/spark-submit does what a distribution's bin/spark-class does: it asks Spark's launcher for the java
 * command (driver memory, Java module flags, class path from SPARK_HOME, HADOOP_CONF_DIR and YARN_CONF_DIR) and runs it.
 */
final class SparkDistribution {
    /** Set by the build: the Spark version of the distribution. */
    static final String VERSION_PROPERTY = "yarn-it.spark.version";

    private static final String POM = """
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <modelVersion>4.0.0</modelVersion>
              <groupId>io.sparklora</groupId>
              <artifactId>spark-distribution</artifactId>
              <version>1</version>
              <packaging>pom</packaging>
              <dependencies>
                <dependency>
                  <groupId>org.apache.spark</groupId><artifactId>spark-sql_2.13</artifactId><version>%1$s</version>
                </dependency>
                <dependency>
                  <groupId>org.apache.spark</groupId><artifactId>spark-yarn_2.13</artifactId><version>%1$s</version>
                </dependency>
              </dependencies>
            </project>
            """;

    private static final String SPARK_SUBMIT = """
            #!/usr/bin/env bash
            # bin/spark-submit as a Spark distribution runs it (bin/spark-class): Spark's launcher prints the java
            # command, NUL-separated, and this script runs it.
            set -euo pipefail
            export SPARK_HOME="$(cd "$(dirname "$0")/.." && pwd)"
            export SPARK_SCALA_VERSION=2.13
            java=java
            if [[ -n ${JAVA_HOME:-} ]]; then java=$JAVA_HOME/bin/java; fi
            # Records up to NUL: the launcher's messages, then (after a newline) the command, then our exit status.
            out=()
            while IFS= read -r -d '' record; do
              out+=("$record")
            done < <("$java" -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main \\
              org.apache.spark.deploy.SparkSubmit "$@"; printf '%d\\0' $?)
            status=${out[${#out[@]}-1]}
            [[ $status == 0 ]] || exit "$status"
            [[ -z ${out[0]} ]] || echo "${out[0]}" >&2
            cmd=("${out[@]:1:${#out[@]}-2}")
            cmd[0]=${cmd[0]#$'\\n'}
            exec "${cmd[@]}"
            """;

    final Path home;

    private SparkDistribution(Path home) {
        this.home = home;
    }

    Path sparkSubmit() {
        return home.resolve("bin/spark-submit");
    }

    /**
     * Lays out the distribution under {@code home}; {@code defaults} become conf/spark-defaults.conf (what a cluster's
     * administrator sets once for every job).
     */
    static SparkDistribution create(Path home, List<String> defaults) throws IOException, InterruptedException {
        String classpath = resolve(home);
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            Path jar = Path.of(entry);
            Path link = jars.resolve(jar.getFileName());
            if (entry.endsWith(".jar") && !Files.exists(link)) {
                Files.createSymbolicLink(link, jar);
            }
        }
        Path conf = Files.createDirectories(home.resolve("conf"));
        Path log4j = Path.of("..", "conf", "log4j2.properties").toAbsolutePath().normalize();
        Files.copy(log4j, conf.resolve("log4j2.properties"));
        Files.write(conf.resolve("spark-defaults.conf"), defaults);
        Path bin = Files.createDirectories(home.resolve("bin"));
        Files.writeString(bin.resolve("spark-submit"), SPARK_SUBMIT);
        Files.setPosixFilePermissions(bin.resolve("spark-submit"), PosixFilePermissions.fromString("rwxr-xr-x"));
        return new SparkDistribution(home);
    }

    /**
     * Spark's jars with their dependencies, as Maven resolves them for a project that depends on nothing else: run
     * with the build's Maven and local repository.
     */
    private static String resolve(Path home) throws IOException, InterruptedException {
        String version = System.getProperty(VERSION_PROPERTY);
        if (version == null || version.isBlank()) {
            throw new IllegalStateException("system property " + VERSION_PROPERTY + " not set: run this test with mvn");
        }
        Path work = Files.createDirectories(home.resolveSibling("spark-distribution"));
        Files.writeString(work.resolve("pom.xml"), POM.formatted(version));
        String mavenHome = System.getProperty("maven.home");
        List<String> cmd = new ArrayList<>(List.of(mavenHome == null ? "mvn" : Path.of(mavenHome, "bin", "mvn").toString(),
                "-B", "-q", "-f", work.resolve("pom.xml").toString(), "dependency:build-classpath",
                "-Dmdep.outputFile=" + work.resolve("classpath.txt")));
        if (System.getProperty("maven.repo.local") != null) {
            cmd.add("-Dmaven.repo.local=" + System.getProperty("maven.repo.local"));
        }
        Path log = work.resolve("mvn.log");
        Process mvn = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!mvn.waitFor(10, TimeUnit.MINUTES) || mvn.exitValue() != 0) {
            mvn.destroyForcibly();
            throw new IllegalStateException("resolving Spark " + version + " failed: " + cmd + "\n" + Files.readString(log));
        }
        return Files.readString(work.resolve("classpath.txt")).strip();
    }
}
