#!/usr/bin/env python3
"""Generates a synthetic corpus of realistic multi-document manifests for the benchmark.

usage: gen-corpus.py DIR N   (N files; deterministic for a given N)
Each file is one application: a Deployment with its Service, a StatefulSet with its headless
Service and claim templates, a DaemonSet, a Job, a ConfigMap, or a CRD, in rotation.
"""
import os
import sys

def deployment(i):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: api-{i}
  namespace: team-{i % 50}
  labels: {{app: api-{i}, tier: backend}}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: api-{i}}}
  template:
    metadata:
      labels: {{app: api-{i}, tier: backend}}
    spec:
      containers:
        - name: api
          image: ghcr.io/example/api:1.{i % 20}.0
          ports:
            - {{name: http, containerPort: 8080}}
          env:
            - {{name: LOG_LEVEL, value: info}}
            - {{name: WORKERS, value: "4"}}
          resources:
            requests: {{cpu: 250m, memory: 256Mi}}
            limits: {{cpu: "1", memory: 512Mi}}
          readinessProbe:
            httpGet: {{path: /healthz, port: http}}
---
apiVersion: v1
kind: Service
metadata:
  name: api-{i}
  namespace: team-{i % 50}
spec:
  selector: {{app: api-{i}}}
  ports:
    - {{name: http, port: 80, targetPort: http}}
"""

def statefulset(i):
    return f"""apiVersion: v1
kind: Service
metadata:
  name: trainer-{i}
  namespace: team-{i % 50}
spec:
  clusterIP: None
  selector: {{app: trainer-{i}}}
  ports:
    - {{name: rdzv, port: 29500}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: trainer-{i}
  namespace: team-{i % 50}
spec:
  serviceName: trainer-{i}
  replicas: 4
  podManagementPolicy: Parallel
  selector:
    matchLabels: {{app: trainer-{i}}}
  template:
    metadata:
      labels: {{app: trainer-{i}}}
    spec:
      tolerations:
        - {{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}}
      containers:
        - name: trainer
          image: pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime
          command: ["torchrun", "--nnodes=4", "--nproc-per-node=8", "train.py"]
          env:
            - {{name: MASTER_ADDR, value: trainer-{i}-0.trainer-{i}}}
          resources:
            limits: {{nvidia.com/gpu: 8, memory: 200Gi}}
          volumeMounts:
            - {{name: ckpt, mountPath: /ckpt}}
            - {{name: dshm, mountPath: /dev/shm}}
      volumes:
        - name: dshm
          emptyDir: {{medium: Memory}}
  volumeClaimTemplates:
    - metadata:
        name: ckpt
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests: {{storage: 500Gi}}
"""

def daemonset(i):
    return f"""apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: exporter-{i}
  namespace: monitoring-{i % 10}
spec:
  selector:
    matchLabels: {{app: exporter-{i}}}
  template:
    metadata:
      labels: {{app: exporter-{i}}}
    spec:
      nodeSelector: {{nvidia.com/gpu.present: "true"}}
      tolerations:
        - {{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}}
      containers:
        - name: exporter
          image: nvcr.io/nvidia/k8s/dcgm-exporter:3.3.8-3.6.0-ubuntu22.04
          ports:
            - {{name: metrics, containerPort: 9400}}
"""

def job(i):
    return f"""apiVersion: batch/v1
kind: Job
metadata:
  name: eval-{i}
  namespace: team-{i % 50}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: eval
          image: ghcr.io/example/eval:0.{i % 9}.1
          args: ["--dataset", "s3://bucket/{i}", "--batch-size", "64"]
          resources:
            requests: {{cpu: "2", memory: 8Gi}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: eval-{i}-config
  namespace: team-{i % 50}
data:
  config.yaml: |
    model: llama-{i}
    temperature: 0.{i % 10}
    max_tokens: 512
"""

def crd(i):
    return f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets{i}.example.com
spec:
  group: example.com
  names: {{kind: Widget{i}, plural: widgets{i}}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {{type: integer}}
                color: {{type: string}}
"""

KINDS = [deployment, statefulset, deployment, daemonset, job, deployment, crd]

def main():
    out, n = sys.argv[1], int(sys.argv[2])
    for i in range(n):
        sub = os.path.join(out, f"app-{i // 100:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"m{i:05d}.yaml"), "w") as f:
            f.write(KINDS[i % len(KINDS)](i))

if __name__ == "__main__":
    main()
