// cistern: the operator's tool. main() only registers the command groups, parses, and
// maps errors to the documented exit codes (0 fine, 1 warning, 2 critical, 3 usage or
// connection error).
#include "common.hpp"

#include <cistern/error.hpp>
#include <cistern/version.hpp>

#include <iostream>

int main(int argc, char** argv) {
    using namespace cistern::cli;
    CLI::App app{"cistern: inspect, monitor and tune a PostgreSQL or SQLite database.\n"
                 "Example:\n  cistern health --url postgresql://app@127.0.0.1/app\n"
                 "  cistern monitor slow-queries --limit 10 --format json\n"
                 "  cistern optimize indexes --min-calls 10          (dry run; --apply creates them)\n"
                 "  cistern partition maintain events --interval monthly --apply\n"
                 "  cistern report --format html -o report.html\n"
                 "Exit codes: 0 fine, 1 warning findings, 2 critical findings, 3 usage or connection error.",
                 "cistern"};
    app.set_version_flag("--version", std::string("cistern ") + CISTERN_VERSION_STRING);
    auto& g = globals();
    app.add_option("--url", g.url, "postgresql://user@host:port/db or sqlite:path (default: $DATABASE_URL, then PGHOST...)");
    app.add_option("--format", g.format, "output format")->check(CLI::IsMember({"text", "json", "html"}, CLI::ignore_case));
    app.add_flag("-q,--quiet", g.quiet, "text: print only findings");
    app.add_flag("--no-color", g.no_color, "never colour (NO_COLOR is honoured too)");
    app.add_option("--fail-on", g.fail_on, "lowest severity that makes the exit code non-zero")
        ->check(CLI::IsMember({"warning", "critical", "never"}, CLI::ignore_case));
    app.add_option("--connect-timeout", g.connect_timeout, "seconds to wait for a connection")->check(CLI::Range(1, 600));
    app.add_option("--statement-timeout", g.statement_timeout_ms, "bound of every inspection query, ms")->check(CLI::Range(1, 3600000));
    app.require_subcommand(1);
    app.fallthrough();

    int rc = 0;
    setup_health(app, rc);
    setup_monitor(app, rc);
    setup_loadtest(app, rc);
    setup_optimize(app, rc);
    setup_partition(app, rc);
    setup_report(app, rc);
#ifdef CISTERN_CLI_HTTP
    setup_serve(app, rc);
#endif

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 3;
    } catch (const usage_error& e) {
        std::cerr << "cistern: " << e.what() << "\n";
        return 3;
    } catch (const cistern::connect_error& e) {
        std::cerr << "cistern: cannot connect: " << e.what() << "\n";
        return 3;
    } catch (const cistern::config_error& e) {
        std::cerr << "cistern: " << e.what() << "\n";
        return 3;
    } catch (const cistern::error& e) {
        std::cerr << "cistern: " << e.what() << "\n";
        return 3;
    }
    return rc;
}
