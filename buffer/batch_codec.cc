#include "buffer/batch_codec.h"

#include <flatbuffers/flatbuffers.h>
#include <zstd.h>

#include <cstring>
#include <string_view>
#include <tuple>
#include <utility>

#include "buffer/event_batch_generated.h"
#include "platforms/base/log.h"

namespace buffer {
namespace {

// The one conversion of zstd's error codes into a Status.
base::Status ZstdStatus(size_t code, std::string_view what) {
  return base::Corruption(base::StrCat(what, ": ", ZSTD_getErrorName(code)));
}

// Builder's first chunk; it grows to the largest batch seen and keeps that.
constexpr std::size_t kInitialBuilderBytes = 64 * 1024;

}  // namespace

struct BatchCodec::ZstdContexts {
  struct CDeleter {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };
  struct DDeleter {
    void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
  };
  std::unique_ptr<ZSTD_CCtx, CDeleter> cctx{ZSTD_createCCtx()};
  std::unique_ptr<ZSTD_DCtx, DDeleter> dctx{ZSTD_createDCtx()};
};

BatchCodec::BatchCodec(int compression_level)
    : zstd_(std::make_unique<ZstdContexts>()),
      builder_(std::make_unique<flatbuffers::FlatBufferBuilder>(kInitialBuilderBytes)) {
  ZSTD_CCtx_setParameter(zstd_->cctx.get(), ZSTD_c_compressionLevel, compression_level);
  ZSTD_CCtx_setParameter(zstd_->cctx.get(), ZSTD_c_checksumFlag, 0);  // the frame CRC covers it
  ZSTD_CCtx_setParameter(zstd_->cctx.get(), ZSTD_c_contentSizeFlag, 1);
}

BatchCodec::~BatchCodec() = default;

namespace {

// A vector of `count` T filled in place by `fill(T* out)`; empty (no vector) when `skip`.
template <class T, class Fill>
flatbuffers::Offset<flatbuffers::Vector<T>> Column(flatbuffers::FlatBufferBuilder& b,
                                                   std::size_t count, Fill fill) {
  T* out = nullptr;
  auto offset = b.CreateUninitializedVector<T>(count, &out);
  fill(out);
  return offset;
}

// Concatenation of `text(e)` over the events, and their lengths.
template <class Text>
std::pair<flatbuffers::Offset<flatbuffers::Vector<uint32_t>>,
          flatbuffers::Offset<flatbuffers::Vector<uint8_t>>>
TextColumns(flatbuffers::FlatBufferBuilder& b, const std::vector<Event>& events, Text text) {
  std::size_t total = 0;
  for (const Event& e : events) total += text(e).size();
  auto bytes = Column<uint8_t>(b, total, [&](uint8_t* out) {
    for (const Event& e : events) {
      std::string_view t = text(e);
      if (!t.empty()) std::memcpy(out, t.data(), t.size());
      out += t.size();
    }
  });
  auto lengths = Column<uint32_t>(b, events.size(), [&](uint32_t* out) {
    for (const Event& e : events) *out++ = static_cast<uint32_t>(text(e).size());
  });
  return {lengths, bytes};
}

}  // namespace

base::Result<uint32_t> BatchCodec::Encode(const EventBatch& batch,
                                          std::vector<std::byte>& compressed) {
  flatbuffers::FlatBufferBuilder& b = *builder_;
  b.Clear();
  const std::vector<Event>& events = batch.events;
  std::size_t text_bytes = 0;
  bool any_flags = false;
  bool any_fields = false;
  for (const Event& e : events) {
    text_bytes += e.message.size() + e.fields_json.size();
    any_flags |= e.flags != 0;
    any_fields |= !e.fields_json.empty();
  }
  if (text_bytes > kMaxBatchRawBytes || events.size() > kMaxBatchRawBytes / 16) {
    return base::InvalidArgument(base::StrCat(
        "batch of ", text_bytes, " bytes exceeds the frame limit ", kMaxBatchRawBytes));
  }
  const uint64_t base_offset = events.empty() ? 0 : events.front().offset;
  const auto base_time = events.empty() ? 0 : static_cast<uint64_t>(events.front().time_unix_nanos);

  auto [message_lengths, messages] =
      TextColumns(b, events, [](const Event& e) -> std::string_view { return e.message; });
  flatbuffers::Offset<flatbuffers::Vector<uint32_t>> fields_lengths;
  flatbuffers::Offset<flatbuffers::Vector<uint8_t>> fields;
  if (any_fields) {
    std::tie(fields_lengths, fields) =
        TextColumns(b, events, [](const Event& e) -> std::string_view { return e.fields_json; });
  }
  // Deltas from the previous event: a line's offset delta is the previous line's length
  // plus its ending, and times of one read are equal, so both columns compress to almost
  // nothing.
  auto offset_deltas = Column<uint64_t>(b, events.size(), [&](uint64_t* out) {
    uint64_t previous = base_offset;
    for (const Event& e : events) {
      *out++ = e.offset - previous;
      previous = e.offset;
    }
  });
  auto time_deltas = Column<uint64_t>(b, events.size(), [&](uint64_t* out) {
    uint64_t previous = base_time;
    for (const Event& e : events) {
      *out++ = static_cast<uint64_t>(e.time_unix_nanos) - previous;
      previous = static_cast<uint64_t>(e.time_unix_nanos);
    }
  });
  flatbuffers::Offset<flatbuffers::Vector<uint32_t>> flags;
  if (any_flags) {
    flags = Column<uint32_t>(b, events.size(), [&](uint32_t* out) {
      for (const Event& e : events) *out++ = e.flags;
    });
  }
  auto source_key = b.CreateString(batch.source_key.data(), batch.source_key.size());
  auto index = b.CreateString(batch.index.data(), batch.index.size());
  auto shared = b.CreateString(batch.shared_fields_json.data(), batch.shared_fields_json.size());
  skiff::ring::BatchRecordBuilder record(b);
  record.add_source_key(source_key);
  record.add_generation(batch.generation);
  record.add_index(index);
  record.add_shared_fields_json(shared);
  record.add_base_offset(base_offset);
  record.add_base_time_unix_nanos(static_cast<int64_t>(base_time));
  record.add_event_count(static_cast<uint32_t>(events.size()));
  record.add_offset_deltas(offset_deltas);
  record.add_time_deltas(time_deltas);
  if (any_flags) record.add_flags(flags);
  record.add_message_lengths(message_lengths);
  record.add_messages(messages);
  if (any_fields) {
    record.add_fields_lengths(fields_lengths);
    record.add_fields_json(fields);
  }
  b.Finish(record.Finish());

  const std::size_t raw_size = b.GetSize();
  if (raw_size > kMaxBatchRawBytes) {
    return base::InvalidArgument(
        base::StrCat("batch of ", raw_size, " bytes exceeds the frame limit ", kMaxBatchRawBytes));
  }
  compressed.resize(ZSTD_compressBound(raw_size));
  size_t n = ZSTD_compress2(zstd_->cctx.get(), compressed.data(), compressed.size(),
                            b.GetBufferPointer(), raw_size);
  if (ZSTD_isError(n)) return base::Internal(ZstdStatus(n, "zstd compress").message());
  compressed.resize(n);
  return static_cast<uint32_t>(raw_size);
}

std::size_t BatchCodec::MaxEncodedBytes(const EventBatch& batch) {
  // Per event: an offset and a time delta (8 + 8), a flags word and two lengths (4 + 4 + 4),
  // rounded up; per batch: the three strings with their length words, the vtable and the
  // alignment padding of each vector.
  constexpr std::size_t kPerEventBytes = 32;
  constexpr std::size_t kPerBatchBytes = 512;
  std::size_t raw = kPerBatchBytes + batch.source_key.size() + batch.index.size() +
                    batch.shared_fields_json.size();
  for (const Event& e : batch.events)
    raw += kPerEventBytes + e.message.size() + e.fields_json.size();
  if (raw > kMaxBatchRawBytes) return raw;
  return ZSTD_compressBound(raw);
}

base::Status BatchCodec::Decode(std::span<const std::byte> compressed, uint32_t raw_len,
                                EventBatch& out) {
  if (raw_len > kMaxBatchRawBytes) {
    return base::Corruption(base::StrCat("frame claims ", raw_len, " uncompressed bytes"));
  }
  unsigned long long content = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (content != raw_len) {
    return base::Corruption(base::StrCat("zstd frame content size does not match ", raw_len));
  }
  plain_.resize(raw_len);
  size_t n = ZSTD_decompressDCtx(zstd_->dctx.get(), plain_.data(), plain_.size(), compressed.data(),
                                 compressed.size());
  if (ZSTD_isError(n)) return ZstdStatus(n, "zstd decompress");
  if (n != raw_len) return base::Corruption("zstd frame shorter than its header says");

  const auto* bytes = reinterpret_cast<const uint8_t*>(plain_.data());
  flatbuffers::Verifier verifier(bytes, plain_.size());
  if (!skiff::ring::VerifyBatchRecordBuffer(verifier)) {
    return base::Corruption("payload is not a valid BatchRecord");
  }
  const skiff::ring::BatchRecord* r = skiff::ring::GetBatchRecord(bytes);
  const uint32_t count = r->event_count();
  auto sized = [count](const auto* v, bool optional) {
    return v == nullptr ? optional : v->size() == count;
  };
  if (!sized(r->offset_deltas(), false) || !sized(r->time_deltas(), false) ||
      !sized(r->message_lengths(), false) || !sized(r->flags(), true) ||
      !sized(r->fields_lengths(), true) || (r->messages() == nullptr) ||
      ((r->fields_lengths() == nullptr) != (r->fields_json() == nullptr))) {
    return base::Corruption("BatchRecord columns do not match its event count");
  }
  // The lengths must add up to the text columns before anything is copied.
  auto total = [](const flatbuffers::Vector<uint32_t>* lengths) {
    uint64_t sum = 0;
    for (uint32_t len : *lengths) sum += len;
    return sum;
  };
  if (total(r->message_lengths()) != r->messages()->size() ||
      (r->fields_lengths() != nullptr && total(r->fields_lengths()) != r->fields_json()->size())) {
    return base::Corruption("BatchRecord text lengths do not add up");
  }

  auto text = [](const flatbuffers::String* s) {
    return s == nullptr ? std::string() : std::string(s->string_view());
  };
  out.source_key = text(r->source_key());
  out.generation = r->generation();
  out.index = text(r->index());
  out.shared_fields_json = text(r->shared_fields_json());
  out.events.resize(count);
  uint64_t offset = r->base_offset();
  auto time = static_cast<uint64_t>(r->base_time_unix_nanos());
  const char* message = reinterpret_cast<const char*>(r->messages()->data());
  const char* fields = r->fields_json() == nullptr
                           ? nullptr
                           : reinterpret_cast<const char*>(r->fields_json()->data());
  for (uint32_t i = 0; i < count; ++i) {
    Event& e = out.events[i];
    offset += r->offset_deltas()->Get(i);
    time += r->time_deltas()->Get(i);
    e.offset = offset;
    e.time_unix_nanos = static_cast<int64_t>(time);
    e.flags = r->flags() == nullptr ? 0 : r->flags()->Get(i);
    const uint32_t message_len = r->message_lengths()->Get(i);
    e.message.assign(message, message_len);
    message += message_len;
    if (fields != nullptr) {
      const uint32_t fields_len = r->fields_lengths()->Get(i);
      e.fields_json.assign(fields, fields_len);
      fields += fields_len;
    } else {
      e.fields_json.clear();
    }
  }
  return base::Status::Ok();
}

}  // namespace buffer
