// RAII ownership of a libuv handle (uv_timer_t, uv_tcp_t, uv_signal_t, ...).
//
// libuv's rules (docs: handle.rst): a handle cannot move, and its memory may be freed only
// in or after its close callback. So the uv_*_t lives on the heap; this wrapper can move
// freely; its destructor clears handle->data (no callback can reach a dead owner), calls
// uv_close, and the close callback frees the memory. If init failed there is nothing to
// close: call Reset() without having set initialized.
//
//   base::UvHandle<uv_timer_t> timer;
//   uv_timer_init(loop, timer.get());  timer.MarkInitialized();
//   timer->data = this;
#pragma once

#include <uv.h>

#include <utility>

namespace base {

template <class T>
class UvHandle {
 public:
  UvHandle() : handle_(new T{}) {}  // NOLINT(cppcoreguidelines-owning-memory): freed in OnClose
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  UvHandle(UvHandle&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)),
        initialized_(std::exchange(other.initialized_, false)) {}
  UvHandle& operator=(UvHandle&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = std::exchange(other.handle_, nullptr);
      initialized_ = std::exchange(other.initialized_, false);
    }
    return *this;
  }
  ~UvHandle() { Reset(); }

  T* get() const { return handle_; }
  T* operator->() const { return handle_; }
  uv_handle_t* as_handle() const { return reinterpret_cast<uv_handle_t*>(handle_); }
  uv_stream_t* as_stream() const { return reinterpret_cast<uv_stream_t*>(handle_); }

  // Call right after a successful uv_*_init: from now on the handle must be closed.
  void MarkInitialized() { initialized_ = true; }
  bool initialized() const { return initialized_; }

  // Closes the handle (if initialized) and gives up its memory to the close callback.
  void Reset() {
    if (handle_ == nullptr) return;
    if (initialized_) {
      handle_->data = nullptr;
      if (!uv_is_closing(as_handle())) uv_close(as_handle(), &OnClose);
    } else {
      delete handle_;  // NOLINT(cppcoreguidelines-owning-memory): never given to libuv
    }
    handle_ = nullptr;
    initialized_ = false;
  }

 private:
  static void OnClose(uv_handle_t* h) {
    delete reinterpret_cast<T*>(h);  // NOLINT(cppcoreguidelines-owning-memory)
  }

  T* handle_;
  bool initialized_ = false;
};

// Closes every handle left on `loop`, runs it dry and closes it. Returns uv_loop_close's
// result (0 when nothing leaked); tests assert on it.
inline int CloseLoop(uv_loop_t* loop) {
  uv_walk(
      loop,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(loop, UV_RUN_DEFAULT);
  return uv_loop_close(loop);
}

}  // namespace base
