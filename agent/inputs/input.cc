#include "agent/inputs/input.h"

namespace agent {

// Out of line so the vtable has one home.
Input::~Input() = default;

}  // namespace agent
