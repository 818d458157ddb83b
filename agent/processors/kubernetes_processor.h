// KubernetesProcessor: pod metadata from the container log path, without calling the
// Kubernetes API (`type = "kubernetes"`). The kubelet names container logs
//   /var/log/containers/<pod>_<namespace>_<container>-<container id>.log   (symlinks)
//   /var/log/pods/<namespace>_<pod>_<pod uid>/<container>/<restart>.log
// and the node name comes from the config or the NODE_NAME variable (downward API:
// `fieldRef: spec.nodeName`). The fields are the same for every event of a file, so they
// are added once per batch to its shared fields: kubernetes.namespace,
// kubernetes.pod.name, kubernetes.pod.uid, kubernetes.container.name, container.id,
// kubernetes.node.name. A path of neither shape adds nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/processors/processor.h"

namespace agent {

struct KubernetesMetadata {
  std::string namespace_name;
  std::string pod_name;
  std::string pod_uid;
  std::string container_name;
  std::string container_id;
};

// nullopt when `path` is not a kubelet container log path.
std::optional<KubernetesMetadata> ParseKubernetesLogPath(std::string_view path);

// The decoded value of `"key":"..."` among the JSON members `members`, or nullopt.
std::optional<std::string> FindSharedString(std::string_view members, std::string_view key);
// The same without decoding: the escaped text between the quotes, a view into `members`.
// `quoted_key` is the key as JSON ("\"log.file.path\"").
std::optional<std::string_view> FindSharedStringRaw(std::string_view members,
                                                    std::string_view quoted_key);

class KubernetesProcessor final : public Processor {
 public:
  KubernetesProcessor(std::string name, std::string node_name)
      : Processor(std::move(name)), node_name_(std::move(node_name)) {}

  void BeginBatch(buffer::EventBatch& batch) override;
  Verdict Process(EventView& /*event*/) override {
    ++stats_.events;
    if (batch_matched_) ++stats_.modified;
    return Verdict::kKeep;
  }

 private:
  std::string node_name_;
  // The last path seen and the members it yields: a file's batches come one after another.
  std::string cached_raw_path_;  // escaped, as in shared_fields_json
  std::string cached_members_;
  bool batch_matched_ = false;
};

}  // namespace agent
