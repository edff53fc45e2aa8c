#pragma once
/// \file
/// `cistern::strategy::query_rules::finding`: one problem a query rule found in a statement.

#include <string>

namespace cistern::strategy::query_rules {

/// How much a finding matters.
enum class severity {
    info,    ///< worth knowing; often fine
    warning, ///< likely slow or fragile at scale
    error    ///< almost certainly a bug or an outage waiting to happen
};

/// "info", "warning" or "error".
inline const char* to_string(severity s) noexcept {
    switch (s) {
    case severity::info: return "info";
    case severity::warning: return "warning";
    case severity::error: return "error";
    }
    return "unknown";
}

/// One rule firing on one statement (or, for request-level rules, on a group of them).
struct finding {
    std::string rule;        ///< rule name, e.g. "select_star"
    /// How serious the finding is.
    severity level = severity::info;
    std::string fingerprint; ///< 16 hex digits identifying the normalized statement
    std::string statement;   ///< the normalized statement text (literals replaced by ?)
    std::string message;     ///< what was found
    std::string suggestion;  ///< what to do about it
};

} // namespace cistern::strategy::query_rules
