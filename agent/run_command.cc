#include "agent/run_command.h"

#include <pthread.h>
#include <unistd.h>
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>

#include "agent/agent_metrics.h"
#include "agent/config_reloader.h"
#include "agent/control_routes.h"
#include "agent/data_dir.h"
#include "agent/exec_ring_adopter.h"
#include "agent/self_events.h"
#include "agent/pipeline.h"
#include "agent/status_report.h"
#include "config/config_loader.h"
#include "platforms/base/log.h"
#include "platforms/base/uv_handle.h"
#include "platforms/systemd/service_notifier.h"
#include "platforms/systemd/watchdog_pinger.h"

namespace agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadConfig = 2;

// Signal handling for the run: the first SIGTERM/SIGINT starts a graceful stop, a second
// one stops at once. SIGHUP reloads the configuration (config_reloader.h).
class SignalWatch {
 public:
  SignalWatch(uv_loop_t* loop, Pipeline& pipeline, const systemd::ServiceNotifier& notifier)
      : loop_(loop), pipeline_(pipeline), notifier_(notifier) {}
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  base::Status Start() {
    for (auto* handle : {&term_, &int_, &hup_}) {
      int rc = uv_signal_init(loop_, handle->get());
      if (rc != 0) return base::UvStatus(rc, "signal handler");
      handle->MarkInitialized();
      (*handle)->data = this;
    }
    int rc = uv_signal_start(term_.get(), &OnSignal, SIGTERM);
    if (rc == 0) rc = uv_signal_start(int_.get(), &OnSignal, SIGINT);
    if (rc == 0) rc = uv_signal_start(hup_.get(), &OnSignal, SIGHUP);
    return base::UvStatus(rc, "signal handler");
  }

  void Close() {
    term_.Reset();
    int_.Reset();
    hup_.Reset();
  }

  bool stopped_at_once() const { return stopped_at_once_; }
  // Runs on SIGHUP until Close(); what it borrows must outlive that.
  void SetOnReload(std::function<void()> on_reload) { on_reload_ = std::move(on_reload); }

 private:
  static void OnSignal(uv_signal_t* handle, int signum) {
    auto* self = static_cast<SignalWatch*>(handle->data);
    if (self != nullptr) self->Handle(signum);
  }

  void Handle(int signum) {
    if (signum == SIGHUP) {
      if (stopping_) {
        base::LogWarn("agent", "SIGHUP while stopping: not reloading");
      } else if (on_reload_) {
        on_reload_();
      }
      return;
    }
    if (!stopping_) {
      stopping_ = true;
      base::LogInfo("agent",
                    base::StrCat("signal ", signum, ": stopping (send it again to stop at once)"));
      notifier_.Stopping().IgnoreError();
      pipeline_.Stop([this] {
        Close();
        uv_stop(loop_);  // idle keep-alive connections must not hold the loop open
      });
      return;
    }
    base::LogWarn("agent",
                  "second signal: stopping at once; unshipped events stay in the "
                  "buffer and are sent after the next start");
    stopped_at_once_ = true;
    pipeline_.SaveState();
    uv_stop(loop_);
  }

  uv_loop_t* loop_;
  Pipeline& pipeline_;
  const systemd::ServiceNotifier& notifier_;
  base::UvHandle<uv_signal_t> term_;
  base::UvHandle<uv_signal_t> int_;
  base::UvHandle<uv_signal_t> hup_;
  std::function<void()> on_reload_;
  bool stopping_ = false;
  bool stopped_at_once_ = false;
};

}  // namespace

std::optional<config::Config> LoadConfigOrReport(const std::string& path) {
  config::LoadResult loaded = config::LoadConfigFile(path);
  for (const config::ConfigError& e : loaded.errors) {
    std::fprintf(stderr, "%s\n", e.ToString().c_str());
  }
  return std::move(loaded.config);
}

int RunCommand(const std::string& config_path, bool log_level_from_cli) {
  // A stop signal that arrives while we start must not kill the process before the loop
  // watches for it: hold the signals back until the handlers are in place.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stop_signals, s);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::optional<config::Config> loaded = LoadConfigOrReport(config_path);
  if (!loaded) return kExitBadConfig;
  const config::Config& config = *loaded;
  if (!log_level_from_cli) {
    base::LogLevel level;
    if (base::ParseLogLevel(config.log_level, &level)) base::SetLogLevel(level);
  }
  base::SetLogFormat(config.log_format == "json" ? base::LogFormat::kJson : base::LogFormat::kText);

  auto data_dir = DataDir::Open(config.data_dir, /*take_lock=*/true);
  if (!data_dir.has_value()) {
    base::LogError("agent", data_dir.error().message());
    return kExitFailure;
  }

  uv_loop_t loop;
  if (int rc = uv_loop_init(&loop); rc != 0) {
    base::LogError("agent", base::UvStatus(rc, "event loop").message());
    return kExitFailure;
  }
  // Under systemd (Type=notify): READY once running, STOPPING on a stop signal, watchdog
  // pings from the loop. Children of skiff must not inherit the socket.
  const systemd::ServiceNotifier notifier =
      systemd::ServiceNotifier::FromEnvironment(/*unset_environment=*/true);
  int exit_code = kExitOk;
  {
    auto pipeline = Pipeline::Build(&loop, config, data_dir.value());
    if (!pipeline.has_value()) {
      base::LogError("agent", pipeline.error().message());
      exit_code = pipeline.error().code() == base::StatusCode::kInvalidArgument ? kExitBadConfig
                                                                                : kExitFailure;
    } else {
      SignalWatch signals(&loop, *pipeline.value(), notifier);
      systemd::WatchdogPinger watchdog(notifier);
      // Reload and /status: SIGHUP and the control socket's /reload and /status.
      ConfigReloader reloader(config_path, config, *pipeline.value(), notifier,
                              log_level_from_cli);
      const StatusReport status(*pipeline.value(), reloader, data_dir->path(),
                                data_dir->agent_id());
      signals.SetOnReload([&reloader] { reloader.Reload("SIGHUP"); });
      // [self] ship: skiff's own status and warnings as events (self_events.h).
      const base::RealClock clock;
      SelfEvents self_events(&loop, config.self, pipeline.value()->buffer(), status,
                             pipeline.value()->identity(), clock);
      AgentMetrics metrics(&loop, *pipeline.value());
      AddControlRoutes(metrics.server(), status, reloader);
      base::Status started = signals.Start();
      pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
      // Before the inputs start, so their start-up warnings are shipped too.
      if (started.ok()) started = self_events.Start();
      if (started.ok()) started = pipeline.value()->Start();
      if (started.ok()) started = metrics.Start(config.metrics, data_dir->Child("skiff.sock"));
      // Rings that ended `skiff exec` runs left in data_dir/exec/ (exec_ring_adopter.h).
      ExecRingAdopter adopter(&loop, config, data_dir.value());
      if (started.ok()) {
        if (base::Status s = adopter.Start(); !s.ok()) base::LogWarn("agent", s.message());
      }
      if (!started.ok()) {
        base::LogError("agent", started.message());
        exit_code = kExitFailure;
      } else {
        base::LogInfo("agent", base::StrCat("running with data_dir ", data_dir->path(),
                                            ", agent id ", data_dir->agent_id()));
        if (base::Status s = notifier.Ready("running"); !s.ok()) {
          base::LogWarn("agent", s.WithContext("telling systemd we are ready").message());
        }
        if (base::Status s = watchdog.Start(&loop); !s.ok()) {
          base::LogWarn("agent", s.message());
        }
        uv_run(&loop, UV_RUN_DEFAULT);
        self_events.Stop();
        adopter.Stop();
        watchdog.Stop();
        base::LogInfo("agent", signals.stopped_at_once() ? "stopped at once" : "stopped");
      }
      signals.Close();
      metrics.Close();
      pipeline.value().reset();
    }
  }
  // Close whatever the stages left (timers, connections), then the loop itself.
  if (int rc = base::CloseLoop(&loop); rc != 0) {
    base::LogWarn("agent", base::UvStatus(rc, "closing the event loop").message());
  }
  return exit_code;
}

}  // namespace agent
