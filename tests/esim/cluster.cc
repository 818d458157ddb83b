#include "tests/esim/cluster.h"

#include <algorithm>
#include <chrono>

namespace esim {
namespace {

constexpr char kUrlSafeBase64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Appends 15 bytes as 20 characters of URL-safe base64 (no padding).
void AppendBase64Url15(std::string& out, const unsigned char (&bytes)[15]) {
  for (int i = 0; i < 15; i += 3) {
    uint32_t v = static_cast<uint32_t>(bytes[i]) << 16 | static_cast<uint32_t>(bytes[i + 1]) << 8 |
                 static_cast<uint32_t>(bytes[i + 2]);
    out += kUrlSafeBase64[(v >> 18) & 63];
    out += kUrlSafeBase64[(v >> 12) & 63];
    out += kUrlSafeBase64[(v >> 6) & 63];
    out += kUrlSafeBase64[v & 63];
  }
}

}  // namespace

Cluster::Cluster(ClusterOptions options)
    : options_(std::move(options)),
      store_(options_.keep_source),
      faults_(options_.seed),
      id_node_bits_(Mix(options_.seed ^ 0x5eedULL)) {
  std::string uuid;
  unsigned char bytes[15];
  uint64_t a = Mix(options_.seed), b = Mix(a);
  for (int i = 0; i < 15; ++i)
    bytes[i] = static_cast<unsigned char>((i < 8 ? a : b) >> (8 * (i % 8)));
  AppendBase64Url15(uuid, bytes);
  cluster_uuid_ = std::move(uuid);
}

void Cluster::AppendAutoId(std::string& out) {
  // Like ES's TimeBasedUUIDGenerator: time, a sequence and node bits, so ids are unique
  // in this process and sort roughly by creation time.
  uint64_t sequence = id_sequence_.fetch_add(1, std::memory_order_relaxed);
  auto millis = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  unsigned char bytes[15];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
  for (int i = 0; i < 5; ++i) bytes[6 + i] = static_cast<unsigned char>(sequence >> (8 * (4 - i)));
  for (int i = 0; i < 4; ++i) bytes[11 + i] = static_cast<unsigned char>(id_node_bits_ >> (8 * i));
  AppendBase64Url15(out, bytes);
}

int64_t Cluster::NowUnixSeconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         options_.clock_offset_s;
}

RequiredCredentials Cluster::RequiredNow() const {
  RequiredCredentials required = options_.required;
  RequiredCredentials fault = faults_.required_credentials();
  if (!fault.basic.empty()) required.basic = fault.basic;
  if (!fault.api_key.empty()) required.api_key = fault.api_key;
  if (!fault.bearer.empty()) required.bearer = fault.bearer;
  return required;
}

std::size_t Cluster::MaxBodyBytes() const {
  int64_t limit = options_.max_request_bytes;
  int64_t fault = faults_.max_request_bytes();
  if (fault >= 0) limit = std::min(limit, fault);
  return static_cast<std::size_t>(std::max<int64_t>(limit, 0));
}

void Cluster::Reset() {
  store_.Reset();
  faults_.Clear();
  stats_.Reset();
}

}  // namespace esim
