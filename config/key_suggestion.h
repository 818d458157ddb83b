// "Did you mean ...?" for unknown config keys: the closest known key by edit distance.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace config {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions, so
// "tpye" is 1 from "type"), compared without regard to ASCII case.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The known key closest to `typed`, or an empty view when none is close enough to be a
// likely typo: at most 1 edit for keys of up to 3 characters, 2 up to 6, 3 beyond. Ties go
// to the earlier key in `known`. The view points into `known`'s strings.
std::string_view SuggestKey(std::string_view typed, std::span<const std::string_view> known);

}  // namespace config
