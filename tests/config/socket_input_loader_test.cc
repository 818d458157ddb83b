#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_loader.h"
#include "tests/config/loader_test_support.h"

namespace config {
namespace {

using testing::Errors;
using testing::Load;

TEST(SocketInputLoaderTest, AUnixSocketGetsEveryDefault) {
  Config c =
      Load("[[inputs.socket]]\nid = \"task-events\"\nlisten = \"unix:/run/skiff/in.sock\"\n");
  ASSERT_EQ(c.socket_inputs.size(), 1u);
  const SocketInputConfig& s = c.socket_inputs[0];
  EXPECT_EQ(s.id, "task-events");
  EXPECT_EQ(s.unix_path, "/run/skiff/in.sock");
  EXPECT_EQ(s.tcp_host, "");
  EXPECT_EQ(s.mode, 0660u);
  EXPECT_EQ(s.group, "");
  EXPECT_EQ(s.format, Format::kJson);
  EXPECT_EQ(s.max_line_bytes, 1 * kMiB);
  EXPECT_EQ(s.max_connections, 256u);
  EXPECT_EQ(InputIds(c), std::vector<std::string>{"task-events"});
}

TEST(SocketInputLoaderTest, EveryKeyIsRead) {
  Config c = Load(
      "[[inputs.socket]]\nid = \"a\"\nlisten = \"/tmp/a.sock\"\nmode = \"0600\"\n"
      "group = \"adm\"\nformat = \"text\"\nmax_line_bytes = \"64KiB\"\nmax_connections = 8\n"
      "fields = { team = \"data\" }\nindex = \"logs-tasks-default\"\ndataset = \"tasks\"\n"
      "[[inputs.socket.processors]]\ntype = \"sample\"\nevery = 10\n"
      "[[inputs.socket]]\nid = \"b\"\nlisten = \"127.0.0.1:5170\"\n"
      "[[inputs.socket]]\nid = \"c\"\nlisten = \"[::1]:5171\"\nformat = \"auto\"\n");
  ASSERT_EQ(c.socket_inputs.size(), 3u);
  const SocketInputConfig& a = c.socket_inputs[0];
  EXPECT_EQ(a.unix_path, "/tmp/a.sock");
  EXPECT_EQ(a.mode, 0600u);
  EXPECT_EQ(a.group, "adm");
  EXPECT_EQ(a.format, Format::kText);
  EXPECT_EQ(a.max_line_bytes, 64 * kKiB);
  EXPECT_EQ(a.max_connections, 8u);
  ASSERT_EQ(a.fields.size(), 1u);
  EXPECT_EQ(a.index, "logs-tasks-default");
  EXPECT_EQ(a.dataset, "tasks");
  EXPECT_EQ(a.processors.size(), 1u);
  EXPECT_EQ(c.socket_inputs[1].tcp_host, "127.0.0.1");
  EXPECT_EQ(c.socket_inputs[1].tcp_port, 5170);
  EXPECT_EQ(c.socket_inputs[2].tcp_host, "::1");
  EXPECT_EQ(c.socket_inputs[2].format, Format::kAuto);
}

TEST(SocketInputLoaderTest, ANonLoopbackAddressIsRefusedWithWhatToWrite) {
  EXPECT_EQ(Errors("[[inputs.socket]]\nid = \"a\"\nlisten = \"0.0.0.0:5170\"\n"),
            std::vector<std::string>{
                "t.toml:3:10: inputs.socket[0].listen: must be a loopback address (127.0.0.1, "
                "[::1] or localhost): the socket accepts events without authentication; write a "
                "Unix socket path (\"unix:/run/skiff/ingest.sock\") or a loopback address "
                "(\"127.0.0.1:5170\")"});
  EXPECT_EQ(Errors("[[inputs.socket]]\nid = \"a\"\nlisten = \"10.1.2.3:5170\"\n").size(), 1u);
  EXPECT_EQ(Errors("[[inputs.socket]]\nid = \"a\"\nlisten = \":5170\"\n").size(), 1u);
}

TEST(SocketInputLoaderTest, BadValuesPointAtTheirKey) {
  std::vector<std::string> errors = Errors(
      "[[inputs.socket]]\nid = \"a\"\nlisten = \"127.0.0.1:99999\"\n"
      "[[inputs.socket]]\nid = \"b\"\nlisten = \"relative/in.sock\"\n"
      "[[inputs.socket]]\nid = \"c\"\nlisten = \"/tmp/c.sock\"\nmode = \"rw-rw----\"\n"
      "format = \"cri\"\nmax_connections = 0\n"
      "[[inputs.socket]]\nid = \"d\"\nlisten = \"127.0.0.1:1\"\nmode = \"0600\"\n"
      "[[inputs.socket]]\nid = \"e\"\n");
  ASSERT_EQ(errors.size(), 7u);
  EXPECT_EQ(errors[0],
            "t.toml:3:10: inputs.socket[0].listen: has no valid port (1 to 65535) after the last "
            "':'; write a Unix socket path (\"unix:/run/skiff/ingest.sock\") or a loopback "
            "address (\"127.0.0.1:5170\")");
  EXPECT_EQ(errors[1],
            "t.toml:6:10: inputs.socket[1].listen: is neither a path nor host:port; write a Unix "
            "socket path (\"unix:/run/skiff/ingest.sock\") or a loopback address "
            "(\"127.0.0.1:5170\")");
  EXPECT_EQ(errors[2],
            "t.toml:10:8: inputs.socket[2].mode: must be octal permission bits as a string, like "
            "mode = \"0660\" (owner and group may send) or \"0600\" (owner only)");
  EXPECT_NE(errors[3].find("t.toml:11:10: inputs.socket[2].format:"), std::string::npos)
      << errors[3];
  EXPECT_NE(errors[4].find("t.toml:12:19: inputs.socket[2].max_connections:"), std::string::npos)
      << errors[4];
  EXPECT_EQ(errors[5],
            "t.toml:16:8: inputs.socket[3].mode: applies to Unix sockets only; remove it, or "
            "listen on a Unix socket path");
  EXPECT_NE(errors[6].find("inputs.socket[4].listen: missing;"), std::string::npos) << errors[6];
}

TEST(SocketInputLoaderTest, IdsAreUniqueAcrossInputKinds) {
  std::vector<std::string> errors = Errors(
      "[[inputs.file]]\nid = \"x\"\npaths = [\"/var/log/x.log\"]\n"
      "[[inputs.socket]]\nid = \"x\"\nlisten = \"/tmp/x.sock\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("inputs.socket[0].id: duplicate id \"x\""), std::string::npos)
      << errors[0];
}

TEST(SocketInputLoaderTest, AnOverLongUnixPathIsRefusedAndLocalhostAccepted) {
  std::vector<std::string> errors =
      Errors("[[inputs.socket]]\nid = \"a\"\nlisten = \"/" + std::string(200, 'a') + "\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("is 201 bytes; at most 107 fit"), std::string::npos) << errors[0];
  Config c = Load("[[inputs.socket]]\nid = \"a\"\nlisten = \"localhost:5170\"\n");
  ASSERT_EQ(c.socket_inputs.size(), 1u);
  EXPECT_EQ(c.socket_inputs[0].tcp_host, "localhost");
}

}  // namespace
}  // namespace config
