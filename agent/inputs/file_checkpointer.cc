#include "agent/inputs/file_checkpointer.h"

#include <utility>

namespace agent {

void FileCheckpointer::BatchAppended(std::string_view key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) it = keys_.emplace(std::string(key), KeyState{}).first;
  ++it->second.in_flight;
}

void FileCheckpointer::AppendFailed(std::string_view key) {
  auto it = keys_.find(key);
  if (it == keys_.end() || it->second.in_flight == 0) return;
  --it->second.in_flight;
  Settle(it);
}

void FileCheckpointer::BatchDurable(std::string_view key, buffer::Checkpoint checkpoint) {
  store_.Set(key, std::move(checkpoint));
  auto it = keys_.find(key);
  if (it == keys_.end() || it->second.in_flight == 0) return;
  --it->second.in_flight;
  Settle(it);
}

void FileCheckpointer::ForgetWhenIdle(std::string_view key,
                                      std::optional<buffer::Checkpoint> tombstone) {
  auto it = keys_.find(key);
  if (it == keys_.end()) it = keys_.emplace(std::string(key), KeyState{}).first;
  it->second.forget_when_idle = true;
  it->second.tombstone = std::move(tombstone);
  Settle(it);
}

std::optional<buffer::Checkpoint> FileCheckpointer::TakeForgotten(std::string_view key) {
  auto it = keys_.find(key);
  if (it == keys_.end() || !it->second.forget_when_idle) return std::nullopt;
  it->second.forget_when_idle = false;
  return std::exchange(it->second.tombstone, std::nullopt).value_or(buffer::Checkpoint{});
}

std::size_t FileCheckpointer::in_flight(std::string_view key) const {
  auto it = keys_.find(key);
  return it == keys_.end() ? 0 : it->second.in_flight;
}

void FileCheckpointer::Settle(std::map<std::string, KeyState, std::less<>>::iterator it) {
  if (it->second.in_flight != 0) return;
  if (it->second.forget_when_idle && it->second.tombstone) {
    store_.Set(it->first, *it->second.tombstone);
  } else if (it->second.forget_when_idle) {
    store_.Erase(it->first);
  }
  keys_.erase(it);
}

}  // namespace agent
