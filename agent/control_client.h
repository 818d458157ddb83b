// ControlClient: the client side of the control socket (data_dir/skiff.sock), used by
// `skiff status`, `skiff top` and `skiff reload` to talk to the running agent.
//
// One blocking HTTP/1.1 request per call ("Connection: close"), bounded by a deadline;
// the CLI has nothing else to do meanwhile, so no event loop is needed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "platforms/base/result.h"

namespace agent {

struct ControlResponse {
  int status = 0;
  std::string body;
};

class ControlClient {
 public:
  // Finds the agent of `data_dir` at data_dir/skiff.sock.
  explicit ControlClient(std::string_view data_dir);

  // kNotFound with "no skiff running on <data_dir> (no control socket)" when nothing
  // listens (no socket file, or a stale one); kDeadlineExceeded after `timeout`;
  // kUnavailable when the agent closes the connection without a whole response.
  base::Result<ControlResponse> Request(std::string_view method, std::string_view path,
                                        std::chrono::milliseconds timeout) const;

  const std::string& socket_path() const { return socket_path_; }

 private:
  std::string data_dir_;
  std::string socket_path_;
};

// The data_dir the client commands look in: `data_dir_flag` when given, otherwise the one
// in the config file at `config_path` (config/data_dir_probe.h). kInvalidArgument when the
// file cannot be read or parsed (the message says to pass --data-dir).
base::Result<std::string> ResolveDataDir(std::string_view config_path,
                                         std::string_view data_dir_flag);

}  // namespace agent
