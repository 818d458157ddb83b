#include "agent/processors/kubernetes_processor.h"

#include <gtest/gtest.h>

#include "platforms/base/json_writer.h"
#include "processor_test_support.h"

namespace agent {
namespace {

using testing::MakeEvent;

constexpr std::string_view kContainerId =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class KubernetesProcessorTest : public ::testing::Test {
 protected:
  static buffer::EventBatch BatchFor(std::string_view path) {
    buffer::EventBatch batch;
    batch.shared_fields_json = "\"log.file.path\":";
    base::AppendJsonString(batch.shared_fields_json, path);
    batch.shared_fields_json += ",\"host.name\":\"node-a\"";
    batch.events.push_back(MakeEvent("line"));
    return batch;
  }
};

TEST_F(KubernetesProcessorTest, ReadsPodNamespaceContainerAndIdFromAContainersPath) {
  auto m =
      ParseKubernetesLogPath(std::string("/var/log/containers/web-7d9f8-abcde_shop_nginx-proxy-") +
                             std::string(kContainerId) + ".log");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->pod_name, "web-7d9f8-abcde");
  EXPECT_EQ(m->namespace_name, "shop");
  EXPECT_EQ(m->container_name, "nginx-proxy");
  EXPECT_EQ(m->container_id, kContainerId);
  EXPECT_EQ(m->pod_uid, "");
}

TEST_F(KubernetesProcessorTest, ReadsNamespacePodUidAndContainerFromAPodsPath) {
  auto m = ParseKubernetesLogPath(
      "/var/log/pods/kube-system_coredns-5d78c9869d-x7k2p_0d5e0c6a-1b2c-4d3e-8f90-a1b2c3d4e5f6/"
      "coredns/3.log");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->namespace_name, "kube-system");
  EXPECT_EQ(m->pod_name, "coredns-5d78c9869d-x7k2p");
  EXPECT_EQ(m->pod_uid, "0d5e0c6a-1b2c-4d3e-8f90-a1b2c3d4e5f6");
  EXPECT_EQ(m->container_name, "coredns");
  EXPECT_EQ(m->container_id, "");
}

TEST_F(KubernetesProcessorTest, IgnoresPathsOfOtherShapes) {
  EXPECT_FALSE(ParseKubernetesLogPath("/var/log/nginx/access.log"));
  EXPECT_FALSE(ParseKubernetesLogPath("/var/log/containers/nounderscore.log"));
  EXPECT_FALSE(ParseKubernetesLogPath("/var/log/containers/a_b_c.log"));
  EXPECT_FALSE(ParseKubernetesLogPath("/var/log/pods/ns_pod_uid/c/0.log.20261122-120000.gz"));
  EXPECT_FALSE(ParseKubernetesLogPath("/var/log/pods/ns_pod_uid/c/x.log"));
  EXPECT_FALSE(ParseKubernetesLogPath("/var/log/pods/nsonly/c/0.log"));
}

TEST_F(KubernetesProcessorTest, AddsTheMetadataOncePerBatchToTheSharedFields) {
  KubernetesProcessor p("processors[0]", "node-7");
  buffer::EventBatch batch = BatchFor(std::string("/var/log/containers/api-1_prod_app-") +
                                      std::string(kContainerId) + ".log");
  std::string before = batch.shared_fields_json;
  p.BeginBatch(batch);
  EXPECT_EQ(batch.shared_fields_json,
            before + R"(,"kubernetes.namespace":"prod","kubernetes.pod.name":"api-1",)" +
                R"("kubernetes.container.name":"app","container.id":")" +
                std::string(kContainerId) + R"(","kubernetes.node.name":"node-7")");
  EventView view;
  view.Reset(&batch.events[0]);
  EXPECT_EQ(p.Process(view), Verdict::kKeep);
  EXPECT_EQ(batch.events[0].fields_json, "");
  EXPECT_EQ(p.stats().modified, 1u);
}

TEST_F(KubernetesProcessorTest, LeavesBatchesOfOtherFilesAlone) {
  KubernetesProcessor p("processors[0]", "");
  buffer::EventBatch batch = BatchFor("/var/log/syslog");
  std::string before = batch.shared_fields_json;
  p.BeginBatch(batch);
  EXPECT_EQ(batch.shared_fields_json, before);
  buffer::EventBatch no_path;
  p.BeginBatch(no_path);
  EXPECT_EQ(no_path.shared_fields_json, "");
}

TEST_F(KubernetesProcessorTest, FindsASharedStringOnlyAsAWholeMember) {
  EXPECT_EQ(FindSharedString(R"("a":"x\"y","b":"z")", "a"), "x\"y");
  EXPECT_EQ(FindSharedString(R"("a":"\"b\":\"no\"","b":"yes")", "b"), "yes");
  EXPECT_FALSE(FindSharedString(R"("a":1)", "b"));
}

}  // namespace
}  // namespace agent
