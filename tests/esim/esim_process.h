// EsimProcess: runs the esim binary as a child process on a free loopback port, for the
// tests and the esim_load self-test. The constructor waits (bounded) for the
// "esim listening on 127.0.0.1:PORT" line; the destructor stops the process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace esim {

class EsimProcess {
 public:
  // Starts `binary --port 0 ARGS...`. port() is 0 when it did not come up in `timeout`.
  EsimProcess(const std::string& binary, const std::vector<std::string>& args,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~EsimProcess();
  EsimProcess(const EsimProcess&) = delete;
  EsimProcess& operator=(const EsimProcess&) = delete;

  // Sends SIGTERM and returns the exit status (128+N for signal N; -1 when it did not
  // exit in time and had to be killed).
  int Stop();

  uint16_t port() const { return port_; }
  // The first line it printed, for messages when it failed to start.
  const std::string& first_line() const { return first_line_; }
  // User plus system CPU seconds the process has used so far.
  double CpuSeconds() const;

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string first_line_;
  bool stopped_ = false;
  std::chrono::milliseconds timeout_;
};

}  // namespace esim
