#include "transport/body_compressor.h"

#include <utility>

#include "platforms/base/log.h"

namespace transport {

struct BodyCompressor::Job {
  uv_work_t req{};
  std::weak_ptr<BodyCompressor*> owner;
  std::unique_ptr<GzipEncoder> encoder;
  std::string in;
  std::string out;
  base::Status status;
  Done done;
};

BodyCompressor::BodyCompressor(uv_loop_t* loop, int level)
    : loop_(loop), level_(level), self_(std::make_shared<BodyCompressor*>(this)) {}

BodyCompressor::~BodyCompressor() = default;

void BodyCompressor::Compress(std::string body, Done done) {
  auto job = std::make_unique<Job>();
  job->owner = self_;
  if (idle_encoders_.empty()) {
    job->encoder = std::make_unique<GzipEncoder>(level_);
  } else {
    job->encoder = std::move(idle_encoders_.back());
    idle_encoders_.pop_back();
  }
  job->in = std::move(body);
  job->done = std::move(done);
  job->req.data = job.get();
  if (int rc = uv_queue_work(loop_, &job->req, &Work, &AfterWork); rc != 0) {
    // libuv refuses only a null callback, so this does not happen; the body goes back
    // unchanged rather than being lost.
    idle_encoders_.push_back(std::move(job->encoder));
    job->done(Outcome{base::Internal(base::StrCat("uv_queue_work: ", uv_strerror(rc))),
                      std::move(job->in)});
    return;
  }
  ++jobs_running_;
  (void)job.release();  // owned by the request until AfterWork
}

void BodyCompressor::Work(uv_work_t* req) {
  // Thread pool: touches only the job's own members.
  auto* job = static_cast<Job*>(req->data);
  job->status = job->encoder->Compress(job->in, job->out);
}

void BodyCompressor::AfterWork(uv_work_t* req, int /*status: never cancelled*/) {
  std::unique_ptr<Job> job(static_cast<Job*>(req->data));
  std::shared_ptr<BodyCompressor*> owner = job->owner.lock();
  if (!owner) return;  // the compressor is gone: the job frees its body and encoder
  BodyCompressor& self = **owner;
  --self.jobs_running_;
  self.idle_encoders_.push_back(std::move(job->encoder));
  Outcome outcome;
  outcome.status = std::move(job->status);
  outcome.body = outcome.status.ok() ? std::move(job->out) : std::move(job->in);
  Done done = std::move(job->done);
  job.reset();  // free the other buffer before the caller allocates again
  done(std::move(outcome));
}

}  // namespace transport
