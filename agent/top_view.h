// TopView: one frame of `skiff top`, rendered from two successive /status snapshots (the
// rates are their difference over the agent's own clock, uptime_seconds). Pure text, so
// the layout is tested without a terminal; top_command.h draws it.
//
// The frame fits `width` columns: the input id column shrinks first, then every line is
// cut at the edge, and the buffer bar takes whatever width is left.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "agent/status_snapshot.h"

namespace agent {

struct TopRates {
  double events_per_second = 0;
  double bytes_per_second = 0;
};

// Rates of input `id` between `previous` and `current`; zero without an earlier sample of
// it, and zero rather than negative across an agent restart or an input restart.
TopRates InputRates(const StatusSnapshot* previous, const StatusSnapshot& current,
                    const InputSnapshot& input);

// Each line without a newline, at most `width` columns (ASCII only, so bytes = columns).
std::vector<std::string> RenderTopFrame(const StatusSnapshot* previous,
                                        const StatusSnapshot& current, std::size_t width);

}  // namespace agent
