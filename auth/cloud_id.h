// CloudId: Elastic Cloud id decoding (spec auth.md §1.6). Defined in config/cloud_id.h,
// where `[output.elasticsearch] cloud_id` is resolved to hosts while the config loads;
// re-exported here for the credential code and its tests.
#pragma once

#include "config/cloud_id.h"

namespace auth {

using CloudId = config::CloudId;

}  // namespace auth
