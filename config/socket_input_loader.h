// Loading of the keys particular to [[inputs.socket]]: `listen` (a Unix socket path or a
// loopback TCP address, split into SocketInputConfig's unix_path or tcp_host/tcp_port),
// `mode`, `group`, `format`, `max_line_bytes` and `max_connections`. The keys every input
// has (id, fields, index, dataset, processors) are read by config_loader.cc. Internal to
// config/: sees toml++ through table_reader.h.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "config/table_reader.h"

namespace config {

// Reads the socket-only keys of one [[inputs.socket]] table; every problem is reported
// to the reader's ErrorList with its position and what to write instead.
void LoadSocketInputKeys(TableReader& reader, SocketInputConfig* input);

// What is wrong with `listen` ("" when nothing); fills the unix_path or tcp_host and
// tcp_port of `input` when it is right. TCP is accepted on loopback addresses only: the
// socket takes events from anyone who can connect, without authentication.
std::string SocketListenProblem(std::string_view listen, SocketInputConfig* input);

}  // namespace config
