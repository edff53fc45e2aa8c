#pragma once
// Collectors shared by `optimize`, `partition` and `report`: each turns an inspection or a
// strategy's result into report sections (the CLI renders; the logic is in the library).
#include "common.hpp"
#include "progress.hpp"

#include <cistern/inspect/index_advice.hpp>
#include <cistern/inspect/setting_advice.hpp>
#include <cistern/report/plan_section.hpp>

#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace cistern::cli {

/// The sections of index advice: missing (with the statements served and the estimated
/// cost before/after), duplicate, unused (listed; findings only when `unused_findings`).
std::vector<report::section> index_sections(const inspect::index_advice_report& r, bool unused_findings);

/// After a successful --apply: the section's findings become notes ("applied: ...") and its
/// status healthy.
void mark_applied(report::section& s);

/// The connection `plan::apply` runs on, counting statements into a progress bar (labelled
/// with the statement's batch, "batch 2 (events_p202402)", when it has one).
template <class Conn>
struct progress_executor {
    Conn& conn;
    const strategy::plan& plan;
    progress_bar& bar;
    std::size_t done = 0;

    void execute(std::string_view sql) {
        const bool control = sql == "BEGIN" || sql == "COMMIT" || sql == "ROLLBACK";
        if (!control && done < plan.size()) {
            const auto& why = plan.statements()[done].reason;
            const auto end = why.find("): ");
            bar.update(static_cast<double>(done), why.rfind("batch ", 0) == 0 && end != std::string::npos
                                                       ? std::string_view(why).substr(0, end + 1)
                                                       : std::string_view("applying the plan"));
        }
        conn.execute(sql);
        if (!control) bar.update(static_cast<double>(++done));
    }
    bool in_transaction() const
        requires requires(const Conn& x) { x.in_transaction(); }
    {
        return conn.in_transaction();
    }
};

/// Runs `p` on `c` when `apply` (and it has statements), with a progress bar on a terminal,
/// and returns its section.
template <class Conn>
report::section run_plan(Conn& c, const strategy::plan& p, bool apply, std::string id, std::string title,
                         std::string alert_rule = "plan_alert") {
    if (apply && !p.empty()) {
        try {
            progress_bar bar("applying the plan", static_cast<double>(p.size()));
            progress_executor<Conn> run{c, p, bar};
            p.apply(run);
            bar.finish();
        } catch (const query_error& e) {
            throw cistern::error(std::string("--apply failed (statements before it in the plan ran; the failing group was rolled back): ") +
                                 e.what());
        }
    }
    return report::plan_section(std::move(id), std::move(title), p,
                                apply ? report::plan_outcome::applied : report::plan_outcome::dry_run, std::move(alert_rule));
}

/// "16GB", "512MB", "640kB", "123" (bytes): bytes; throws usage_error otherwise.
std::int64_t parse_bytes(const std::string& text, const char* option);

/// The sections of `optimize config` for the target (settings, then the plan).
void collect_config(const target& t, report::document& d, const inspect::machine_facts& facts,
                    const std::vector<std::string>& only, bool apply);
/// The sections of `optimize maintenance` (statistics, then the plan).
void collect_maintenance(const target& t, report::document& d, const std::string& schema, bool apply);
/// The sections of `optimize indexes` (advice, then the plan).
void collect_index_advice(const target& t, report::document& d, const inspect::index_advice_options& o,
                          const std::optional<std::string>& workload_file, bool drop_unused, bool apply);
/// The caching advice (section `caching_advice`): PostgreSQL measures pg_stat_statements and
/// the table write counters over `interval_s`; SQLite replays `workload` for `interval_s`.
void collect_caching_advice(const target& t, report::document& d, double interval_s, const std::string& workload);
/// Registers `optimize cache` (cache.cpp).
void setup_optimize_cache(CLI::App* opt, int& rc);
/// Partitioned tables with their partitions (bounds, rows, size) and default-partition rows.
void collect_partitions(const target& t, report::document& d, const std::string& schema, const std::string& table);

} // namespace cistern::cli
