#include "transport/gzip_encoder.h"

#include <zlib.h>

#include "platforms/base/log.h"

namespace transport {
namespace {

// The one conversion from a zlib result into a Status.
base::Status ZlibStatus(int rc, std::string_view what) {
  return base::Internal(base::StrCat("zlib ", what, " failed (", rc, ")"));
}

// windowBits 15 + 16: a gzip header and trailer instead of zlib's.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemLevel = 8;

}  // namespace

struct GzipEncoder::Stream {
  z_stream z{};
  bool initialized = false;
};

GzipEncoder::GzipEncoder(int level) : stream_(std::make_unique<Stream>()) {
  int rc =
      deflateInit2(&stream_->z, level, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY);
  if (rc != Z_OK) {
    init_status_ = ZlibStatus(rc, "deflateInit2");
  } else {
    stream_->initialized = true;
  }
}

GzipEncoder::~GzipEncoder() {
  if (stream_->initialized) deflateEnd(&stream_->z);
}

base::Status GzipEncoder::Compress(std::string_view in, std::string& out) {
  if (!init_status_.ok()) return init_status_;
  z_stream& z = stream_->z;
  if (int rc = deflateReset(&z); rc != Z_OK) return ZlibStatus(rc, "deflateReset");
  out.resize(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  if (rc != Z_STREAM_END) return ZlibStatus(rc, "deflate");
  out.resize(z.total_out);
  return base::Status::Ok();
}

}  // namespace transport
