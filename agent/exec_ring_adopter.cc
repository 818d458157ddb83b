#include "agent/exec_ring_adopter.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr std::string_view kComponent = "exec";
// While a ring is being shipped, how often the adopter looks whether it is empty.
constexpr std::chrono::milliseconds kProgressInterval{200};

}  // namespace

ExecRingAdopter::ExecRingAdopter(uv_loop_t* loop, const config::Config& config,
                                 const DataDir& data_dir)
    : loop_(loop), config_(config), data_dir_(data_dir) {}

ExecRingAdopter::~ExecRingAdopter() { Stop(); }

base::Status ExecRingAdopter::Start() {
  if (int rc = uv_timer_init(loop_, timer_.get()); rc != 0) return base::UvStatus(rc, "timer");
  timer_.MarkInitialized();
  timer_->data = this;
  Scan();
  const auto interval = static_cast<uint64_t>(kProgressInterval.count());
  return base::UvStatus(uv_timer_start(timer_.get(), &OnTimer, interval, interval), "start timer");
}

void ExecRingAdopter::Stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.Reset();
  retired_.reset();
  if (!shipper_) return;
  // The output may be destroyed only once its shutdown finished: give up at once and run
  // the loop until it has (bounded: a zero deadline abandons what is in flight).
  bool done = false;
  shipper_->Drain(std::chrono::milliseconds(0), [&done] { done = true; });
  while (!done && uv_run(loop_, UV_RUN_ONCE) != 0) {
  }
  shipper_.reset();
  retired_.reset();
  ReleaseLock();
}

void ExecRingAdopter::OnTimer(uv_timer_t* timer) {
  auto* self = static_cast<ExecRingAdopter*>(timer->data);
  if (self == nullptr) return;
  // A shipper whose shutdown has finished is destroyed here, outside its own callbacks.
  self->retired_.reset();
  if (self->shipper_) {
    self->CheckProgress();
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now < self->next_scan_) return;
  self->Scan();
}

void ExecRingAdopter::Scan() {
  if (stopped_ || shipper_) return;
  next_scan_ = std::chrono::steady_clock::now() + config_.exec.adopt_interval;
  const std::string exec_dir = data_dir_.Child("exec");
  DIR* dir = ::opendir(exec_dir.c_str());
  if (dir == nullptr) return;  // no exec has run here
  std::vector<std::string> runs;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    runs.push_back(base::StrCat(exec_dir, "/", entry->d_name));
  }
  ::closedir(dir);
  for (const std::string& run_dir : runs) {
    if (TryAdopt(run_dir)) return;
  }
}

bool ExecRingAdopter::TryAdopt(const std::string& run_dir) {
  const std::string lock_path = run_dir + "/exec.lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;  // not a run directory (or being removed)
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;  // a live skiff exec holds it
  }
  lock_fd_ = fd;
  run_dir_ = run_dir;
  auto shipper = Shipper::Open(
      loop_, config_,
      ShipperPaths{run_dir + "/ring", data_dir_.Child("dead-letter"), data_dir_.agent_id()});
  if (!shipper.has_value()) {
    base::LogError(kComponent, shipper.error().WithContext("adopting " + run_dir).message());
    ReleaseLock();
    return false;
  }
  shipper_ = std::move(shipper.value());
  if (shipper_->ring().PendingBatches() == 0) {
    // Nothing left to ship: the run ended after its last delivery.
    Finish(/*remove=*/true);
    return false;
  }
  if (base::Status s = shipper_->Start(); !s.ok()) {
    base::LogError(kComponent, s.WithContext("adopting " + run_dir).message());
    Finish(/*remove=*/false);
    return false;
  }
  base::LogInfo(kComponent, base::StrCat("adopting ", run_dir, ": shipping the ",
                                         shipper_->ring().PendingBatches(),
                                         " batch(es) a finished skiff exec left"));
  return true;
}

void ExecRingAdopter::CheckProgress() {
  if (draining_ || shipper_->ring().PendingBatches() > 0) return;
  draining_ = true;
  shipper_->Drain(std::chrono::milliseconds(0), [this] { Finish(/*remove=*/true); });
}

void ExecRingAdopter::Finish(bool remove) {
  const bool emptied = shipper_->ring().PendingBatches() == 0;
  const transport::OutputStats stats = shipper_->output_stats();
  // Finish() may run inside the output's shutdown callback: destroy it on the next tick.
  retired_ = std::move(shipper_);
  draining_ = false;
  if (remove && emptied) {
    std::error_code error;
    std::filesystem::remove_all(run_dir_, error);
    if (error) {
      base::LogWarn(kComponent, base::StrCat("removing ", run_dir_, ": ", error.message()));
    } else {
      ++adopted_;
      base::LogInfo(kComponent, base::StrCat("adopted ", run_dir_, ": ", stats.docs_delivered,
                                             " documents shipped (", stats.docs_duplicate,
                                             " already present); removed it"));
    }
  }
  ReleaseLock();
}

void ExecRingAdopter::ReleaseLock() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
  run_dir_.clear();
}

}  // namespace agent
