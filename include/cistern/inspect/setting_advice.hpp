#pragma once
/// \file
/// `cistern::inspect::setting_advice`: one configuration setting compared with a
/// recommendation (pgtune / pghero style), and `machine_facts`, what the caller knows about
/// the server that the database cannot say (memory, storage, the pools that connect).

#include <cistern/monitor/health.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cistern::inspect {

/// The kind of storage the database files live on (decides random_page_cost and
/// effective_io_concurrency).
enum class storage_kind { unknown, ssd, hdd };

/// What the recommendations are derived from besides the server's own settings. Every
/// field is optional: a recommendation that needs a missing fact is not made, and a note
/// says which option would enable it.
struct machine_facts {
    /// RAM of the database server in bytes. PostgreSQL: when not given, read from the
    /// server's /proc/meminfo (pg_read_file, needs superuser or pg_read_server_files).
    std::optional<std::int64_t> memory_bytes;
    /// What the data directory is stored on.
    storage_kind storage = storage_kind::unknown;
    /// Connections all application pools together may open (sum of every process's
    /// pool_options::max_size): max_connections must cover them.
    std::optional<std::int64_t> pool_connections;
    /// CPU cores of the database server (for recommended_max_size, the per-pool bound).
    std::optional<std::int64_t> server_cores;
};

/// One setting: its current value, the recommended one and why. `status` is `healthy`
/// when the current value is fine (or no recommendation can be made); `degraded` /
/// `unhealthy` come with a finding. `advice` marks a suggestion that is not a problem
/// (e.g. synchronous = NORMAL in WAL mode) and carries no finding.
struct setting_advice {
    std::string name;        ///< the setting ("shared_buffers", "journal_mode", ...)
    std::string current;     ///< current value as the operator writes it ("128MB", "wal")
    std::string recommended; ///< recommended value; equal to `current` (or "") when nothing changes
    std::string reason;      ///< why, with the numbers it was derived from
    health_status status = health_status::healthy; ///< healthy, degraded or unhealthy
    bool advice = false;     ///< a suggestion without a finding (status stays healthy)
    bool restart = false;    ///< takes effect only after a server restart
    /// The statement that applies the recommendation ("" when it cannot be applied from
    /// here, e.g. a SQLite setting that lives on each connection).
    std::string sql;
    /// `sql` must run outside a transaction (PostgreSQL's ALTER SYSTEM).
    bool outside_transaction = false;

    /// True when the row recommends a change (a finding or an advice).
    bool changes() const noexcept { return status != health_status::healthy || advice; }
    /// Table column names: setting, current, recommended, verdict, reason.
    static std::vector<std::string> columns() { return {"setting", "current", "recommended", "verdict", "reason"}; }
    /// This row's cells in columns() order; verdict is ok, advice, warning or critical.
    std::vector<value> cells() const {
        const char* verdict = status == health_status::unhealthy ? "critical"
                            : status == health_status::degraded  ? "warning"
                            : advice                             ? "advice"
                                                                 : "ok";
        return {name, current, recommended, std::string(verdict), reason};
    }
};

namespace detail {
/// Bytes as PostgreSQL writes memory settings: the largest of GB, MB, kB that divides
/// exactly ("4GB", "640MB", "8kB"), rounded down to whole kB.
inline std::string memory_text(std::int64_t bytes) {
    const std::int64_t kb = bytes / 1024;
    if (kb > 0 && kb % (1024 * 1024) == 0) return std::to_string(kb / (1024 * 1024)) + "GB";
    if (kb > 0 && kb % 1024 == 0) return std::to_string(kb / 1024) + "MB";
    return std::to_string(kb) + "kB";
}
/// Bytes rounded down to a whole MB (recommendations need no more precision).
inline std::int64_t round_mb(std::int64_t bytes) { return bytes / (1 << 20) * (1 << 20); }
} // namespace detail

} // namespace cistern::inspect
