#include "agent/top_command.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <optional>

#include "agent/control_client.h"
#include "agent/control_command_args.h"
#include "agent/status_snapshot.h"
#include "agent/top_view.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr std::chrono::milliseconds kRequestTimeout{3'000};
constexpr std::size_t kDefaultWidth = 100;

constexpr std::string_view kUsage =
    "usage: skiff [-c FILE] top [--interval 1s] [--data-dir DIR]\n"
    "\n"
    "A live view of the running agent (data_dir/skiff.sock): inputs with rates, buffer\n"
    "fill, output rate, retries, errors and readiness. q or Ctrl-C quits.\n";

// Set by signal handlers, read by the loop.
volatile std::sig_atomic_t g_quit_signal = 0;
volatile std::sig_atomic_t g_resized = 0;

extern "C" void OnQuitSignal(int signum) { g_quit_signal = signum; }
extern "C" void OnResize(int) { g_resized = 1; }

// The terminal while top runs: alternate screen, hidden cursor, no echo, keys without
// Enter. The destructor restores all of it, on every way out of TopCommand().
class Terminal {
 public:
  Terminal() : interactive_(::isatty(STDOUT_FILENO) == 1) {
    if (!interactive_) return;
    if (::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios raw = saved_;
      raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
      raw.c_cc[VMIN] = 0;
      raw.c_cc[VTIME] = 0;
      if (::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) restore_mode_ = true;
    }
    Write("\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
  }
  ~Terminal() {
    if (!interactive_) return;
    Write("\x1b[?25h\x1b[?1049l");
    if (restore_mode_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  bool interactive() const { return interactive_; }

  std::size_t Width() const {
    winsize size{};
    if (interactive_ && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
      return size.ws_col;
    }
    return kDefaultWidth;
  }
  std::size_t Height() const {
    winsize size{};
    if (interactive_ && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 0) {
      return size.ws_row;
    }
    return 0;  // unbounded
  }

  void Draw(const std::vector<std::string>& lines, bool clear_first) {
    std::string frame;
    if (interactive_) {
      frame = clear_first ? "\x1b[H\x1b[2J" : "\x1b[H";
      const std::size_t height = Height();
      for (std::size_t i = 0; i < lines.size() && (height == 0 || i < height); ++i) {
        frame += lines[i];
        frame += "\x1b[K";  // erase what a longer earlier frame left on this row
        if (i + 1 < lines.size() && (height == 0 || i + 1 < height)) frame += "\r\n";
      }
      frame += "\x1b[J";  // and the rows below
    } else {
      for (const std::string& line : lines) frame += line + "\n";
      frame += "\n";
    }
    Write(frame);
  }

 private:
  static void Write(std::string_view text) {
    while (!text.empty()) {
      const ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      text.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  bool interactive_;
  bool restore_mode_ = false;
  termios saved_{};
};

// Waits up to `timeout` for `q` (true) or a signal or resize (false, early).
bool WaitForQuitKey(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const bool keys = ::isatty(STDIN_FILENO) == 1;
  while (g_quit_signal == 0 && g_resized == 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int rc = ::poll(keys ? &p : nullptr, keys ? 1 : 0, static_cast<int>(left.count()));
    if (rc > 0 && (p.revents & POLLIN) != 0) {
      char key[16];
      const ssize_t n = ::read(STDIN_FILENO, key, sizeof(key));
      for (ssize_t i = 0; i < n; ++i) {
        if (key[i] == 'q' || key[i] == 'Q') return true;
      }
      if (n == 0) return false;  // stdin closed: keep sampling until a signal
    }
  }
  return false;
}

void InstallSignals() {
  struct sigaction quit {};
  quit.sa_handler = &OnQuitSignal;  // no SA_RESTART: poll() returns at once
  sigemptyset(&quit.sa_mask);
  ::sigaction(SIGINT, &quit, nullptr);
  ::sigaction(SIGTERM, &quit, nullptr);
  ::sigaction(SIGHUP, &quit, nullptr);
  struct sigaction resize {};
  resize.sa_handler = &OnResize;
  sigemptyset(&resize.sa_mask);
  ::sigaction(SIGWINCH, &resize, nullptr);
}

}  // namespace

int TopCommand(const std::string& config_path, const std::vector<std::string>& args) {
  ControlCommandArgs options;
  if (std::optional<int> exit_code = ParseControlCommandArgsOrExit(
          "top", args, {"--interval", "--data-dir"}, kUsage, options)) {
    return *exit_code;
  }
  auto data_dir = ResolveDataDir(config_path, options.data_dir);
  if (!data_dir.has_value()) {
    std::fprintf(stderr, "skiff top: %s\n", std::string(data_dir.error().message()).c_str());
    return kExitUsage;
  }
  const ControlClient client(data_dir.value());
  auto first = client.Request("GET", "/status", kRequestTimeout);
  if (!first.has_value()) {
    std::fprintf(stderr, "skiff top: %s\n", std::string(first.error().message()).c_str());
    return kExitFailure;
  }

  InstallSignals();
  std::string gone;  // why the loop ended, when the agent went away
  {
    Terminal terminal;
    std::optional<StatusSnapshot> previous;
    std::optional<base::Result<ControlResponse>> response = std::move(first);
    bool clear = true;
    while (g_quit_signal == 0) {
      if (!response) response = client.Request("GET", "/status", kRequestTimeout);
      if (!response->has_value()) {
        gone = base::StrCat("the agent went away: ", (*response).error().message());
        break;
      }
      auto snapshot = ParseStatusSnapshot((*response)->body);
      response.reset();
      if (!snapshot.has_value()) {
        gone = std::string(snapshot.error().message());
        break;
      }
      terminal.Draw(
          RenderTopFrame(previous ? &*previous : nullptr, snapshot.value(), terminal.Width()),
          clear);
      clear = false;
      previous = std::move(snapshot.value());
      if (WaitForQuitKey(options.interval)) break;
      if (g_resized != 0) {  // WaitForQuitKey() returned early: sample and redraw now
        g_resized = 0;
        clear = true;
      }
    }
  }  // the terminal is restored here, before any message
  if (!gone.empty()) {
    std::fprintf(stderr, "skiff top: %s\n", gone.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace agent
