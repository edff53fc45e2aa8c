#pragma once
/// \file
/// What monitor::health() returns: a status, the reasons and what to do about them.

#include <cstdint>
#include <string>
#include <vector>

namespace cistern {

/// Overall state, ordered: a report's status is the worst of its findings.
enum class health_status : std::uint8_t { healthy, degraded, unhealthy };

/// The status's name: "healthy", "degraded" or "unhealthy" ("unknown" for a value outside
/// the enum). Never allocates.
inline const char* to_string(health_status s) noexcept {
    switch (s) {
    case health_status::healthy: return "healthy";
    case health_status::degraded: return "degraded";
    case health_status::unhealthy: return "unhealthy";
    }
    return "unknown";
}

/// One rule that fired.
struct health_finding {
    /// How bad this finding is (never healthy).
    health_status severity = health_status::degraded;
    std::string rule;           ///< short name: "pool_saturation", "pool_wait", "connect_failures",
                                ///< "slow_statements", "cache_hit_ratio", "error_rate",
                                ///< "default_partition_rows"
    std::string reason;         ///< what was observed, with the numbers
    std::string recommendation; ///< a concrete next step
};

/// The result of evaluating the health rules over the recorded data.
struct health_report {
    /// The worst severity among findings; healthy when there are none.
    health_status status = health_status::healthy;
    /// The rules that fired, in the order they were evaluated.
    std::vector<health_finding> findings;

    /// Adds a finding and raises the status to its severity.
    void add(health_finding f) {
        if (f.severity > status) status = f.severity;
        findings.push_back(std::move(f));
    }
};

} // namespace cistern
