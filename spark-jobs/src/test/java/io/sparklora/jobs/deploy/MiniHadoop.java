package io.sparklora.jobs.deploy;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.resourcemanager.rmcontainer.RMContainer;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

/**
 * An HDFS (one DataNode) and a YARN cluster (ResourceManager with the Capacity Scheduler, one NodeManager) in this
 * JVM, all on 127.0.0.1, and the Hadoop configuration directory a client needs to reach them (HADOOP_CONF_DIR).
 */
final class MiniHadoop implements AutoCloseable {
    /** Memory the NodeManager offers to containers: an ApplicationMaster and a few small executors. */
    private static final int NODE_MEMORY_MB = 6144;

    private final Path logDir;
    private final MiniDFSCluster dfs;
    private final MiniYARNCluster yarn;
    private final YarnClient client;
    final String hdfs;
    final Path confDir;
    final FileSystem fs;

    private MiniHadoop(Path logDir, MiniDFSCluster dfs, MiniYARNCluster yarn, YarnClient client, String hdfs, Path confDir,
                       FileSystem fs) {
        this.logDir = logDir;
        this.dfs = dfs;
        this.yarn = yarn;
        this.client = client;
        this.hdfs = hdfs;
        this.confDir = confDir;
        this.fs = fs;
    }

    static MiniHadoop start(Path dir) throws Exception {
        Path base = dir.resolve("dfs");
        MiniDFSCluster dfs = io.sparklora.jobs.testing.LoopbackDfs.start(base);
        String hdfs = "hdfs://127.0.0.1:" + dfs.getNameNodePort();

        YarnConfiguration yarnConf = new YarnConfiguration();
        yarnConf.set("fs.defaultFS", hdfs);
        yarnConf.set(YarnConfiguration.RM_BIND_HOST, "127.0.0.1");
        yarnConf.set(YarnConfiguration.NM_BIND_HOST, "127.0.0.1");
        yarnConf.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
        yarnConf.set("yarn.nodemanager.hostname", "127.0.0.1");
        yarnConf.setInt(YarnConfiguration.NM_PMEM_MB, NODE_MEMORY_MB);
        yarnConf.setInt(YarnConfiguration.NM_VCORES, 8);
        yarnConf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        // One queue, "default", with the whole cluster; ApplicationMasters may use half of it (one job at a time).
        yarnConf.set("yarn.scheduler.capacity.root.queues", "default");
        yarnConf.set("yarn.scheduler.capacity.root.default.capacity", "100");
        yarnConf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
        // A JVM's virtual size says nothing about its footprint; physical memory stays enforced.
        yarnConf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
        // Build machines run with full disks at times: a full disk must not mark the only node unhealthy.
        yarnConf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
        yarnConf.set(YarnConfiguration.NM_LOCAL_DIRS, dir.resolve("nm-local").toString());
        yarnConf.set(YarnConfiguration.NM_LOG_DIRS, dir.resolve("nm-logs").toString());
        MiniYARNCluster yarn = new MiniYARNCluster("sparklora-yarn", 1, 1, 1);
        yarn.init(yarnConf);
        yarn.start();
        Configuration live = yarn.getConfig();
        // start() may return before the ResourceManager has written its bound port into the configuration.
        for (int i = 0; i < 200 && live.get(YarnConfiguration.RM_ADDRESS, ":0").endsWith(":0"); i++) {
            Thread.sleep(50);
        }
        if (!yarn.waitForNodeManagersToConnect(60_000)) {
            throw new IllegalStateException("the NodeManager did not register with the ResourceManager");
        }

        Path confDir = Files.createDirectories(dir.resolve("hadoop-conf"));
        Configuration core = new Configuration(false);
        core.set("fs.defaultFS", hdfs);
        write(core, confDir.resolve("core-site.xml"));
        Configuration yarnSite = new Configuration(false);
        for (String key : List.of(YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
                YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
                YarnConfiguration.RM_WEBAPP_ADDRESS, YarnConfiguration.RM_HOSTNAME)) {
            yarnSite.set(key, live.get(key));
        }
        yarnSite.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
        write(yarnSite, confDir.resolve("yarn-site.xml"));

        YarnClient client = YarnClient.createYarnClient();
        client.init(new YarnConfiguration(live));
        client.start();
        FileSystem fs = FileSystem.get(URI.create(hdfs), dfs.getConfiguration(0));
        return new MiniHadoop(dir.resolve("nm-logs"), dfs, yarn, client, hdfs, confDir, fs);
    }

    private static void write(Configuration conf, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            conf.writeXml(out);
        }
    }

    org.apache.hadoop.fs.Path path(String absolute) {
        return new org.apache.hadoop.fs.Path(hdfs + absolute);
    }

    /** The applications YARN knows of, oldest first. */
    List<ApplicationReport> applications() throws Exception {
        return client.getApplications().stream()
                .sorted((a, b) -> a.getApplicationId().compareTo(b.getApplicationId())).toList();
    }

    /** The one application submitted under {@code name}. */
    ApplicationReport application(String name) throws Exception {
        List<ApplicationReport> named = applications().stream().filter(r -> r.getName().equals(name)).toList();
        if (named.size() != 1) {
            throw new AssertionError("expected one YARN application named " + name + ", found " + named);
        }
        return named.get(0);
    }

    /** The last lines of every container's stderr, for a failure message: where the ApplicationMaster and executors log. */
    String containerLogs() {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.walk(logDir)) {
            for (Path file : files.filter(p -> p.getFileName().toString().equals("stderr")).sorted().toList()) {
                List<String> lines = Files.readAllLines(file);
                sb.append("==> ").append(logDir.relativize(file)).append(" <==\n");
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> sb.append(l).append('\n'));
            }
        } catch (IOException e) {
            sb.append("(container logs unreadable: ").append(e).append(")\n");
        }
        return sb.toString();
    }

    /** Applications not yet finished, failed or killed. */
    List<ApplicationReport> unfinished() throws Exception {
        return client.getApplications(EnumSet.of(YarnApplicationState.NEW, YarnApplicationState.NEW_SAVING,
                YarnApplicationState.SUBMITTED, YarnApplicationState.ACCEPTED, YarnApplicationState.RUNNING));
    }

    /** The container of the application's current attempt that runs its ApplicationMaster. */
    ContainerId amContainer(ApplicationReport app) throws Exception {
        return client.getApplicationAttemptReport(app.getCurrentApplicationAttemptId()).getAMContainerId();
    }

    /** The running containers of an application's current attempt. */
    List<ContainerId> liveContainers(ApplicationId app) throws Exception {
        ApplicationReport report = client.getApplicationReport(app);
        return client.getContainers(report.getCurrentApplicationAttemptId()).stream()
                .map(c -> c.getContainerId()).sorted().toList();
    }

    /**
     * Kills a container the way the Capacity Scheduler's preemption does once its grace period is over: the
     * ResourceManager takes it back and the application hears that it was preempted.
     */
    void preempt(ContainerId container) {
        CapacityScheduler scheduler = (CapacityScheduler) yarn.getResourceManager().getResourceScheduler();
        RMContainer rmContainer = scheduler.getRMContainer(container);
        if (rmContainer == null) {
            throw new IllegalStateException("no live container " + container);
        }
        scheduler.markContainerForKillable(rmContainer);
    }

    @Override
    public void close() throws IOException {
        client.stop();
        yarn.stop();
        fs.close();
        dfs.shutdown(true);
    }
}
