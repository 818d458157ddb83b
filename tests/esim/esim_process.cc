#include "tests/esim/esim_process.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string_view>
#include <thread>

namespace esim {

EsimProcess::EsimProcess(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  int out[2];
  if (pipe(out) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<std::string> storage = {binary, "--port", "0"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{out[0], POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof(buf));
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  close(out[0]);
  first_line_ = line.substr(0, line.find('\n'));
  constexpr std::string_view kPrefix = "esim listening on 127.0.0.1:";
  if (first_line_.starts_with(kPrefix)) {
    std::string_view digits = std::string_view(first_line_).substr(kPrefix.size());
    std::from_chars(digits.data(), digits.data() + digits.size(), port_);
  }
}

EsimProcess::~EsimProcess() {
  if (pid_ > 0 && !stopped_) Stop();
}

int EsimProcess::Stop() {
  stopped_ = true;
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  return -1;
}

double EsimProcess::CpuSeconds() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the ")" that ends the command name; utime and stime are 14 and 15.
  std::size_t at = stat.rfind(')');
  if (at == std::string::npos) return 0;
  std::vector<std::string> fields;
  std::size_t pos = at + 2;
  while (pos < stat.size()) {
    std::size_t space = stat.find(' ', pos);
    fields.push_back(stat.substr(pos, space - pos));
    if (space == std::string::npos) break;
    pos = space + 1;
  }
  if (fields.size() < 13) return 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
}

}  // namespace esim
