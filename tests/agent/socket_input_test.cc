#include "agent/inputs/socket_input.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "buffer/event.h"
#include "platforms/base/clock.h"
#include "tests/support/memory_queue.h"

namespace agent {
namespace {

constexpr auto kTimeout = std::chrono::seconds(20);

struct Got {
  std::string source_key;
  std::string shared_fields_json;
  uint64_t offset = 0;
  uint32_t flags = 0;
  std::string message;
  std::string fields_json;
};

// A blocking client socket: Unix when `path` is set, else TCP to 127.0.0.1:port.
int Connect(const std::string& path, uint16_t port) {
  if (!path.empty()) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

class SocketInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    char dir_template[] = "/tmp/skiff-socket-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    path_ = dir_ + "/ingest.sock";
  }

  void TearDown() override {
    flood_stop_ = true;
    for (std::thread& t : clients_) t.join();
    if (input_) input_->Stop();
    input_.reset();
    for (int turn = 0; turn < 4; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
    int rc = uv_loop_close(&loop_);
    EXPECT_EQ(rc, 0) << "a handle was leaked";
    if (rc != 0) base::CloseLoop(&loop_);
    std::filesystem::remove_all(dir_);
  }

  SocketInputOptions UnixOptions() {
    SocketInputOptions options;
    options.id = "events";
    options.unix_path = path_;
    options.format.body = BodyFormat::kJson;
    options.shared_fields_json = R"("event.dataset":"events")";
    return options;
  }

  void StartInput(SocketInputOptions options) {
    input_ = std::make_unique<SocketInput>(&loop_, queue_, clock_, std::move(options));
    base::Status status = input_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    queue_.SetOnSpace([this] { input_->OnBufferSpace(); });
  }

  // Takes every readable batch out of the queue and acknowledges it.
  void Drain() {
    while (auto lease = queue_.Read()) {
      for (const buffer::Event& e : lease->batch->events) {
        got_.push_back(Got{lease->batch->source_key, lease->batch->shared_fields_json, e.offset,
                           e.flags, e.message, e.fields_json});
      }
      queue_.Ack(lease->id);
    }
  }

  // Runs the loop (draining the queue when `drain`) until `done`, bounded in time.
  void RunUntil(const std::function<bool()>& done, bool drain = true) {
    auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      uv_run(&loop_, UV_RUN_NOWAIT);
      if (drain) Drain();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(done()) << "timed out";
  }

  // A client thread: connects, sends `bytes`, closes.
  void SendFromThread(std::string bytes, uint16_t port = 0) {
    std::string path = port == 0 ? path_ : std::string();
    clients_.emplace_back([this, path, port, bytes = std::move(bytes)] {
      int fd = Connect(path, port);
      if (fd < 0) {
        client_failures_++;
        return;
      }
      if (!WriteAll(fd, bytes)) client_failures_++;
      ::close(fd);
      clients_done_++;
    });
  }

  void JoinClients() {
    for (std::thread& t : clients_) t.join();
    clients_.clear();
  }

  uv_loop_t loop_{};
  base::RealClock clock_;
  buffer::MemoryQueue queue_{64 * 1024 * 1024};
  buffer::MemoryQueue small_queue_{64 * 1024};
  std::unique_ptr<SocketInput> input_;
  std::string dir_;
  std::string path_;
  std::vector<Got> got_;
  std::vector<std::thread> clients_;
  std::atomic<int> clients_done_{0};
  std::atomic<int> client_failures_{0};
  std::atomic<std::size_t> flood_written_{0};
  std::atomic<bool> flood_stop_{false};
};

TEST_F(SocketInputTest, MergesEachJsonLineIntoItsEvent) {
  StartInput(UnixOptions());
  SendFromThread("{\"flow_run\":\"r1\",\"state\":\"Running\"}\n{\"state\":\"Completed\"}\n");
  RunUntil([this] { return got_.size() == 2; });
  EXPECT_EQ(got_[0].fields_json, R"("flow_run":"r1","state":"Running")");
  EXPECT_EQ(got_[0].flags, 0u);
  EXPECT_EQ(got_[0].offset, 0u);
  EXPECT_EQ(got_[1].fields_json, R"("state":"Completed")");
  EXPECT_EQ(got_[1].offset, 36u);  // byte offset of the line in the connection
  EXPECT_EQ(got_[0].source_key, got_[1].source_key);
  EXPECT_TRUE(got_[0].source_key.starts_with("socket/events/")) << got_[0].source_key;
  EXPECT_EQ(input_->stats().events, 2u);
}

TEST_F(SocketInputTest, KeepsAMalformedLineAsItsMessageWithAFlag) {
  StartInput(UnixOptions());
  SendFromThread("{\"state\": \"Runn\n not json at all\n\n{\"ok\":true}\n");
  RunUntil([this] { return got_.size() == 3; });
  EXPECT_EQ(got_[0].message, "{\"state\": \"Runn");
  EXPECT_NE(got_[0].flags & buffer::kFlagJsonParseFailed, 0u);
  EXPECT_EQ(got_[1].message, " not json at all");
  EXPECT_NE(got_[1].flags & buffer::kFlagJsonParseFailed, 0u);
  EXPECT_EQ(got_[2].fields_json, R"("ok":true)");  // the empty line carried nothing
  EXPECT_EQ(input_->stats().json_failures, 2u);
}

TEST_F(SocketInputTest, CutsAnOverLongLineFlagsItAndKeepsTheNextOne) {
  SocketInputOptions options = UnixOptions();
  options.max_line_bytes = 100;
  options.format.body = BodyFormat::kText;
  StartInput(options);
  SendFromThread(std::string(3 * 1024 * 1024, 'x') + "\nafter\n");
  RunUntil([this] { return got_.size() == 2; });
  EXPECT_EQ(got_[0].message, std::string(100, 'x'));
  EXPECT_NE(got_[0].flags & buffer::kFlagTruncated, 0u);
  EXPECT_EQ(got_[1].message, "after");
  EXPECT_EQ(got_[1].flags, 0u);
  EXPECT_EQ(input_->stats().truncated_lines, 1u);
}

TEST_F(SocketInputTest, SendsAnUnfinishedLastLineFlaggedPartialAndBadUtf8Replaced) {
  SocketInputOptions options = UnixOptions();
  options.format.body = BodyFormat::kText;
  StartInput(options);
  SendFromThread("bad \xff byte\nno newline at the end");
  RunUntil([this] { return got_.size() == 2; });
  EXPECT_EQ(got_[0].message, "bad \xEF\xBF\xBD byte");
  EXPECT_NE(got_[0].flags & buffer::kFlagInvalidUtf8, 0u);
  EXPECT_EQ(got_[1].message, "no newline at the end");
  EXPECT_NE(got_[1].flags & buffer::kFlagPartial, 0u);
}

TEST_F(SocketInputTest, EightConcurrentClientsDeliverEveryLineExactlyOnce) {
  StartInput(UnixOptions());
  constexpr int kClients = 8;
  constexpr int kLines = 5000;
  for (int c = 0; c < kClients; ++c) {
    std::string bytes;
    for (int i = 0; i < kLines; ++i) {
      bytes += "{\"client\":" + std::to_string(c) + ",\"seq\":" + std::to_string(i) + "}\n";
    }
    SendFromThread(std::move(bytes));
  }
  RunUntil([this] { return got_.size() >= kClients * kLines && clients_done_ == kClients; });
  // Let anything extra arrive before counting.
  for (int turn = 0; turn < 10; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
  Drain();
  std::set<std::string> seen;
  std::set<std::pair<std::string, uint64_t>> ids;
  for (const Got& g : got_) {
    seen.insert(g.fields_json);
    ids.insert({g.source_key, g.offset});
  }
  EXPECT_EQ(got_.size(), static_cast<std::size_t>(kClients * kLines));
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kClients * kLines));
  EXPECT_EQ(ids.size(), got_.size()) << "two events share a source key and offset";
  EXPECT_EQ(input_->counters().connections_accepted, static_cast<uint64_t>(kClients));
  EXPECT_EQ(client_failures_, 0);
}

TEST_F(SocketInputTest, StopsReadingWhileTheBufferIsFullSoTheSenderBlocksThenDeliversAll) {
  SocketInputOptions options = UnixOptions();
  options.format.body = BodyFormat::kText;
  options.batch_bytes = 16 * 1024;
  options.unix_path = dir_ + "/small.sock";
  // A small queue nobody drains: it turns Full() at once.
  buffer::MemoryQueue& small = small_queue_;
  input_ = std::make_unique<SocketInput>(&loop_, small, clock_, options);
  ASSERT_TRUE(input_->Start().ok());
  small.SetOnSpace([this] { input_->OnBufferSpace(); });
  const std::string small_path = options.unix_path;

  constexpr std::size_t kTotalBytes = 100 * 160 * 1024;  // whole lines, 15.6 MiB
  const std::string line = std::string(99, 'a') + "\n";
  std::atomic<std::size_t>& written = flood_written_;
  std::atomic<bool>& stop = flood_stop_;
  clients_.emplace_back([&written, &stop, line, small_path] {
    int fd = Connect(small_path, 0);
    if (fd < 0) return;
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    std::string chunk;
    while (chunk.size() < 64 * 1024) chunk += line;
    std::size_t pos = 0;
    while (written < kTotalBytes && !stop) {
      std::string_view rest = std::string_view(chunk).substr(pos % chunk.size());
      ssize_t n =
          ::send(fd, rest.data(), std::min(rest.size(), kTotalBytes - written), MSG_NOSIGNAL);
      if (n > 0) {
        written += static_cast<std::size_t>(n);
        pos += static_cast<std::size_t>(n);
      } else {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 10);
      }
    }
    ::close(fd);
  });
  // Paused, and the sender is stuck far below what it wants to send.
  RunUntil([&] { return input_->paused(); }, /*drain=*/false);
  std::size_t before = 0;
  for (int i = 0; i < 20; ++i) {
    before = written;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    while (std::chrono::steady_clock::now() < until) uv_run(&loop_, UV_RUN_NOWAIT);
  }
  EXPECT_EQ(written.load(), before) << "the sender was not blocked";
  EXPECT_LT(written.load(), kTotalBytes / 4);
  // What skiff holds stays within a batch, a chunk and a line (plus the queue's own bound).
  EXPECT_LT(input_->held_bytes(), options.batch_bytes + 2 * options.read_chunk_bytes);

  // Draining the queue lets everything through, in order, none lost.
  uint64_t lines = 0;
  uint64_t expected_offset = 0;
  bool in_order = true;
  auto drain_small = [&] {
    while (auto lease = small.Read()) {
      for (const buffer::Event& e : lease->batch->events) {
        in_order = in_order && e.offset == expected_offset && e.message.size() == 99;
        expected_offset = e.offset + 100;
        ++lines;
      }
      small.Ack(lease->id);
    }
  };
  auto deadline = std::chrono::steady_clock::now() + kTimeout;
  while (lines < kTotalBytes / 100 && std::chrono::steady_clock::now() < deadline) {
    uv_run(&loop_, UV_RUN_NOWAIT);
    drain_small();
  }
  stop = true;
  JoinClients();
  EXPECT_EQ(lines, kTotalBytes / 100);
  EXPECT_TRUE(in_order);
  EXPECT_GT(input_->counters().pauses, 1u);
}

TEST_F(SocketInputTest, ListensOnLoopbackTcpAndNamesThePeer) {
  SocketInputOptions options = UnixOptions();
  options.unix_path.clear();
  options.tcp_host = "127.0.0.1";
  options.tcp_port = 0;
  StartInput(options);
  uint16_t port = input_->tcp_port();
  ASSERT_NE(port, 0);
  SendFromThread("{\"a\":1}\n", port);
  RunUntil([this] { return got_.size() == 1; });
  EXPECT_TRUE(got_[0].shared_fields_json.starts_with(R"("log.source.address":"127.0.0.1:)"))
      << got_[0].shared_fields_json;
  EXPECT_NE(got_[0].shared_fields_json.find(R"("event.dataset":"events")"), std::string::npos);
}

TEST_F(SocketInputTest, SetsTheSocketModeAndRecordsTheSendersCredentials) {
  SocketInputOptions options = UnixOptions();
  options.mode = 0640;
  options.group = std::to_string(::getgid());
  StartInput(options);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_gid, ::getgid());
  SendFromThread("{}\n");
  RunUntil([this] { return got_.size() == 1; });
  const std::string expected = std::string(R"("log.source.address":")") + path_ +
                               R"(","process.pid":)" + std::to_string(::getpid()) +
                               R"(,"user.id":")" + std::to_string(::getuid()) + "\"";
  EXPECT_TRUE(got_[0].shared_fields_json.starts_with(expected)) << got_[0].shared_fields_json;
}

TEST_F(SocketInputTest, ReplacesAStaleSocketFileRefusesALiveOneAndRemovesItsOwnAtStop) {
  {
    // A stale file: a socket bound and closed without unlinking.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);
  }
  StartInput(UnixOptions());
  SocketInput second(&loop_, queue_, clock_, UnixOptions());
  base::Status status = second.Start();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find("ingest.sock"), std::string::npos) << status.ToString();
  second.Stop();
  EXPECT_TRUE(std::filesystem::exists(path_)) << "the live socket's file was removed";
  input_->Stop();
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(SocketInputTest, RefusesAnUnknownGroup) {
  SocketInputOptions options = UnixOptions();
  options.group = "no-such-group-skiff-test";
  input_ = std::make_unique<SocketInput>(&loop_, queue_, clock_, options);
  base::Status status = input_->Start();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.ToString().find("no-such-group-skiff-test"), std::string::npos);
}

TEST_F(SocketInputTest, ClosesConnectionsOverMaxConnections) {
  SocketInputOptions options = UnixOptions();
  options.max_connections = 1;
  StartInput(options);
  int first = Connect(path_, 0);
  ASSERT_GE(first, 0);
  RunUntil([this] { return input_->counters().connections_open == 1; });
  int second = Connect(path_, 0);
  ASSERT_GE(second, 0);
  RunUntil([this] { return input_->counters().connections_rejected == 1; });
  ASSERT_TRUE(WriteAll(first, "{\"from\":\"first\"}\n"));
  ::close(first);
  ::close(second);
  RunUntil([this] { return got_.size() == 1 && input_->counters().connections_open == 0; });
  EXPECT_EQ(got_[0].fields_json, R"("from":"first")");
}

TEST_F(SocketInputTest, StopSendsWhatWasReadAndTheUnfinishedLine) {
  StartInput(UnixOptions());
  int fd = Connect(path_, 0);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteAll(fd, "{\"n\":1}\n{\"n\":"));
  RunUntil([this] { return input_->stats().bytes == 13; }, /*drain=*/false);
  input_->Stop();
  Drain();
  ::close(fd);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].fields_json, R"("n":1)");
  EXPECT_EQ(got_[1].message, "{\"n\":");
  EXPECT_NE(got_[1].flags & buffer::kFlagPartial, 0u);
}

}  // namespace
}  // namespace agent
