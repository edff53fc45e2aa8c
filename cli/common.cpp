#include "common.hpp"

#include <cistern/error.hpp>
#include <cistern/monitor/detail/text_format.hpp>
#include <cistern/report/html_renderer.hpp>
#include <cistern/report/text_renderer.hpp>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <ctime>
#include <iostream>
#include <unistd.h>

namespace cistern::cli {

nlohmann::json to_json(const report::document& d); // json.cpp

global_options& globals() {
    static global_options g;
    return g;
}

std::string redact(const std::string& url) {
    // scheme://user:password@host... -> scheme://user@host...; also password=... in conninfo
    std::string out = url;
    const auto scheme = out.find("://");
    if (scheme != std::string::npos) {
        const auto at = out.find('@', scheme + 3);
        const auto slash = out.find('/', scheme + 3);
        if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            const auto colon = out.find(':', scheme + 3);
            if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
        }
    }
    for (const char* key : {"password=", "password%3D"}) {
        auto p = out.find(key);
        while (p != std::string::npos) {
            auto end = out.find_first_of(" &", p);
            out.replace(p, (end == std::string::npos ? out.size() : end) - p, std::string(key) + "***");
            p = out.find(key, p + 1);
        }
    }
    return out;
}

target resolve_target() {
    std::string url = globals().url;
    if (url.empty())
        if (const char* e = std::getenv("DATABASE_URL"); e && *e) url = e;
    target t;
    if (url.empty()) {
        t.kind = backend::postgres;
        t.conn = "";
        std::string host = std::getenv("PGHOST") ? std::getenv("PGHOST") : "(default)";
        std::string db = std::getenv("PGDATABASE") ? std::getenv("PGDATABASE") : "(default)";
        t.shown = "postgresql (libpq environment: host " + host + ", database " + db + ")";
        return t;
    }
    if (url.rfind("sqlite:", 0) == 0) {
        t.kind = backend::sqlite;
        std::string path = url.substr(7);
        if (path.rfind("//", 0) == 0) path = path.substr(2);
        if (const auto q = path.find('?'); q != std::string::npos) path = path.substr(0, q);
        if (path.empty()) throw usage_error("--url sqlite: needs a file path, e.g. sqlite:app.db");
        t.conn = path;
        t.shown = "sqlite:" + path;
        return t;
    }
    if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
        t.kind = backend::postgres;
        t.conn = url;
        t.shown = redact(url);
        return t;
    }
    const auto scheme = url.find(':');
    throw usage_error("unsupported database URL '" + (scheme == std::string::npos ? std::string("(no scheme)") : url.substr(0, scheme)) +
                      ":...': use postgresql://user@host:port/db or sqlite:path/to/file.db");
}

sqlite::connection open_sqlite(const target& t, bool create) {
    sqlite::options o;
    o.create = create;
    o.journal_mode = create ? "WAL" : "";
    return sqlite::connection(t.conn, o);
}

#ifdef CISTERN_CLI_POSTGRES
postgres::connection open_postgres(const target& t) {
    postgres::options o;
    o.connect_timeout = std::chrono::seconds(globals().connect_timeout);
    o.application_name = "cistern-cli";
    return postgres::connection(t.conn, o);
}
#endif

report::document make_document(const std::string& command, const target& t) {
    report::document d;
    d.command = command;
    d.target = t.shown;
    return d;
}

std::string now_iso() { return cistern::detail::format_utc(std::chrono::system_clock::now()); }

bool use_color() {
    if (globals().no_color) return false;
    if (const char* n = std::getenv("NO_COLOR"); n && *n) return false;
    return ::isatty(STDOUT_FILENO) == 1;
}

int exit_for(health_status s) {
    const auto& f = globals().fail_on;
    if (f == "never") return 0;
    if (f == "critical") return s == health_status::unhealthy ? 2 : 0;
    return report::exit_code(s);
}

int emit(report::document& d, bool tables) {
    if (d.generated_at.empty()) d.generated_at = now_iso();
    const int rc = exit_for(d.status);
    std::string format = globals().format;
    for (auto& ch : format) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::ofstream file;
    if (!globals().output.empty()) {
        file.open(globals().output, std::ios::binary | std::ios::trunc);
        if (!file) throw usage_error("--output: cannot write " + globals().output);
    }
    std::ostream& out = globals().output.empty() ? std::cout : file;
    if (format == "html") {
        if (d.command != "report") throw usage_error("--format html is for `cistern report`; use text or json here");
        report::html_renderer().render(d, out);
        if (!globals().output.empty() && !globals().quiet)
            std::cout << "wrote " << globals().output << " (" << report::level_name(d.status) << ")\n";
        return rc;
    }
    if (format == "json") {
        auto j = to_json(d);
        j["exit_code"] = rc;
        out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return rc;
    }
    if (globals().quiet) {
        for (auto& s : d.sections)
            for (auto& f : s.findings)
                out << report::level_name(f.severity) << " " << f.rule << ": " << f.reason << "\n";
        return rc;
    }
    report::text_renderer(report::text_options{use_color() && globals().output.empty(), tables, 80}).render(d, out);
    return rc;
}

} // namespace cistern::cli
