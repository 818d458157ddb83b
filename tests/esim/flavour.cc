#include "tests/esim/flavour.h"

namespace esim {
namespace {

constexpr std::string_view kElasticTagline = "You Know, for Search";

constexpr FlavourTraits kEs7{"es7", "7.17.24", false,   true,          7,
                             7,     "8.11.3",  "6.8.0", "6.0.0-beta1", kElasticTagline};
constexpr FlavourTraits kEs8{"es8", "8.15.0", false,    true,    7,
                             8,     "9.11.1", "7.17.0", "7.0.0", kElasticTagline};
constexpr FlavourTraits kEs9{"es9", "9.1.0",  false,    true,    8,
                             9,     "10.2.2", "8.19.0", "8.0.0", kElasticTagline};
constexpr FlavourTraits kOpenSearch2{"opensearch2",
                                     "2.13.0",
                                     true,
                                     false,
                                     0,
                                     0,
                                     "9.10.0",
                                     "7.10.0",
                                     "7.0.0",
                                     "The OpenSearch Project: https://opensearch.org/"};

}  // namespace

const FlavourTraits& TraitsOf(Flavour flavour) {
  switch (flavour) {
    case Flavour::kEs7:
      return kEs7;
    case Flavour::kEs8:
      return kEs8;
    case Flavour::kEs9:
      return kEs9;
    case Flavour::kOpenSearch2:
      return kOpenSearch2;
  }
  return kEs8;
}

std::optional<Flavour> ParseFlavour(std::string_view text) {
  if (text == "es7" || text == "7") return Flavour::kEs7;
  if (text == "es8" || text == "8") return Flavour::kEs8;
  if (text == "es9" || text == "9") return Flavour::kEs9;
  if (text == "opensearch2" || text == "opensearch") return Flavour::kOpenSearch2;
  return std::nullopt;
}

}  // namespace esim
