// AuthFailure: why esim refused a request's credentials, counted per kind in
// GET /_esim/stats ("auth_failures") so tests can tell an expired token from a bad one.
#pragma once

#include <string_view>

namespace esim {

enum class AuthFailure { kNone, kMissing, kInvalid, kExpired, kSignatureExpired };
inline constexpr int kAuthFailureKinds = 5;

constexpr std::string_view AuthFailureName(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::kNone:
      return "none";
    case AuthFailure::kMissing:
      return "missing";
    case AuthFailure::kInvalid:
      return "invalid";
    case AuthFailure::kExpired:
      return "expired";
    case AuthFailure::kSignatureExpired:
      return "signature_expired";
  }
  return "none";
}

}  // namespace esim
