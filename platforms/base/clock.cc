#include "platforms/base/clock.h"

#include <ctime>

namespace base {

int64_t RealClock::NowUnixNanos() const {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace base
