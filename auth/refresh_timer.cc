#include "auth/refresh_timer.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace auth {

UvRefreshTimer::UvRefreshTimer(uv_loop_t* loop) {
  if (uv_timer_init(loop, timer_.get()) == 0) {
    timer_.MarkInitialized();
    timer_->data = this;
    uv_unref(timer_.as_handle());
  }
}

void UvRefreshTimer::Start(std::chrono::milliseconds delay, std::function<void()> fire) {
  if (!timer_.initialized()) return;
  fire_ = std::move(fire);
  uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(delay.count(), 0));
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* t) {
        auto* self = static_cast<UvRefreshTimer*>(t->data);
        if (self == nullptr) return;
        // Moved out first: the callback may Start() the timer again.
        std::function<void()> pending = std::move(self->fire_);
        if (pending) pending();
      },
      ms, 0);
}

void UvRefreshTimer::Stop() {
  if (timer_.initialized()) uv_timer_stop(timer_.get());
  fire_ = nullptr;
}

}  // namespace auth
