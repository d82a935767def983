#!/usr/bin/env bash
# spark-submit wrapper for Kubernetes.
set -euo pipefail
script_usage='usage: SPARK_MASTER=k8s://https://api.example:6443 IMAGE=registry/sparklora:0.1.0 \
       JOB_CONFIG=s3a://bucket/jobs/job.yaml deploy/submit-k8s.sh [options]

Submits SparkLoRA to Kubernetes in cluster mode: the driver and NUM_EXECUTORS executors run as pods of IMAGE
(deploy/docker/Dockerfile), which holds the cluster jar at /opt/sparklora/sparklora-cluster.jar. Job files, models,
data and the output directory must be on storage the pods can reach (HDFS, S3, a mounted volume).

Environment (Kubernetes):
  SPARK_MASTER     k8s://https://<api server>:<port> (required)
  IMAGE            container image for the driver and executors (required)
  NAMESPACE        namespace (default default)
  SERVICE_ACCOUNT  driver service account allowed to create executor pods (default spark)
  JAR_IN_IMAGE     the cluster jar inside the image (default local:///opt/sparklora/sparklora-cluster.jar)
  POD_TEMPLATES    directory with driver-pod-template.yaml and executor-pod-template.yaml (default deploy/k8s);
                   used with --gpu (the executor template requests nvidia.com/gpu: 1)
GPU executors: --gpu requests one nvidia.com/gpu per executor pod (spark.executor.resource.gpu.vendor=nvidia.com,
the executor pod template) and uses /opt/sparklora/discover-gpus.sh from the image for discovery.'
# shellcheck source=lib/submit-common.sh
source "$(dirname "$0")/lib/submit-common.sh"

if [[ -z ${SPARK_MASTER:-} || -z ${IMAGE:-} ]]; then
  echo "set SPARK_MASTER=k8s://https://... and IMAGE=<registry/image:tag>; see -h" >&2
  exit 2
fi
cluster_jar_uri=${JAR_IN_IMAGE:-local:///opt/sparklora/sparklora-cluster.jar}
pod_templates=${POD_TEMPLATES:-$deploy_dir/k8s}
args=(
  --master "$SPARK_MASTER"
  --deploy-mode cluster
  --conf "spark.kubernetes.namespace=${NAMESPACE:-default}"
  --conf "spark.kubernetes.container.image=$IMAGE"
  --conf "spark.kubernetes.authenticate.driver.serviceAccountName=${SERVICE_ACCOUNT:-spark}"
  --conf "spark.executor.instances=$num_executors"
  --conf "spark.kubernetes.executor.request.cores=$executor_cores"
)
if [[ $gpu == 1 ]]; then
  args+=("${gpu_conf[@]}"
    --conf spark.executor.resource.gpu.vendor=nvidia.com
    --conf spark.executor.resource.gpu.discoveryScript=/opt/sparklora/discover-gpus.sh
    --conf "spark.kubernetes.driver.podTemplateFile=$pod_templates/driver-pod-template.yaml"
    --conf "spark.kubernetes.executor.podTemplateFile=$pod_templates/executor-pod-template.yaml")
fi
run_submit "${args[@]}"
