// `cistern serve`: the embeddable dashboard (include/cistern/http/) as a command: a monitored
// pool to the target (its ping and readiness probe), the live page and JSON API, and
// `GET /database`: the `cistern report` document, refreshed every --refresh seconds.
#include "collect.hpp"
#include "health.hpp"

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/http/dashboard.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored_factory.hpp>
#include <cistern/monitor/sinks/prometheus_sink.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/report/html_renderer.hpp>

#ifdef CISTERN_CLI_POSTGRES
#include <cistern/adapter/postgres/factory.hpp>
#endif

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>

namespace cistern::cli {

void collect_report(const target& t, report::document& d, const std::string& schema, bool index_advice); // report.cpp

namespace {

struct serve_args {
    std::string listen = "127.0.0.1:8080";
    int refresh_s = 60;
    double duration_s = 0; // 0: until SIGINT / SIGTERM
    std::string token_env = "CISTERN_TOKEN";
    std::string schema = "public";
};

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

template <class Factory>
int serve_with(const target& t, Factory f, const serve_args& a, const char* db_system) {
    using monitor_t = monitor<prometheus_sink>;
    using pool_t = pool<monitored_factory<Factory>, with_listener<cistern::pool_listener>>;
    monitor_options mo;
    mo.db_system = db_system;
    auto mon = std::make_shared<monitor_t>(mo, prometheus_sink{});
    pool_options po;
    po.name = "cistern-serve";
    po.max_size = 2;
    po.min_idle = 0;
    auto p = std::make_shared<pool_t>(monitored_factory(std::move(f), *mon), po, mon->pool_listener());

    http::dashboard_options o;
    const auto colon = a.listen.rfind(':');
    if (colon == std::string::npos) throw usage_error("--listen: expected HOST:PORT, e.g. 127.0.0.1:8080");
    o.bind_address = a.listen.substr(0, colon);
    try {
        o.port = static_cast<std::uint16_t>(std::stoi(a.listen.substr(colon + 1)));
    } catch (...) {
        throw usage_error("--listen: '" + a.listen.substr(colon + 1) + "' is not a port");
    }
    if (const char* tok = std::getenv(a.token_env.c_str()); tok && *tok) o.action_token = tok;
    o.title = "cistern: " + t.shown;
    http::dashboard dash(o);
    dash.attach(std::weak_ptr<monitor_t>(mon));
    dash.watch_pool(std::weak_ptr<pool_t>(p));

    std::mutex mu;
    std::string page;
    health_status status = health_status::healthy;
    auto refresh = [&] {
        auto d = make_document("serve", t);
        d.generated_at = now_iso();
        try {
            collect_report(t, d, a.schema, false);
        } catch (const cistern::error& e) {
            d.add(failed_section("database", "database inspections", e.what()));
        }
        report::html_options ho;
        ho.title = "cistern: database";
        std::ostringstream os;
        report::html_renderer(ho).render(d, os);
        std::lock_guard lk(mu);
        page = os.str();
        status = d.status;
    };
    refresh();
    dash.serve_database_page([&]() -> std::optional<std::string> {
        std::lock_guard lk(mu);
        return page;
    });
    std::cout << "serving http://" << o.bind_address << ":" << dash.port() << "/ (database page /database, refreshed every "
              << a.refresh_s << " s; POST actions " << (o.action_token ? "need the bearer token from $" + a.token_env : std::string("are disabled: set $") + a.token_env)
              << ")" << std::endl;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    const auto start = std::chrono::steady_clock::now();
    auto last = start;
    while (!g_stop.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        const auto now = std::chrono::steady_clock::now();
        if (a.duration_s > 0 && now - start >= std::chrono::duration<double>(a.duration_s)) break;
        if (now - last >= std::chrono::seconds(a.refresh_s)) {
            // a ping through the monitored pool keeps the pool figures and the probe current
            try {
                auto l = p->acquire();
                l->ping();
            } catch (const cistern::error&) {
            }
            refresh();
            last = now;
        }
    }
    dash.serve_database_page({});
    dash.stop();
    std::lock_guard lk(mu);
    return exit_for(status);
}

} // namespace

void setup_serve(CLI::App& app, int& rc) {
    auto a = std::make_shared<serve_args>();
    auto* s = app.add_subcommand(
        "serve",
        "Runs the dashboard against the database: the live page (/), the JSON API (/api/performance), /metrics,\n"
        "/healthz, /readyz, and /database: the `cistern report` inspections refreshed every --refresh seconds.\n"
        "Listens on loopback unless told otherwise; POST actions need the bearer token in $CISTERN_TOKEN.\n"
        "Exit code (after SIGINT/SIGTERM or --duration): that of the last database report.\n"
        "Example: CISTERN_TOKEN=s3cret cistern serve --url postgresql://app@db/app --listen 127.0.0.1:8080");
    s->add_option("--listen", a->listen, "HOST:PORT to listen on (port 0: any free port)");
    s->add_option("--refresh", a->refresh_s, "seconds between database inspections")->check(CLI::Range(1, 86400));
    s->add_option("--duration", a->duration_s, "stop after this many seconds (default: until SIGINT/SIGTERM)")->check(CLI::NonNegativeNumber);
    s->add_option("--token-env", a->token_env, "environment variable holding the bearer token for POST actions");
    s->add_option("--schema", a->schema, "PostgreSQL schema for maintenance and partitions");
    s->callback([a, &rc] {
        const auto t = resolve_target();
        if (t.kind == backend::sqlite) {
            sqlite::options so;
            so.create = false;
            so.journal_mode = "";
            rc = serve_with(t, sqlite::factory(t.conn, so), *a, "sqlite");
            return;
        }
#ifdef CISTERN_CLI_POSTGRES
        postgres::options po;
        po.connect_timeout = std::chrono::seconds(globals().connect_timeout);
        po.application_name = "cistern-serve";
        rc = serve_with(t, postgres::factory(t.conn, po), *a, "postgresql");
#else
        throw usage_error("this cistern was built without PostgreSQL support (libpq); only sqlite: targets work");
#endif
    });
}

} // namespace cistern::cli
