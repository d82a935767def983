package io.sparklora.jobs.testing;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.io.IOException;
import java.nio.file.Path;

/** An in-process HDFS of one DataNode with every server bound to 127.0.0.1, its storage under a directory. */
public final class LoopbackDfs {
    private LoopbackDfs() {
    }

    /** Starts it under base and waits until it is active; hdfs://127.0.0.1:{@code getNameNodePort()} reaches it. */
    public static MiniDFSCluster start(Path base) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
        conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
        conf.set("dfs.namenode.servicerpc-bind-host", "127.0.0.1");
        conf.set("dfs.namenode.http-bind-host", "127.0.0.1");
        conf.set("dfs.namenode.http-address", "127.0.0.1:0");
        conf.set("dfs.datanode.address", "127.0.0.1:0");
        conf.set("dfs.datanode.http.address", "127.0.0.1:0");
        conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
        conf.set("dfs.datanode.hostname", "127.0.0.1");
        MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf, base.toFile()).numDataNodes(1).build();
        dfs.waitActive();
        return dfs;
    }
}
