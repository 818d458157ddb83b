// Status: the outcome of an operation that can fail, as a value (no exceptions in skiff).
//
// An OK status holds no allocation, so success costs nothing. The codes are chosen for
// the decisions callers make (retry, back off, refresh a credential, give up), not to
// mirror errno. Add context as an error rises, once per layer:
//   return status.WithContext("open segment 0042");   // "open segment 0042: no space left"
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace base {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,    // bad input or configuration: do not retry
  kNotFound,           // a file, key or document that does not exist
  kAlreadyExists,      // e.g. the lock is held by another process
  kCorruption,         // bytes that fail a check (CRC, framing, JSON)
  kIoError,            // the OS said no (read, write, fsync)
  kUnavailable,        // a peer is down or the connection broke: retry with backoff
  kResourceExhausted,  // 429, disk full, buffer full: back off
  kUnauthenticated,    // 401: refresh the credential
  kPermissionDenied,   // 403: an administrator must act
  kCancelled,          // shutdown or a closed handle
  kDeadlineExceeded,   // a timeout
  kInternal,           // a bug in skiff
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string_view message);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status Ok() { return Status(); }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // The message without the code name; empty when OK.
  std::string_view message() const { return state_ ? std::string_view(state_->message) : ""; }
  // "CODE: message", or "OK".
  std::string ToString() const;

  // Returns this status with "context: " in front of its message (OK stays OK).
  Status WithContext(std::string_view context) const&;
  Status WithContext(std::string_view context) &&;

  // Explicitly drops a status whose failure does not matter here; says so at the call site.
  void IgnoreError() const {}

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

inline Status InvalidArgument(std::string_view m) { return {StatusCode::kInvalidArgument, m}; }
inline Status NotFound(std::string_view m) { return {StatusCode::kNotFound, m}; }
inline Status AlreadyExists(std::string_view m) { return {StatusCode::kAlreadyExists, m}; }
inline Status Corruption(std::string_view m) { return {StatusCode::kCorruption, m}; }
inline Status IoError(std::string_view m) { return {StatusCode::kIoError, m}; }
inline Status Unavailable(std::string_view m) { return {StatusCode::kUnavailable, m}; }
inline Status ResourceExhausted(std::string_view m) { return {StatusCode::kResourceExhausted, m}; }
inline Status Unauthenticated(std::string_view m) { return {StatusCode::kUnauthenticated, m}; }
inline Status PermissionDenied(std::string_view m) { return {StatusCode::kPermissionDenied, m}; }
inline Status Cancelled(std::string_view m) { return {StatusCode::kCancelled, m}; }
inline Status DeadlineExceeded(std::string_view m) { return {StatusCode::kDeadlineExceeded, m}; }
inline Status Internal(std::string_view m) { return {StatusCode::kInternal, m}; }

// The one conversion from an errno value (positive, as in `errno`) into a Status.
Status ErrnoStatus(int errno_value, std::string_view context);
// The one conversion from a libuv result (negative errno) into a Status.
Status UvStatus(int uv_result, std::string_view context);

}  // namespace base
