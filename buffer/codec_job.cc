#include "buffer/codec_job.h"

#include <span>
#include <utility>

#include "platforms/base/log.h"

namespace buffer {

CodecJob::CodecJob(int compression_level) : codec_(compression_level) {}

base::Status CodecJob::Start(uv_loop_t* loop, std::unique_ptr<CodecJob>& job, Owner* owner) {
  CodecJob* raw = job.get();
  raw->owner_ = owner;
  raw->done_.store(false, std::memory_order_relaxed);
  raw->req_.data = raw;
  int rc = uv_queue_work(loop, &raw->req_, &CodecJob::OnWork, &CodecJob::OnAfterWork);
  if (rc != 0) {
    raw->owner_ = nullptr;
    return base::UvStatus(rc, "queue codec job");
  }
  // From here until OnAfterWork the job belongs to libuv; OnAfterWork takes it back.
  static_cast<void>(job.release());
  return base::Status::Ok();
}

void CodecJob::Detach() {
  owner_ = nullptr;
  Cancel();
}

bool CodecJob::Cancel() { return uv_cancel(reinterpret_cast<uv_req_t*>(&req_)) == 0; }

void CodecJob::WaitUntilRun() const { done_.wait(false, std::memory_order_acquire); }

void CodecJob::OnWork(uv_work_t* req) { static_cast<CodecJob*>(req->data)->Run(); }

void CodecJob::OnAfterWork(uv_work_t* req, int /*status*/) {
  // Loop thread. Whether it ran or was cancelled, the job is ours again.
  std::unique_ptr<CodecJob> job(static_cast<CodecJob*>(req->data));
  Owner* owner = job->owner_;
  job->owner_ = nullptr;
  if (owner != nullptr) owner->OnCodecJobDone(std::move(job));
}

void CodecJob::Run() {
  if (kind == Kind::kEncode) {
    Encode();
  } else {
    Decode();
  }
  done_.store(true, std::memory_order_release);
  done_.notify_all();
}

void CodecJob::Encode() {
  auto raw = codec_.Encode(batch, payload);
  if (!raw) {
    status = raw.error();
    return;
  }
  header = FrameHeader{};
  header.payload_bytes = static_cast<uint32_t>(payload.size());
  header.raw_bytes = *raw;
  header.event_count = static_cast<uint32_t>(batch.events.size());
  status = base::Status::Ok();
}

void CodecJob::Decode() {
  if (frame.size() < kFrameHeaderBytes) {
    status = base::Corruption("frame is shorter on disk than when written");
    return;
  }
  auto head = std::span<const std::byte>(frame).first<kFrameHeaderBytes>();
  auto h = DecodeFrameHeader(head);
  if (!h || h->FrameBytes() != frame.size() || h->first_seq != expected_first_seq) {
    status = base::Corruption("frame header changed on disk");
    return;
  }
  auto body = std::span<const std::byte>(frame).subspan(kFrameHeaderBytes);
  if (!FrameCrcMatches(head, body)) {
    status = base::Corruption("frame CRC mismatch");
    return;
  }
  if (!decoded) decoded = std::make_unique<EventBatch>();
  status = codec_.Decode(body, h->raw_bytes, *decoded);
}

}  // namespace buffer
