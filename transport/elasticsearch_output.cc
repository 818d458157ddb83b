#include "transport/elasticsearch_output.h"

#include <algorithm>
#include <utility>

#include "transport/base64.h"
#include "transport/retry_policy.h"

namespace transport {
namespace {

using Clock = std::chrono::steady_clock;

// Room for the document that does not fit any more (typical log documents are well under
// this; a larger one grows its body once).
constexpr std::size_t kBodyHeadroomBytes = 64 * 1024;

std::size_t BodyReserveBytes(const OutputOptions& options) {
  return static_cast<std::size_t>(options.max_batch_bytes) + kBodyHeadroomBytes;
}

constexpr std::string_view kComponent = "transport";
// filter_path keeps only what the decisions need (elasticsearch-bulk.md §2).
constexpr std::string_view kBulkTarget =
    "/_bulk?filter_path=errors,items.*.error,items.*.status,items.*.failure_store";
// After a host fails, the node list is asked again this soon (one ask for many failures).
constexpr milliseconds kSniffAfterFailure{1'000};
// Retry decisions are logged at most this often, then counted.
constexpr int kRetryLogLines = 10;
constexpr milliseconds kRetryLogWindow{10'000};

// Requests held (in flight or waiting to be retried) per in-flight slot before the output
// stops reading new events: bounds memory to about 2 x max_in_flight x max_batch_bytes.
constexpr std::size_t kMaxHeldRequestsPerSlot = 2;

#ifndef SKIFF_VERSION
#define SKIFF_VERSION "0.0.0"
#endif

// At least 1 ms: libuv 1.44 runs a timer re-armed with 0 ms from its own callback again in
// the same pass, forever.
template <class Timer>
void StartTimer(Timer& timer, milliseconds delay) {
  uv_timer_start(
      timer.handle.get(),
      [](uv_timer_t* t) {
        // data is the Timer's `run`, owned by the output; cleared when the handle closes.
        if (t->data != nullptr) (*static_cast<std::function<void()>*>(t->data))();
      },
      static_cast<uint64_t>(std::max<int64_t>(1, delay.count())), 0);
}

HttpClient::Options ClientOptions(const OutputOptions& options) {
  HttpClient::Options client;
  client.connection = HttpConnectionOptions{options.connect_timeout, options.request_timeout,
                                            HttpResponseParser::Limits{}};
  client.max_idle_per_endpoint = static_cast<std::size_t>(std::max(1, options.max_in_flight));
  client.tls = options.tls;
  client.proxy = options.proxy;
  client.proxy_env = options.proxy_env;
  return client;
}

std::string Seconds(milliseconds d) {
  int64_t tenths = d.count() / 100;
  return base::StrCat(tenths / 10, ".", tenths % 10, " s");
}

}  // namespace

ElasticsearchOutput::ElasticsearchOutput(uv_loop_t* loop, buffer::EventBuffer& buffer,
                                         Credentials* credentials, OutputOptions options)
    : loop_(loop),
      buffer_(buffer),
      credentials_(credentials),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &real_clock_),
      backoff_(options_.retry_initial, options_.retry_max,
               options_.random ? options_.random : Backoff::DefaultRandom()),
      host_pool_(options_.hosts.size(), options_.retry_max),
      concurrency_(options_.max_in_flight),
      open_(BulkRequestOptions{options_.agent_id, options_.default_index,
                               options_.deterministic_ids, BodyReserveBytes(options_),
                               options_.data_stream, options_.index_fallback}),
      render_(BulkRequestOptions{options_.agent_id, options_.default_index,
                                 options_.deterministic_ids, BodyReserveBytes(options_),
                                 options_.data_stream, options_.index_fallback}),
      compressor_(loop, options_.compression_level),
      dead_letters_(
          DeadLetterWriter::Options{options_.dead_letter_dir, options_.dead_letter_max_bytes},
          *clock_),
      retry_log_(kRetryLogLines, kRetryLogWindow),
      client_(loop, ClientOptions(options_)) {
  user_agent_ =
      options_.user_agent.empty() ? std::string("skiff/" SKIFF_VERSION) : options_.user_agent;
  bulk_target_ = std::string(kBulkTarget);
  if (options_.require_data_stream) bulk_target_.append("&require_data_stream=true");
  stats_.in_flight_limit = concurrency_.limit();
}

std::string_view RequestOutcomeName(RequestOutcome outcome) {
  switch (outcome) {
    case RequestOutcome::kOk:
      return "ok";
    case RequestOutcome::kRetried:
      return "retried";
    case RequestOutcome::kTransportError:
      return "transport_error";
    case RequestOutcome::kRejected:
      return "rejected";
    case RequestOutcome::kCount:
      break;
  }
  return "unknown";
}

ElasticsearchOutput::~ElasticsearchOutput() {
  if (started_ && !stopped_) buffer_.SetOnReadable(nullptr);
}

base::Status ElasticsearchOutput::Start() {
  if (options_.hosts.empty()) return base::InvalidArgument("output: no hosts");
  for (const std::string& url : options_.hosts) {
    base::Result<HttpEndpoint> ep = HttpEndpoint::Parse(url);
    if (!ep.has_value()) return std::move(ep).error().WithContext("output");
    hosts_.push_back(Host{*ep, ep->ToString()});
    stats_.hosts.push_back(OutputStats::HostHealth{ep->ToString(), true});
  }
  {
    // TLS files and proxy settings fail here, at start, rather than on the first request.
    std::vector<HttpEndpoint> endpoints;
    for (const Host& host : hosts_) endpoints.push_back(host.endpoint);
    if (base::Status s = client_.Prepare(endpoints); !s.ok()) return s.WithContext("output");
    // The client certificate's expiry is known from here on, before any connection.
    if (const TlsContext* tls = client_.tls_context()) stats_.tls = tls->stats();
  }
  if (options_.max_in_flight < 1) return base::InvalidArgument("output: max_in_flight < 1");
  if (options_.max_batch_docs < 1 || options_.max_batch_bytes < 1) {
    return base::InvalidArgument("output: max_batch_docs and max_batch_bytes must be positive");
  }
  if (options_.dead_letter_dir.empty()) {
    return base::InvalidArgument("output: no dead-letter directory");
  }
  if (options_.deterministic_ids && options_.agent_id.empty()) {
    return base::InvalidArgument("output: deterministic ids need an agent id");
  }
  if (base::Status s = dead_letters_.Open(); !s.ok()) return s.WithContext("output");

  auto init = [this](Timer& timer, std::function<void()> fn) {
    timer.run = std::move(fn);
    uv_timer_init(loop_, timer.handle.get());
    timer.handle.MarkInitialized();
    timer.handle->data = &timer.run;  // `timer` is a member: it never moves
  };
  init(pump_timer_, [this] { Pump(); });
  init(wake_timer_, [this] { Pump(); });
  init(probe_timer_, [this] { SendProbe(); });
  init(sniff_timer_, [this] { SendSniff(); });
  init(shutdown_timer_, [this] {
    stopping_ = true;
    base::LogWarn(kComponent, base::StrCat("shutdown deadline: abandoning ", in_flight_.size(),
                                           " requests in flight; their events stay buffered"));
    client_.CloseAll();
    in_flight_.clear();
    stats_.in_flight = 0;
    FinishShutdown();
  });
  init(done_timer_, [this] {
    std::function<void()> done = std::move(done_);
    done_ = nullptr;
    if (done) done();
  });
  started_ = true;
  buffer_.SetOnReadable([this] { SchedulePump(); });
  SendProbe();
  if (options_.sniff) SendSniff();
  SchedulePump();
  return base::Status::Ok();
}

// ---- Reading and batching -------------------------------------------------------------

void ElasticsearchOutput::SchedulePump() {
  if (stopping_ || !pump_timer_.handle.initialized()) return;
  if (uv_is_active(pump_timer_.handle.as_handle()) == 0) StartTimer(pump_timer_, milliseconds(0));
}

bool ElasticsearchOutput::OpenFull() const {
  return open_overflowed_ || open_.size() >= options_.max_batch_docs ||
         open_.body().size() >= options_.max_batch_bytes;
}

bool ElasticsearchOutput::FillOpen(Clock::time_point now) {
  while (!OpenFull()) {
    if (!packing_lease_.has_value()) {
      std::optional<buffer::EventBuffer::Lease> lease = buffer_.Read();
      if (!lease.has_value()) return true;
      uint32_t n = static_cast<uint32_t>(lease->batch->events.size());
      if (n == 0) {
        buffer_.Ack(lease->id);
        continue;
      }
      leases_[lease->id] = LeaseState{lease->batch, 0, n};
      packing_lease_ = lease->id;
    }
    LeaseState& lease = leases_[*packing_lease_];
    open_.set_identity(StampedIdentity());
    open_.Add(*packing_lease_, *lease.batch, lease.packed);
    if (open_.body().size() > options_.max_batch_bytes && open_.size() > 1) {
      open_.RemoveLast();  // this event starts the next request
      open_overflowed_ = true;
      return false;
    }
    if (open_.size() == 1) open_since_ = now;
    if (++lease.packed == lease.batch->events.size()) packing_lease_.reset();
  }
  return false;
}

void ElasticsearchOutput::Pump() {
  if (stopping_) return;
  Clock::time_point now = Now();
  const auto max_in_flight = static_cast<std::size_t>(options_.max_in_flight);
  while (in_flight_.size() < static_cast<std::size_t>(concurrency_.limit())) {
    // Due retries first: they hold the oldest leases.
    auto due = std::min_element(waiting_.begin(), waiting_.end(), [](const Work& a, const Work& b) {
      return a.not_before < b.not_before;
    });
    if (due != waiting_.end() && due->not_before <= now) {
      std::optional<HostPool::Pick> pick = host_pool_.Acquire(now);
      if (!pick.has_value()) break;  // every host benched: wait for the next probe
      Work work = std::move(*due);
      waiting_.erase(due);
      render_.Clear();
      render_.set_identity(StampedIdentity());
      for (const BulkItemRef& ref : work.items) {
        render_.Add(ref.lease_id, *leases_[ref.lease_id].batch, ref.event_index);
      }
      SendWork(std::move(work), render_.TakeBody(), *pick);
      continue;
    }
    // Read new events only while the work held in memory is bounded: during an outage
    // every request fails into `waiting_`, and reading on would pull the whole buffer in.
    if (waiting_.size() + in_flight_.size() >= kMaxHeldRequestsPerSlot * max_in_flight) break;
    bool dry = FillOpen(now);
    if (open_.empty()) break;
    if (open_.index_fallbacks() > fallbacks_logged_) {
      LogDecision(base::LogLevel::kWarn,
                  base::StrCat(open_.index_fallbacks() - fallbacks_logged_,
                               " documents lack a field their index refers to; sent to ",
                               options_.index_fallback));
      fallbacks_logged_ = open_.index_fallbacks();
      stats_.index_fallbacks = fallbacks_logged_;
    }
    bool flush_due = now - open_since_ >= options_.flush_interval;
    if (OpenFull() || (dry && in_flight_.empty()) || flush_due) {
      std::optional<HostPool::Pick> pick = host_pool_.Acquire(now);
      if (!pick.has_value()) break;  // every host benched: wait for the next probe
      Work work;
      work.items = open_.items();
      std::string body = open_.TakeBody();
      open_.Clear();
      open_overflowed_ = false;
      SendWork(std::move(work), std::move(body), *pick);
      continue;
    }
    break;
  }
  ArmWakeTimer(now);
  if (draining_ && in_flight_.empty() && waiting_.empty() && open_.empty() &&
      buffer_.PendingBatches() == 0) {
    stopping_ = true;
    FinishShutdown();
  }
}

void ElasticsearchOutput::ArmWakeTimer(Clock::time_point now) {
  std::optional<Clock::time_point> wake;
  // With every slot busy, a completion pumps again; waking for due retries would spin.
  bool slot_free = in_flight_.size() < static_cast<std::size_t>(concurrency_.limit());
  for (const Work& w : waiting_) {
    if (slot_free && (!wake || w.not_before < *wake)) wake = w.not_before;
  }
  if (!open_.empty() && slot_free) {
    Clock::time_point flush_at = open_since_ + options_.flush_interval;
    if (!wake || flush_at < *wake) wake = flush_at;
  }
  // Every host benched: nothing can go before the next probe is allowed; while every host
  // is being probed, the probes' answers pump again.
  if (std::optional<Clock::time_point> probe = host_pool_.NextProbe(); wake && probe) {
    if (*probe == Clock::time_point::max())
      wake.reset();
    else
      wake = std::max(*wake, *probe);
  }
  if (!wake) {
    uv_timer_stop(wake_timer_.handle.get());
    return;
  }
  // +1 ms: the timer's millisecond clock must not fire just before the deadline.
  auto delay = std::chrono::duration_cast<milliseconds>(*wake - now) + milliseconds(1);
  StartTimer(wake_timer_, delay);
}

// ---- Sending ---------------------------------------------------------------------------

void ElasticsearchOutput::SyncTlsStats() {
  const TlsContext* tls = client_.tls_context();
  if (tls == nullptr || tls->stats().version == stats_.tls.version) return;
  stats_.tls = tls->stats();
}

void ElasticsearchOutput::SyncHostStats() {
  SyncTlsStats();
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    stats_.hosts[i].retired = host_pool_.retired(i);
    stats_.hosts[i].up = host_pool_.up(i) && !stats_.hosts[i].retired;
  }
  stats_.host_benchings = host_pool_.benchings();
}

bool ElasticsearchOutput::HostFailed(const InFlight& flight) {
  const bool was_up = host_pool_.up(flight.host);
  host_pool_.OnFailure(flight.host, flight.probe, Now());
  SyncHostStats();
  // A retired host failing says nothing about the cluster: it left.
  if (was_up && !host_pool_.up(flight.host) && !host_pool_.retired(flight.host)) {
    base::LogWarn(kComponent, base::StrCat("host ", hosts_[flight.host].name,
                                           " benched; probing it back with one request"));
    // The cluster may have changed: ask which nodes it has now.
    if (options_.sniff) ScheduleSniff(kSniffAfterFailure);
  }
  return host_pool_.AnyUp();
}

void ElasticsearchOutput::Observe(const InFlight& flight, RequestOutcome outcome,
                                  AdaptiveConcurrency::Signal signal) {
  Clock::duration rtt = Now() - flight.sent_at;
  const double seconds = std::chrono::duration<double>(rtt).count();
  OutputStats::Latency& latency = stats_.latency[static_cast<std::size_t>(outcome)];
  const auto& bounds = metrics::kLatencyBucketsSeconds;
  latency.buckets[static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), seconds) -
                                           bounds.begin())]++;
  latency.sum_seconds += seconds;
  concurrency_.OnOutcome(signal, rtt, flight.generation);
  stats_.in_flight_limit = concurrency_.limit();
}

void ElasticsearchOutput::SendWork(Work work, std::string body, HostPool::Pick pick) {
  uint64_t id = next_request_id_++;
  std::size_t host = pick.host;
  HttpRequest request;
  request.method = "POST";
  request.target = bulk_target_;
  request.headers = {{"Content-Type", std::string(media_.content_type)},
                     {"Accept", std::string(media_.accept)},
                     {"User-Agent", user_agent_}};
  InFlight& flight = in_flight_[id];
  flight.work = std::move(work);
  flight.host = host;
  flight.probe = pick.probe;
  flight.generation = concurrency_.generation();
  flight.request = std::move(request);
  stats_.in_flight = static_cast<int>(in_flight_.size());
  if (options_.gzip) {
    // Off the loop; the flight holds its slot meanwhile, so bodies in memory stay bounded
    // by the requests in flight.
    flight.compressing = true;
    compressor_.Compress(std::move(body), [this, id](BodyCompressor::Outcome outcome) {
      OnCompressed(id, std::move(outcome));
    });
    return;
  }
  flight.request.body = std::move(body);
  Authorize(id);
}

void ElasticsearchOutput::OnCompressed(uint64_t id, BodyCompressor::Outcome outcome) {
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;  // abandoned at the shutdown deadline
  InFlight& flight = it->second;
  flight.compressing = false;
  if (outcome.status.ok()) {
    flight.request.headers.push_back({"Content-Encoding", "gzip"});
  } else {
    LogDecision(base::LogLevel::kWarn,
                base::StrCat("gzip failed, sending uncompressed: ", outcome.status.ToString()));
  }
  flight.request.body = std::move(outcome.body);
  if (stopping_) {
    // Shutting down without Elasticsearch: the events stay buffered for the next run.
    in_flight_.erase(it);
    stats_.in_flight = static_cast<int>(in_flight_.size());
    if (in_flight_.empty()) FinishShutdown();
    return;
  }
  Authorize(id);
}

void ElasticsearchOutput::Authorize(uint64_t id) {
  InFlight& flight = in_flight_[id];
  const std::size_t host = flight.host;
  flight.sent_at = Now();  // the round trip starts here, after compression
  if (credentials_ == nullptr) {
    SendHttp(id);
    return;
  }
  const HttpRequest& r = flight.request;
  CredentialRequest cr{r.method, hosts_[host].name, r.target, AsBytes(r.body)};
  std::weak_ptr<char> alive = alive_;
  credentials_->GetHeaders(cr, [this, id, alive](base::Result<std::vector<HttpHeader>> headers) {
    if (alive.expired()) return;
    auto it = in_flight_.find(id);
    if (it == in_flight_.end()) return;  // abandoned at shutdown
    if (!headers.has_value()) {
      OnResponse(id, std::move(headers).error().WithContext("get credentials"));
      return;
    }
    for (HttpHeader& h : *headers) it->second.request.headers.push_back(std::move(h));
    SendHttp(id);
  });
}

base::Status ElasticsearchOutput::Readiness() const {
  if (credentials_ != nullptr) {
    if (base::Status s = credentials_->Readiness(); !s.ok()) return s;
  }
  if (!reachable_) return base::Unavailable("output: no Elasticsearch host answers");
  if (forbidden_) {
    return base::Unavailable(
        "output: Elasticsearch answers 403 to bulk requests; the credential lacks the "
        "create_doc privilege");
  }
  return base::Status::Ok();
}

void ElasticsearchOutput::SendHttp(uint64_t id) {
  InFlight& flight = in_flight_[id];
  stats_.bytes_sent += flight.request.body.size();
  base::Status s = client_.Send(
      hosts_[flight.host].endpoint, std::move(flight.request),
      [this, id](base::Result<HttpResponse> result) { OnResponse(id, std::move(result)); });
  if (!s.ok()) OnResponse(id, std::move(s));
}

// ---- Outcomes --------------------------------------------------------------------------

void ElasticsearchOutput::OnResponse(uint64_t id, base::Result<HttpResponse> result) {
  auto node = in_flight_.extract(id);
  if (node.empty()) return;
  InFlight flight = std::move(node.mapped());
  stats_.in_flight = static_cast<int>(in_flight_.size());
  reachable_ = result.has_value();
  stats_.connections_opened = client_.connections_opened();
  SyncTlsStats();
  // The connection of a request that finished on a retired host went back to the pool.
  if (host_pool_.retired(flight.host)) client_.CloseIdle(hosts_[flight.host].endpoint);
  if (!result.has_value()) {
    ++stats_.requests_transport_error;
    // A timeout says the cluster is overloaded; a refused connection only that the host is
    // down, which host health handles.
    const bool timeout = result.error().code() == base::StatusCode::kDeadlineExceeded;
    Observe(flight, RequestOutcome::kTransportError,
            timeout ? AdaptiveConcurrency::Signal::kBackpressure
                    : AdaptiveConcurrency::Signal::kNeutral);
    const bool failover = HostFailed(flight);
    Retry(std::move(flight.work), std::nullopt, hosts_[flight.host].name, result.error().ToString(),
          failover);
  } else {
    // Providers that sign with the local clock (SigV4) correct it by the server's Date.
    if (credentials_ != nullptr) {
      if (auto date = result->Header("Date")) credentials_->ObserveServerDate(*date);
    }
    HandleStatus(std::move(flight), *result);
  }
  // Draining for shutdown stops at the first sign that Elasticsearch is unreachable.
  if (draining_ && !reachable_) stopping_ = true;
  if (stopping_) {
    if (in_flight_.empty()) FinishShutdown();
  } else {
    SchedulePump();
  }
}

void ElasticsearchOutput::HandleStatus(InFlight flight, const HttpResponse& response) {
  const std::string& host = hosts_[flight.host].name;
  int status = response.status;
  RequestAction action = DecideRequest(status, response.body, flight.work.refreshed);
  std::optional<milliseconds> retry_after;
  if (auto v = response.Header("Retry-After")) retry_after = Backoff::ParseRetryAfter(*v);
  auto why = [&] {
    ElasticsearchError e = BulkResponse::ParseErrorBody(response.body);
    return base::StrCat(status, " ", e.type, ": ", e.reason);
  };
  const bool host_failure = status == 502 || status == 503 || status == 504;
  if (!host_failure) {
    if (!host_pool_.up(flight.host) && !host_pool_.retired(flight.host)) {
      base::LogInfo(kComponent, base::StrCat("host ", host, " answers again; back in rotation"));
    }
    host_pool_.OnAnswer(flight.host, flight.probe);
    SyncHostStats();
  }
  if (status == 406 && media_.compatible) {
    // The cluster does not speak the REST-compatibility types (an OpenSearch or an old
    // Elasticsearch behind the same URL): plain types from now on, resent at once.
    Observe(flight, RequestOutcome::kRetried, AdaptiveConcurrency::Signal::kNeutral);
    ++stats_.requests_retried;
    compatible_refused_ = true;
    media_ = kPlainMediaTypes;
    base::LogWarn(kComponent, base::StrCat(host, " refused the compatible-with=8 media types (",
                                           why(), "); sending plain application/x-ndjson"));
    flight.work.not_before = Now();
    waiting_.push_back(std::move(flight.work));
    return;
  }
  if (action != RequestAction::kReadItems) {
    const bool backpressure = status == 429 || status == 503;
    Observe(flight,
            action == RequestAction::kRetry || action == RequestAction::kRetryForbidden ||
                    action == RequestAction::kRefreshAndRetry || action == RequestAction::kSplit
                ? RequestOutcome::kRetried
                : RequestOutcome::kRejected,
            backpressure ? AdaptiveConcurrency::Signal::kBackpressure
                         : AdaptiveConcurrency::Signal::kNeutral);
  }
  switch (action) {
    case RequestAction::kReadItems:
      forbidden_ = false;
      HandleItems(std::move(flight), response);
      return;
    case RequestAction::kRetry: {
      ++stats_.requests_retried;
      const bool failover = host_failure && HostFailed(flight);
      Retry(std::move(flight.work), retry_after, host, why(), failover);
      return;
    }
    case RequestAction::kRefreshAndRetry: {
      ++stats_.requests_auth_refreshed;
      LogDecision(base::LogLevel::kWarn,
                  base::StrCat("bulk request to ", host, ": 401, refreshing credentials (",
                               credentials_ ? credentials_->Describe() : "none", ") and retrying"));
      flight.work.refreshed = true;
      if (credentials_ == nullptr || stopping_) {
        Retry(std::move(flight.work), retry_after, host, why());
        return;
      }
      std::weak_ptr<char> alive = alive_;
      auto work = std::make_shared<Work>(std::move(flight.work));  // std::function needs copyable
      credentials_->Refresh([this, alive, work](base::Status s) {
        if (alive.expired()) return;
        if (!s.ok()) {
          LogDecision(base::LogLevel::kWarn,
                      base::StrCat("credential refresh failed: ", s.ToString()));
        }
        work->not_before = Now();  // resend at once with the fresh credential
        waiting_.push_back(std::move(*work));
        SchedulePump();
      });
      return;
    }
    case RequestAction::kRetryForbidden:
      ++stats_.requests_forbidden;
      forbidden_ = true;
      base::LogError(kComponent,
                     base::StrCat("bulk request to ", host, " forbidden: ", why(),
                                  "; the credential lacks the create_doc privilege on the index;"
                                  " events stay buffered until an administrator fixes the role"));
      Retry(std::move(flight.work), retry_after, host, why());
      return;
    case RequestAction::kSplit: {
      std::vector<BulkItemRef>& items = flight.work.items;
      if (items.size() > 1) {
        ++stats_.requests_split;
        LogDecision(base::LogLevel::kWarn,
                    base::StrCat("bulk request to ", host, ": 413 too large, splitting ",
                                 items.size(), " documents in halves"));
        Work second;
        second.attempt = flight.work.attempt;
        second.refreshed = flight.work.refreshed;
        second.items.assign(items.begin() + static_cast<std::ptrdiff_t>(items.size() / 2),
                            items.end());
        items.resize(items.size() / 2);
        flight.work.not_before = second.not_before = Now();
        waiting_.push_back(std::move(flight.work));
        waiting_.push_back(std::move(second));
        return;
      }
      ElasticsearchError e{"request_entity_too_large",
                           "the document alone is larger than the cluster accepts "
                           "(http.max_content_length)"};
      PendingDeadLetter letter{items.front(), status, &e};
      DeadLetterItems(std::span(&letter, 1), flight.work);
      return;
    }
    case RequestAction::kDeadLetter: {
      ++stats_.requests_dead_lettered;
      ElasticsearchError e = BulkResponse::ParseErrorBody(response.body);
      base::LogError(kComponent, base::StrCat("bulk request to ", host, " rejected: ", status, " ",
                                              e.type, ": ", e.reason, "; dead-lettering ",
                                              flight.work.items.size(), " documents"));
      std::vector<PendingDeadLetter> letters;
      letters.reserve(flight.work.items.size());
      for (const BulkItemRef& ref : flight.work.items) letters.push_back({ref, status, &e});
      DeadLetterItems(letters, flight.work);
      return;
    }
  }
}

void ElasticsearchOutput::HandleItems(InFlight flight, const HttpResponse& response) {
  Work& work = flight.work;
  const std::string& host_name = hosts_[flight.host].name;
  // Items answered 429 are the cluster pushing back even though the request succeeded.
  bool item_429 = false;
  base::Status parsed = response_.Parse(response.body);
  if (parsed.ok() && response_.has_items()) {
    for (std::size_t i = 0; i < response_.item_count(); ++i) {
      if (response_.items()[i].status == 429) {
        item_429 = true;
        break;
      }
    }
  }
  if (!parsed.ok()) {
    Observe(flight, RequestOutcome::kRetried, AdaptiveConcurrency::Signal::kNeutral);
  } else {
    Observe(
        flight, item_429 ? RequestOutcome::kRetried : RequestOutcome::kOk,
        item_429 ? AdaptiveConcurrency::Signal::kBackpressure : AdaptiveConcurrency::Signal::kOk);
  }
  if (!parsed.ok()) {
    ++stats_.requests_retried;
    Retry(std::move(work), std::nullopt, host_name, parsed.ToString());
    return;
  }
  if (!response_.has_items()) {
    if (response_.errors()) {
      ++stats_.requests_retried;
      Retry(std::move(work), std::nullopt, host_name, "errors without items");
      return;
    }
    // A filter_path without items and errors:false: Elasticsearch took every document.
    ++stats_.requests_ok;
    stats_.docs_delivered += work.items.size();
    for (const BulkItemRef& ref : work.items) Resolve(ref);
    return;
  }
  if (response_.item_count() != work.items.size()) {
    ++stats_.requests_retried;
    Retry(std::move(work), std::nullopt, host_name,
          base::StrCat("response has ", response_.item_count(), " items for ", work.items.size(),
                       " documents"));
    return;
  }
  ++stats_.requests_ok;
  Work retry;
  retry.attempt = work.attempt;
  std::vector<PendingDeadLetter> letters;
  const BulkItemResult* first_retry = nullptr;
  for (std::size_t i = 0; i < work.items.size(); ++i) {
    const BulkItemResult& item = response_.items()[i];
    switch (DecideItem(item)) {
      case ItemAction::kDuplicate:
        ++stats_.docs_duplicate;
        ++stats_.docs_delivered;
        Resolve(work.items[i]);
        break;
      case ItemAction::kFailureStore:
        ++stats_.docs_failure_store;
        ++stats_.docs_delivered;
        Resolve(work.items[i]);
        break;
      case ItemAction::kDelivered:
        ++stats_.docs_delivered;
        Resolve(work.items[i]);
        break;
      case ItemAction::kRetry:
        ++stats_.item_retries;
        if (first_retry == nullptr) first_retry = &item;
        retry.items.push_back(work.items[i]);
        break;
      case ItemAction::kDeadLetter:
        letters.push_back({work.items[i], item.status, &item.error});
        break;
    }
  }
  if (!letters.empty()) {
    LogDecision(base::LogLevel::kWarn,
                base::StrCat("bulk request to ", host_name, ": dead-lettering ", letters.size(),
                             " rejected documents, e.g. ", letters.front().status, " ",
                             letters.front().error->type, ": ", letters.front().error->reason));
    DeadLetterItems(letters, work);
  }
  if (!retry.items.empty()) {
    std::string why = base::StrCat(retry.items.size(), " of ", work.items.size(),
                                   " items failed, e.g. ", first_retry->status, " ",
                                   first_retry->error.type, ": ", first_retry->error.reason);
    Retry(std::move(retry), std::nullopt, host_name, why);
  }
}

void ElasticsearchOutput::Retry(Work work, std::optional<milliseconds> retry_after,
                                std::string_view host, std::string_view why, bool failover) {
  ++work.attempt;
  // Failover: the host failed, another one is up; resend there at once.
  milliseconds delay = failover ? milliseconds(0) : backoff_.Delay(work.attempt, retry_after);
  work.not_before = Now() + delay;
  LogDecision(
      base::LogLevel::kWarn,
      base::StrCat("bulk request to ", host, " failed: ", why, "; retrying ", work.items.size(),
                   " documents in ", Seconds(delay), " (attempt ", work.attempt, ")"));
  waiting_.push_back(std::move(work));
}

void ElasticsearchOutput::DeadLetterItems(std::span<const PendingDeadLetter> letters,
                                          const Work& work) {
  // Render every document and its index first: the DeadLetter views must not move while
  // writing. Rendered as the request carried them (render_ keeps open_'s cache intact).
  dead_letter_scratch_.clear();
  std::string indices;
  std::string document;
  std::string index;
  std::vector<std::pair<std::size_t, std::size_t>> ends;  // (document end, index end)
  ends.reserve(letters.size());
  for (const PendingDeadLetter& p : letters) {
    const buffer::EventBatch& batch = *leases_[p.ref.lease_id].batch;
    render_.RenderForDeadLetter(p.ref.lease_id, batch, p.ref.event_index, document, index);
    dead_letter_scratch_.append(document);
    indices.append(index);
    ends.emplace_back(dead_letter_scratch_.size(), indices.size());
  }
  std::vector<DeadLetter> out;
  out.reserve(letters.size());
  std::size_t doc_begin = 0;
  std::size_t index_begin = 0;
  for (std::size_t i = 0; i < letters.size(); ++i) {
    const PendingDeadLetter& p = letters[i];
    auto [doc_end, index_end] = ends[i];
    out.push_back(
        DeadLetter{std::string_view(indices).substr(index_begin, index_end - index_begin), p.status,
                   p.error->type, p.error->reason,
                   std::string_view(dead_letter_scratch_).substr(doc_begin, doc_end - doc_begin)});
    doc_begin = doc_end;
    index_begin = index_end;
  }
  uint64_t dropped_before = dead_letters_.dropped_over_cap();
  base::Status s = dead_letters_.Write(out);
  if (!s.ok()) {
    base::LogError(kComponent, base::StrCat("cannot write dead letters: ", s.ToString(),
                                            "; the documents stay buffered and are retried"));
    Work retry;
    retry.attempt = work.attempt;
    for (const PendingDeadLetter& p : letters) retry.items.push_back(p.ref);
    Retry(std::move(retry), std::nullopt, "dead-letter files", s.ToString());
    return;
  }
  uint64_t dropped = dead_letters_.dropped_over_cap() - dropped_before;
  stats_.docs_dead_letter_dropped += dropped;
  stats_.docs_dead_lettered += letters.size() - dropped;
  for (const PendingDeadLetter& p : letters) Resolve(p.ref);
}

void ElasticsearchOutput::Resolve(const BulkItemRef& ref) {
  auto it = leases_.find(ref.lease_id);
  if (it == leases_.end()) return;
  if (--it->second.unresolved > 0) return;
  leases_.erase(it);
  buffer_.Ack(ref.lease_id);  // may run producers' callbacks; Pump is only scheduled
}

void ElasticsearchOutput::LogDecision(base::LogLevel level, const std::string& line) {
  uint64_t suppressed = 0;
  bool allow = retry_log_.Allow(Now(), &suppressed);
  if (suppressed > 0) {
    base::Log(level, kComponent,
              base::StrCat("(", suppressed, " similar output messages suppressed)"));
  }
  if (allow) base::Log(level, kComponent, line);
}

// ---- GET / -----------------------------------------------------------------------------

void ElasticsearchOutput::SendProbe() {
  if (stopping_) return;
  std::size_t host = host_pool_.AnyHost();
  auto send = [this, host](std::vector<HttpHeader> extra) {
    HttpRequest request;
    request.headers = {{"Accept", "application/json"}, {"User-Agent", user_agent_}};
    for (HttpHeader& h : extra) request.headers.push_back(std::move(h));
    base::Status s =
        client_.Send(hosts_[host].endpoint, std::move(request),
                     [this, host](base::Result<HttpResponse> r) { OnProbe(std::move(r), host); });
    if (!s.ok()) base::LogWarn(kComponent, s.ToString());
  };
  if (credentials_ == nullptr) {
    send({});
    return;
  }
  std::weak_ptr<char> alive = alive_;
  CredentialRequest cr{"GET", hosts_[host].name, "/", {}};
  credentials_->GetHeaders(cr, [this, alive, send](base::Result<std::vector<HttpHeader>> h) {
    if (alive.expired() || stopping_) return;
    if (!h.has_value()) {
      OnProbe(std::move(h).error(), 0);
      return;
    }
    send(std::move(*h));
  });
}

void ElasticsearchOutput::OnProbe(base::Result<HttpResponse> result, std::size_t host) {
  if (stopping_) return;
  SyncTlsStats();
  const std::string& name = hosts_[host].name;
  if (!result.has_value()) {
    // Bulk requests wait for this host's probe too (one connection attempt, not many).
    host_pool_.OnFailure(host, false, Now());
    SyncHostStats();
    ++probe_attempt_;
    milliseconds delay = backoff_.Delay(probe_attempt_);
    LogDecision(base::LogLevel::kWarn,
                base::StrCat("cannot reach Elasticsearch at ", name, ": ",
                             result.error().ToString(), "; asking again in ", Seconds(delay)));
    StartTimer(probe_timer_, delay);
    return;
  }
  reachable_ = true;
  host_pool_.OnAnswer(host, false);
  SyncHostStats();
  const HttpResponse& r = *result;
  if (r.status == 401 || r.status == 403) {
    base::LogWarn(kComponent, base::StrCat(name, " answered ", r.status,
                                           " to GET / (no cluster:monitor privilege?); cluster "
                                           "version unknown, carrying on"));
    return;
  }
  if (r.status != 200) {
    base::LogWarn(kComponent, base::StrCat(name, " answered ", r.status, " to GET /"));
    return;
  }
  base::Result<ClusterInfo> info = ClusterInfo::Parse(r);
  if (!info.has_value()) {
    base::LogWarn(kComponent, base::StrCat(name, " answered GET / with something else than the "
                                           "cluster info (", info.error().message(),
                                           "); cluster version unknown, carrying on"));
    return;
  }
  if (!compatible_refused_) media_ = info->ChooseMediaTypes();
  base::LogInfo(kComponent, base::StrCat("connected to ", info->Describe(), " at ", name,
                                         "; sending ", media_.content_type));
  if (info->MissingProductHeader()) {
    base::LogWarn(kComponent,
                  base::StrCat(name, " claims Elasticsearch ", info->number,
                               " but sent no X-Elastic-Product header (a proxy that drops it, or "
                               "not a genuine Elasticsearch); carrying on"));
  }
}

// ---- GET /_nodes/http (sniff) ------------------------------------------------------------

void ElasticsearchOutput::ScheduleSniff(milliseconds delay) {
  if (stopping_ || draining_ || !sniff_timer_.handle.initialized() || sniffing_) return;
  Clock::time_point at = Now() + delay;
  if (uv_is_active(sniff_timer_.handle.as_handle()) != 0 && next_sniff_ <= at) return;
  next_sniff_ = at;
  StartTimer(sniff_timer_, delay);
}

void ElasticsearchOutput::SendSniff() {
  if (stopping_ || draining_ || sniffing_) return;
  sniffing_ = true;
  // A host that is up, if there is one: a benched one would only fail again.
  std::size_t host = host_pool_.AnyHost();
  for (std::size_t i = 0; i < hosts_.size() && !host_pool_.up(host); ++i) {
    host = host_pool_.AnyHost();
  }
  auto send = [this, host](std::vector<HttpHeader> extra) {
    HttpRequest request;
    request.target = std::string(kNodesHttpTarget);
    request.headers = {{"Accept", "application/json"}, {"User-Agent", user_agent_}};
    for (HttpHeader& h : extra) request.headers.push_back(std::move(h));
    base::Status s =
        client_.Send(hosts_[host].endpoint, std::move(request),
                     [this, host](base::Result<HttpResponse> r) { OnSniff(std::move(r), host); });
    if (!s.ok()) OnSniff(std::move(s), host);
  };
  if (credentials_ == nullptr) {
    send({});
    return;
  }
  std::weak_ptr<char> alive = alive_;
  CredentialRequest cr{"GET", hosts_[host].name, kNodesHttpTarget, {}};
  credentials_->GetHeaders(cr, [this, alive, send, host](base::Result<std::vector<HttpHeader>> h) {
    if (alive.expired()) return;
    if (!h.has_value()) {
      OnSniff(std::move(h).error(), host);
      return;
    }
    send(std::move(*h));
  });
}

void ElasticsearchOutput::OnSniff(base::Result<HttpResponse> result, std::size_t host) {
  sniffing_ = false;
  SyncTlsStats();
  if (stopping_ || draining_) return;
  const std::string name = hosts_[host].name;  // a copy: hosts_ grows in ApplySniff
  auto retry = [&](std::string_view why) {
    milliseconds delay = std::min(options_.sniff_interval, options_.retry_max);
    LogDecision(base::LogLevel::kWarn, base::StrCat("cannot discover nodes through ", name, ": ",
                                                    why, "; asking again in ", Seconds(delay)));
    ScheduleSniff(delay);
  };
  if (!result.has_value()) return retry(result.error().ToString());
  if (result->status != 200) {
    ElasticsearchError e = BulkResponse::ParseErrorBody(result->body);
    return retry(base::StrCat(result->status, " ", e.type, ": ", e.reason));
  }
  base::Result<std::vector<std::string>> addresses = ParseNodesHttp(result->body);
  if (!addresses.has_value()) return retry(addresses.error().message());
  ApplySniff(*addresses, name);
  ScheduleSniff(options_.sniff_interval);
  SchedulePump();
}

void ElasticsearchOutput::ApplySniff(std::span<const std::string> addresses,
                                     std::string_view through) {
  const bool tls = hosts_.front().endpoint.tls;
  std::vector<bool> listed(hosts_.size(), false);
  std::size_t valid = 0;
  for (const std::string& address : addresses) {
    base::Result<HttpEndpoint> endpoint = HttpEndpoint::Parse(SniffedHostUrl(tls, address));
    if (!endpoint.has_value()) {
      LogDecision(base::LogLevel::kWarn, base::StrCat("ignoring discovered node address ", address,
                                                      ": ", endpoint.error().message()));
      continue;
    }
    ++valid;
    std::string url = endpoint->ToString();
    auto known =
        std::find_if(hosts_.begin(), hosts_.end(), [&url](const Host& h) { return h.name == url; });
    if (known != hosts_.end()) {
      const auto host = static_cast<std::size_t>(known - hosts_.begin());
      listed[host] = true;
      if (host_pool_.retired(host)) {
        host_pool_.Reinstate(host);
        base::LogInfo(kComponent, base::StrCat("node ", url, " is back in the cluster (through ",
                                               through, "); back in the hosts"));
      }
      continue;
    }
    base::LogInfo(kComponent, base::StrCat("discovered node ", url, " through ", through,
                                           "; added to the hosts"));
    hosts_.push_back(Host{*endpoint, url});
    stats_.hosts.push_back(OutputStats::HostHealth{url, true});
    host_pool_.AddHost();
    listed.push_back(true);
  }
  // An answer naming no node at all says more about the answer than about the cluster: a
  // node that is alone in the cluster lists itself. Keep the hosts as they are.
  if (valid == 0) {
    LogDecision(base::LogLevel::kWarn,
                base::StrCat("node discovery through ", through,
                             " listed no usable node; keeping the hosts as they are"));
    SyncHostStats();
    return;
  }
  for (std::size_t host = 0; host < hosts_.size(); ++host) {
    if (listed[host] || host_pool_.retired(host) || !host_pool_.discovered(host)) continue;
    host_pool_.Retire(host);
    // Requests in flight there finish or fail as usual; idle connections have no use left.
    client_.CloseIdle(hosts_[host].endpoint);
    base::LogInfo(kComponent, base::StrCat("node ", hosts_[host].name, " is no longer listed by ",
                                           through, "; retired from the hosts"));
  }
  SyncHostStats();
}

// ---- Shutdown --------------------------------------------------------------------------

void ElasticsearchOutput::Shutdown(milliseconds deadline, std::function<void()> done) {
  done_ = std::move(done);
  if (!started_) {
    stopping_ = true;
    FinishShutdown();
    return;
  }
  if (stopping_ || draining_) return;
  uv_timer_stop(probe_timer_.handle.get());
  uv_timer_stop(sniff_timer_.handle.get());
  if (reachable_) {
    // DESIGN: ship what is buffered for at most `deadline`; the inputs have stopped, so
    // the buffer only shrinks. Pump() finishes once it is empty.
    draining_ = true;
    base::LogInfo(kComponent,
                  base::StrCat("shipping what is buffered for up to ", Seconds(deadline)));
    StartTimer(shutdown_timer_, deadline);
    SchedulePump();
    return;
  }
  stopping_ = true;
  buffer_.SetOnReadable(nullptr);
  uv_timer_stop(pump_timer_.handle.get());
  uv_timer_stop(wake_timer_.handle.get());
  if (in_flight_.empty()) {
    FinishShutdown();
    return;
  }
  base::LogInfo(kComponent, base::StrCat("waiting up to ", Seconds(deadline), " for ",
                                         in_flight_.size(), " requests in flight"));
  StartTimer(shutdown_timer_, deadline);
}

void ElasticsearchOutput::FinishShutdown() {
  if (stopped_) return;
  stopped_ = true;
  if (shutdown_timer_.handle.initialized()) uv_timer_stop(shutdown_timer_.handle.get());
  client_.CloseAll();
  if (done_timer_.handle.initialized()) {
    StartTimer(done_timer_, milliseconds(0));  // `done` runs from the loop, never nested
    return;
  }
  std::function<void()> done = std::move(done_);
  done_ = nullptr;
  if (done) done();
}


std::string_view ElasticsearchOutput::StampedIdentity() const {
  if (!options_.stamp_identity || credentials_ == nullptr) return {};
  return credentials_->Identity();
}
}  // namespace transport
