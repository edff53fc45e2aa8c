#pragma once
// Collectors shared by `health`, `monitor` and (later) `report`.
#include "common.hpp"

#include <cistern/inspect/options.hpp>

namespace cistern::cli {

/// Thresholds from the global options.
inspect::options inspect_options();
/// Registers --long-query-seconds and --idle-seconds on `sub`.
void add_threshold_options(CLI::App* sub);
/// A section for a collector that failed: state "failed", the message as its note.
report::section failed_section(std::string id, std::string title, std::string message);
/// Every health check of the target into `d`.
void collect_health(const target& t, report::document& d, const inspect::options& o);

} // namespace cistern::cli
