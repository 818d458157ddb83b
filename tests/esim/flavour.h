// Flavour: which server esim pretends to be (--flavour): Elasticsearch 7.17, 8.x or 9.x, or
// OpenSearch 2.x. It decides what `GET /` answers, whether responses carry
// `X-Elastic-Product`, and which REST-compatibility media types (`compatible-with=N`) the
// server accepts, as each real one does: ES 7.17 accepts 7, ES 8 accepts 7 and 8, ES 9
// accepts 8 and 9, OpenSearch none (406).
#pragma once

#include <optional>
#include <string_view>

namespace esim {

enum class Flavour { kEs7, kEs8, kEs9, kOpenSearch2 };

struct FlavourTraits {
  std::string_view flag;       // the --flavour value: "es7", "es8", "es9", "opensearch2"
  std::string_view number;     // version.number
  bool opensearch = false;     // version.distribution "opensearch", no build_flavor
  bool product_header = true;  // X-Elastic-Product: Elasticsearch on every response
  int min_compatible = 0;      // accepted compatible-with range; 0: none accepted
  int max_compatible = 0;
  std::string_view lucene_version;
  std::string_view minimum_wire_compatibility_version;
  std::string_view minimum_index_compatibility_version;
  std::string_view tagline;

  bool AcceptsCompatibleWith(int version) const {
    return min_compatible != 0 && version >= min_compatible && version <= max_compatible;
  }
};

const FlavourTraits& TraitsOf(Flavour flavour);
// "es7", "es8", "es9", "opensearch2" (also "7", "8", "9", "opensearch").
std::optional<Flavour> ParseFlavour(std::string_view text);

}  // namespace esim
