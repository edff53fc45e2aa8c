#pragma once
/// \file
/// `cistern::strategy::query_rules::rule_options`: thresholds of the query rules.

#include <cistern/error.hpp>

#include <cstdint>
#include <set>
#include <string>

namespace cistern::strategy::query_rules {

/// Thresholds and switches of the query rules. Validated by analyzer's constructor
/// (a bad value throws config_error naming the field).
struct rule_options {
    /// A table with at least this many rows counts as large (seq scan, COUNT(*), unbounded read).
    std::int64_t large_table_rows = 10'000;
    /// OFFSET at or above this is "deep pagination".
    std::int64_t large_offset = 1'000;
    /// IN lists longer than this are reported.
    std::int64_t long_in_list = 100;
    /// The same fingerprint this many times in one request is an N+1 pattern.
    std::int64_t n_plus_one_repeats = 5;
    /// Names of rules not to run (see analyzer::rule_names()).
    std::set<std::string, std::less<>> disabled;

    /// Throws config_error when a threshold is not positive.
    void validate() const {
        auto positive = [](const char* field, std::int64_t v) {
            if (v <= 0) throw config_error(field, std::to_string(v), "must be positive");
        };
        positive("rule_options::large_table_rows", large_table_rows);
        positive("rule_options::large_offset", large_offset);
        positive("rule_options::long_in_list", long_in_list);
        if (n_plus_one_repeats < 2)
            throw config_error("rule_options::n_plus_one_repeats", std::to_string(n_plus_one_repeats),
                               "must be at least 2");
    }
};

} // namespace cistern::strategy::query_rules
