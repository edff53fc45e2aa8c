#pragma once
/// \file
/// `cistern::prometheus_options`: the pool name and the opt-in statement-text label of a
/// cistern::prometheus_sink.

#include <cstddef>
#include <string>

#include <cistern/error.hpp>

namespace cistern {

/// Configuration of a cistern::prometheus_sink. An aggregate; the sink's constructor
/// throws config_error naming the field and the value for a bad one.
struct prometheus_options {
    /// Value of the `db_client_connection_pool_name` label (non-empty).
    std::string pool_name = "default";
    /// Opt-in (OpenTelemetry marks db.query.text opt-in): also label
    /// `db_client_operation_duration_seconds` and `cistern_db_client_operation_rows_total`
    /// with `db_query_text`, the statement's fingerprint (literals and parameter values
    /// are never in it). Off by default: each fingerprint is then one more series.
    bool query_text = false;
    /// With query_text, the most distinct `db_query_text` values exported (>= 1). The
    /// fingerprints the monitor saw first (its fingerprint numbers 0 .. cap-1, stable
    /// from one scrape to the next) keep their text; every later one is exported with
    /// `db_query_text="(other)"`, its figures added to the series of the same other
    /// labels. The monitor's own cap (monitor_options::max_fingerprints) applies first.
    std::size_t max_query_texts = 100;

    /// Throws config_error for the first invalid field.
    void validate() const {
        if (pool_name.empty()) throw config_error("prometheus_options::pool_name", "\"\"", "must not be empty");
        if (max_query_texts == 0) throw config_error("prometheus_options::max_query_texts", "0", "must be at least 1");
    }
};

} // namespace cistern
