#include "platforms/systemd/service_notifier.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

namespace systemd {
namespace {

// A datagram socket standing in for systemd's notification socket.
class FakeNotifySocket {
 public:
  explicit FakeNotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0;
    timeval timeout{5, 0};  // a missing datagram fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~FakeNotifySocket() {
    ::close(fd_);
    if (path_[0] == '/') ::unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  std::string Receive() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string TempSocketPath() {
  return (std::filesystem::temp_directory_path() /
          ("skiff-notify-" + std::to_string(::getpid()) + ".sock"))
      .string();
}

TEST(ServiceNotifierTest, SendsReadyWithAStatusLine) {
  FakeNotifySocket systemd(TempSocketPath());
  ASSERT_TRUE(systemd.bound());
  ServiceNotifier notifier(TempSocketPath());
  ASSERT_TRUE(notifier.Ready("running\nwith 2 inputs").ok());
  EXPECT_EQ(systemd.Receive(), "READY=1\nSTATUS=running with 2 inputs");
}

TEST(ServiceNotifierTest, SendsStoppingReloadingAndWatchdogPings) {
  FakeNotifySocket systemd(TempSocketPath());
  ASSERT_TRUE(systemd.bound());
  ServiceNotifier notifier(TempSocketPath());
  ASSERT_TRUE(notifier.Reloading().ok());
  std::string reloading = systemd.Receive();
  EXPECT_TRUE(reloading.starts_with("RELOADING=1\nMONOTONIC_USEC=")) << reloading;
  ASSERT_TRUE(notifier.WatchdogPing().ok());
  EXPECT_EQ(systemd.Receive(), "WATCHDOG=1");
  ASSERT_TRUE(notifier.Stopping().ok());
  EXPECT_TRUE(systemd.Receive().starts_with("STOPPING=1\n"));
}

TEST(ServiceNotifierTest, ReachesAnAbstractSocket) {
  std::string name = "@skiff-notify-test-" + std::to_string(::getpid());
  FakeNotifySocket systemd(name);
  ASSERT_TRUE(systemd.bound());
  ASSERT_TRUE(ServiceNotifier(name).SetStatus("hello").ok());
  EXPECT_EQ(systemd.Receive(), "STATUS=hello");
}

TEST(ServiceNotifierTest, IsANoOpOutsideSystemd) {
  ServiceNotifier notifier("");
  EXPECT_FALSE(notifier.enabled());
  EXPECT_TRUE(notifier.Ready("running").ok());
}

TEST(ServiceNotifierTest, ReportsASocketThatIsNotListening) {
  ServiceNotifier notifier("/nonexistent-dir/notify.sock");
  EXPECT_FALSE(notifier.Ready("running").ok());
}

TEST(ServiceNotifierTest, ReadsTheEnvironmentAndHidesItFromChildren) {
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  ServiceNotifier notifier = ServiceNotifier::FromEnvironment(/*unset_environment=*/true);
  EXPECT_TRUE(notifier.enabled());
  ASSERT_TRUE(notifier.watchdog_interval().has_value());
  EXPECT_EQ(*notifier.watchdog_interval(), std::chrono::seconds(30));
  EXPECT_EQ(::getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_EQ(::getenv("WATCHDOG_USEC"), nullptr);
  EXPECT_EQ(::getenv("WATCHDOG_PID"), nullptr);
}

TEST(ServiceNotifierTest, IgnoresAWatchdogMeantForAnotherProcess) {
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  ::setenv("WATCHDOG_PID", "1", 1);
  ServiceNotifier notifier = ServiceNotifier::FromEnvironment(/*unset_environment=*/true);
  EXPECT_FALSE(notifier.watchdog_interval().has_value());
}

}  // namespace
}  // namespace systemd
