//! [`DevicePluginSocketMissing`](crate::rules::RuleId::DevicePluginSocketMissing): a device plugin that cannot reach the kubelet's device-plugin socket directory.

use crate::classify::image_repository;
use crate::index::Index;
use crate::model::WorkloadKind;
use crate::rules::Findings;
use regex::Regex;
use std::sync::OnceLock;

/// Images of device plugins: they register with the kubelet through a socket in
/// `/var/lib/kubelet/device-plugins` (NVIDIA, AMD, Intel, AWS Neuron, Habana/Gaudi, GKE's GPU
/// and TPU plugins, vGPU plugins, SR-IOV and RDMA plugins, the smarter-device-manager).
fn plugin_image() -> Option<&'static Regex> {
    static R: OnceLock<Option<Regex>> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(
            r"(?i)^(k8s-device-plugin|nvidia-device-plugin|nvidia-gpu-device-plugin|amdgpu-device-plugin|amd-gpu-device-plugin|neuron-device-plugin|k8s-neuron-device-plugin|intel-[a-z0-9]+-plugin|docker-k8s-device-plugin|habana-device-plugin|gaudi-device-plugin|tpu-device-plugin|[a-z0-9-]*vgpu-device-plugin|sriov-network-device-plugin|k8s-rdma-shared-dev-plugin|smarter-device-manager)$",
        )
        .ok()
    })
    .as_ref()
}

/// Whether a host path holds the kubelet's device-plugin directory: the directory itself (also
/// under MicroK8s, k0s or k3s kubelet roots), or a directory above it.
fn reaches_socket_dir(path: &str) -> bool {
    let p = path.trim_end_matches('/');
    p.ends_with("/device-plugins") || p.ends_with("/kubelet") || matches!(p, "" | "/var" | "/var/lib")
}

pub fn check(ix: &Index, out: &mut Findings) {
    let Some(re) = plugin_image() else { return };
    for (o, w, _) in ix.workloads() {
        // A patch adds to a base that has its volumes; an export is not a manifest to fix.
        if w.kind != WorkloadKind::DaemonSet || o.completion.is_some() || o.export {
            continue;
        }
        let Some(spec) = w.pod_spec else { continue };
        let socket_volumes: Vec<&str> = spec
            .volumes
            .iter()
            .flatten()
            .filter(|v| v.host_path.as_ref().is_some_and(|h| reaches_socket_dir(&h.path)))
            .map(|v| v.name.as_str())
            .collect();
        // The plugin itself is a regular container: NVIDIA's chart runs `config-manager` from
        // the same image as an init container, and GPU feature discovery and the MPS control
        // daemon ship in it too; none of them registers with the kubelet.
        for (idx, ctr) in spec.containers.iter().enumerate() {
            let Some(image) = ctr.image.as_deref() else { continue };
            let (name, _) = image_repository(image);
            if !re.is_match(name) || crate::yaml::is_placeholder(image) {
                continue;
            }
            // The image's own entrypoint, or a command that starts the plugin: the same images
            // also run node labellers, GPU feature discovery, `config-manager` and MPS daemons.
            let line = crate::classify::command_line(ctr);
            let starts_plugin = ctr.command.is_none() || line.contains("plugin");
            if !starts_plugin
                || ["config-manager", "gpu-feature-discovery", "mps-control-daemon", "--version", "--help"].iter().any(|c| line.contains(c))
            {
                continue;
            }
            if ctr.volume_mounts.iter().flatten().any(|m| socket_volumes.contains(&m.name.as_str())) {
                continue;
            }
            let y = ix.file(o);
            let path = w.container_path(idx).key("name");
            let Some(node) = y.lookup(o.root, &path) else { continue };
            out.report(
                o.file,
                y.span(node),
                format!(
                    "device plugin container `{}` ({name}) mounts no hostPath of /var/lib/kubelet/device-plugins: it cannot create its socket there or register with the kubelet, so no node ever advertises its devices and pods that request them stay Pending",
                    ctr.name
                ),
            )
            .help("mount the kubelet's directory: `volumes: [{name: device-plugin, hostPath: {path: /var/lib/kubelet/device-plugins}}]` and, in the container, `volumeMounts: [{name: device-plugin, mountPath: /var/lib/kubelet/device-plugins}]`")
            .path(path)
            .object(o);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn plugin_images_and_socket_paths() {
        let re = super::plugin_image().expect("compiles");
        for n in ["k8s-device-plugin", "neuron-device-plugin", "intel-gpu-plugin", "volcano-vgpu-device-plugin", "nvidia-gpu-device-plugin"]
        {
            assert!(re.is_match(n), "{n}");
        }
        for n in ["dcgm-exporter", "gpu-feature-discovery", "k8s-dra-driver", "device-plugin-tests"] {
            assert!(!re.is_match(n), "{n}");
        }
        assert!(super::reaches_socket_dir("/var/lib/kubelet/device-plugins/"));
        assert!(super::reaches_socket_dir("/var/snap/microk8s/common/var/lib/kubelet/device-plugins"));
        assert!(super::reaches_socket_dir("/var/lib/kubelet"));
        assert!(!super::reaches_socket_dir("/dev"));
    }
}
