#pragma once
// Shared pieces of the cistern CLI: global options, target resolution, output.
#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/report/document.hpp>

#ifdef CISTERN_CLI_POSTGRES
#include <cistern/adapter/postgres/connection.hpp>
#endif

#include <CLI/CLI.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace cistern::cli {

/// Options every command takes (before or after the subcommand).
struct global_options {
    std::string url;              ///< --url; else DATABASE_URL; else libpq's environment
    std::string format = "text";  ///< text | json | html (html: `report` only)
    std::string output;           ///< report -o: write there instead of stdout
    bool quiet = false;           ///< only findings (text) / nothing on success
    bool no_color = false;
    std::string fail_on = "warning"; ///< warning | critical | never
    int connect_timeout = 5;      ///< seconds
    int statement_timeout_ms = 5000;
};
global_options& globals();

/// A usage error of ours (not CLI11's): exit code 3 with this message.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class backend { sqlite, postgres };

/// The database a command works on.
struct target {
    backend kind = backend::sqlite;
    std::string conn;  ///< what the adapter opens (file path, or libpq conninfo/URL)
    std::string shown; ///< for humans and JSON: never a password
};

/// Resolves --url, DATABASE_URL, then libpq's environment (PGHOST, ...). Throws usage_error
/// for an unsupported scheme.
target resolve_target();
/// The URL without its password ("postgresql://user@host:port/db").
std::string redact(const std::string& url);

/// Opens SQLite (file must exist unless `create`).
sqlite::connection open_sqlite(const target& t, bool create = false);
#ifdef CISTERN_CLI_POSTGRES
/// Opens PostgreSQL with --connect-timeout.
postgres::connection open_postgres(const target& t);
#endif

/// An empty document of `command` on `t` (the target shown without a password).
report::document make_document(const std::string& command, const target& t);
/// Current UTC time, ISO 8601.
std::string now_iso();
/// Renders `d` (text or JSON per --format) to stdout and returns the exit code per
/// --fail-on: 0, 1 (warning) or 2 (critical). `tables`: text form prints tables.
int emit(report::document& d, bool tables = true);
/// Exit code of a status under --fail-on.
int exit_for(health_status s);
/// True when colour should be used on stdout.
bool use_color();

/// Registers the command groups (one source file each).
void setup_health(CLI::App& app, int& rc);
void setup_monitor(CLI::App& app, int& rc);
void setup_loadtest(CLI::App& app, int& rc);
void setup_optimize(CLI::App& app, int& rc);
void setup_partition(CLI::App& app, int& rc);
void setup_report(CLI::App& app, int& rc);
void setup_serve(CLI::App& app, int& rc);

} // namespace cistern::cli
