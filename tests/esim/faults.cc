#include "tests/esim/faults.h"

#include <simdjson.h>

#include "platforms/base/log.h"
#include "tests/esim/json_text.h"

namespace esim {

ItemFaultSampler::ItemFaultSampler(const FaultPlan& plan, uint64_t seed)
    : active_(plan.HasItemFaults()),
      r429_(plan.item_429_ratio),
      r400_(plan.item_400_ratio),
      r503_(plan.item_503_ratio),
      rng_(seed) {}

ItemFault ItemFaultSampler::Draw() {
  if (!active_) return ItemFault::kNone;
  double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  if (u < r429_) return ItemFault::kRejected429;
  if (u < r429_ + r400_) return ItemFault::kMapping400;
  if (u < r429_ + r400_ + r503_) return ItemFault::kUnavailable503;
  return ItemFault::kNone;
}

Faults::Faults(uint64_t seed) : rng_(seed) {}

namespace {

base::Status ReadRatio(simdjson::dom::element value, std::string_view key, double* out) {
  double v = 0;
  if (value.get(v) != simdjson::SUCCESS || v < 0 || v > 1) {
    return base::InvalidArgument(base::StrCat("[", key, "] must be a number in [0, 1]"));
  }
  *out = v;
  return base::Status::Ok();
}

base::Status ReadInt(simdjson::dom::element value, std::string_view key, int64_t* out) {
  int64_t v = 0;
  if (value.get(v) != simdjson::SUCCESS || v < 0) {
    return base::InvalidArgument(base::StrCat("[", key, "] must be a non-negative integer"));
  }
  *out = v;
  return base::Status::Ok();
}

base::Status ReadString(simdjson::dom::element value, std::string_view key, std::string* out) {
  std::string_view v;
  if (value.get(v) != simdjson::SUCCESS) {
    return base::InvalidArgument(base::StrCat("[", key, "] must be a string"));
  }
  *out = std::string(v);
  return base::Status::Ok();
}

base::Status ParsePlan(std::string_view json, FaultPlan& plan) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::object root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return base::InvalidArgument("fault plan must be a JSON object");
  }
  for (auto [key, value] : root) {
    base::Status status;
    if (key == "item_429_ratio") {
      status = ReadRatio(value, key, &plan.item_429_ratio);
    } else if (key == "item_400_ratio") {
      status = ReadRatio(value, key, &plan.item_400_ratio);
    } else if (key == "item_503_ratio") {
      status = ReadRatio(value, key, &plan.item_503_ratio);
    } else if (key == "drop_ratio") {
      status = ReadRatio(value, key, &plan.drop_ratio);
    } else if (key == "request_status") {
      int64_t v = 0;
      status = ReadInt(value, key, &v);
      if (status.ok() && (v < 100 || v > 599)) {
        status = base::InvalidArgument("[request_status] must be an HTTP status");
      }
      plan.request_status = static_cast<int>(v);
    } else if (key == "request_count") {
      status = ReadInt(value, key, &plan.request_count);
    } else if (key == "request_error") {
      status = ReadString(value, key, &plan.request_error);
    } else if (key == "retry_after_s") {
      status = ReadInt(value, key, &plan.retry_after_s);
    } else if (key == "delay_ms") {
      status = ReadInt(value, key, &plan.delay_ms);
    } else if (key == "drop_next") {
      status = ReadInt(value, key, &plan.drop_next);
    } else if (key == "max_request_bytes") {
      status = ReadInt(value, key, &plan.max_request_bytes);
    } else if (key == "require") {
      simdjson::dom::object require;
      if (value.get(require) != simdjson::SUCCESS) {
        return base::InvalidArgument("[require] must be an object");
      }
      for (auto [kind, credential] : require) {
        if (kind == "basic") {
          status = ReadString(credential, kind, &plan.require.basic);
        } else if (kind == "api_key") {
          status = ReadString(credential, kind, &plan.require.api_key);
        } else if (kind == "bearer") {
          status = ReadString(credential, kind, &plan.require.bearer);
        } else {
          status = base::InvalidArgument(base::StrCat("unknown [require] field [", kind, "]"));
        }
        if (!status.ok()) return status;
      }
    } else {
      status = base::InvalidArgument(base::StrCat("unknown fault field [", key, "]"));
    }
    if (!status.ok()) return status;
  }
  if (plan.item_429_ratio + plan.item_400_ratio + plan.item_503_ratio > 1.0 + 1e-9) {
    return base::InvalidArgument("item fault ratios add up to more than 1");
  }
  if (plan.request_status != 0 && plan.request_count == 0) plan.request_count = 1;
  if (!plan.request_error.empty() && plan.request_error != "es_rejected_execution_exception" &&
      plan.request_error != "circuit_breaking_exception") {
    return base::InvalidArgument(
        "[request_error] must be es_rejected_execution_exception or circuit_breaking_exception");
  }
  return base::Status::Ok();
}

// Appends `,"key":` (no comma right after the opening brace).
void AppendKey(std::string& out, std::string_view key) {
  if (out.size() > 1) out += ',';
  out += '"';
  out += key;
  out += "\":";
}

void AppendRatio(std::string& out, std::string_view key, double value) {
  AppendKey(out, key);
  out += base::StrCat(value);
}
void AppendInt(std::string& out, std::string_view key, int64_t value) {
  AppendKey(out, key);
  AppendJsonInt(out, value);
}

}  // namespace

base::Status Faults::Set(std::string_view json) {
  FaultPlan plan;
  base::Status status = ParsePlan(json, plan);
  if (!status.ok()) return status;
  std::lock_guard<std::mutex> lock(mu_);
  plan_ = std::move(plan);
  return base::Status::Ok();
}

void Faults::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  plan_ = FaultPlan();
}

std::string Faults::ToJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out = "{";
  AppendRatio(out, "item_429_ratio", plan_.item_429_ratio);
  AppendRatio(out, "item_400_ratio", plan_.item_400_ratio);
  AppendRatio(out, "item_503_ratio", plan_.item_503_ratio);
  AppendInt(out, "request_status", plan_.request_status);
  AppendInt(out, "request_count", plan_.request_count);
  AppendKey(out, "request_error");
  AppendJsonText(out, plan_.request_error);
  AppendInt(out, "retry_after_s", plan_.retry_after_s);
  AppendInt(out, "delay_ms", plan_.delay_ms);
  AppendRatio(out, "drop_ratio", plan_.drop_ratio);
  AppendInt(out, "drop_next", plan_.drop_next);
  AppendInt(out, "max_request_bytes", plan_.max_request_bytes);
  // Credentials themselves are not echoed.
  AppendKey(out, "require");
  out += "{\"basic\":";
  out += plan_.require.basic.empty() ? "false" : "true";
  out += ",\"api_key\":";
  out += plan_.require.api_key.empty() ? "false" : "true";
  out += ",\"bearer\":";
  out += plan_.require.bearer.empty() ? "false" : "true";
  out += "}}";
  return out;
}

std::optional<RequestFault> Faults::TakeRequestFault() {
  std::lock_guard<std::mutex> lock(mu_);
  if (plan_.request_status == 0 || plan_.request_count <= 0) return std::nullopt;
  --plan_.request_count;
  return RequestFault{.status = plan_.request_status,
                      .error_type = plan_.request_error,
                      .retry_after_s = plan_.retry_after_s};
}

ItemFaultSampler Faults::StartItems() {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t seed = plan_.HasItemFaults() ? rng_() : 0;
  return ItemFaultSampler(plan_, seed);
}

ResponseFault Faults::TakeResponseFault() {
  std::lock_guard<std::mutex> lock(mu_);
  ResponseFault fault;
  fault.delay = std::chrono::milliseconds(plan_.delay_ms);
  if (plan_.drop_next > 0) {
    --plan_.drop_next;
    fault.drop = true;
  } else if (plan_.drop_ratio > 0) {
    fault.drop = std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < plan_.drop_ratio;
  }
  return fault;
}

int64_t Faults::max_request_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return plan_.max_request_bytes;
}

RequiredCredentials Faults::required_credentials() const {
  std::lock_guard<std::mutex> lock(mu_);
  return plan_.require;
}

}  // namespace esim
