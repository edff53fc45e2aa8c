#pragma once
// Test support: a throwaway PostgreSQL 15 cluster for one test process.
//
// initdb refuses to run as root, so the cluster is created and controlled through
// `runuser -u postgres --` when the tests run as root. It listens on a free port on
// 127.0.0.1 (scram-sha-256 password authentication for the application role, so a wrong
// password fails for real) and on a Unix socket in its own temporary directory (trust,
// for the superuser). The destructor stops it and removes the directory; a watchdog
// process does the same if the test process dies without running destructors.
//
// With CISTERN_TEST_PG_URL set, that server is used instead and nothing is started;
// can_control() is then false, conninfo()/url()/superuser_conninfo() all return that URL,
// and start()/stop()/restart()/psql()/conninfo_with_password() throw std::logic_error:
// skip such tests with a Boost.Test precondition on can_control() that says why.
//
// Use: one server per test process, created on first use and destroyed at exit:
// shared_postgres_server() in postgres_session.hpp (with sessions in a schema of the test's
// own), or for other settings
//
//     cistern::test::postgres_server& server() {
//         static cistern::test::postgres_server s(20);   // max_connections = 20
//         return s;
//     }
//
// or as a global fixture (`struct pg : postgres_server { pg() : postgres_server(20) {} };
// BOOST_TEST_GLOBAL_FIXTURE(pg);` with access through a static pointer). A failing test
// still reaches the destructor (Boost.Test returns from main). If the process is killed
// (SIGTERM, SIGKILL, abort) the watchdog — a detached shell polling this pid once a
// second — stops the cluster and removes its directory.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cistern::test {

class postgres_server {
public:
    static constexpr const char* app_user = "cistern_app";
    static constexpr const char* app_password = "s3cret-pa55";
    static constexpr const char* database = "cistern";

    /// Creates and starts a cluster with this max_connections (3 of them reserved for
    /// superusers), the role app_user (password app_password) and the database `database`;
    /// or, with CISTERN_TEST_PG_URL set, starts nothing. Throws std::runtime_error naming
    /// the failed command and the server log.
    explicit postgres_server(int max_connections = 40) {
        if (const char* url = std::getenv("CISTERN_TEST_PG_URL"); url && *url) {
            external_url_ = url;
            return;
        }
        bin_ = find_bin();
        char tmpl[] = "/tmp/cistern-pg-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("postgres_server: mkdtemp failed");
        dir_ = tmpl;
        std::filesystem::create_directories(dir_ / "sock");
        as_postgres_ = ::geteuid() == 0;
        if (as_postgres_) sh("chown -R postgres:postgres " + dir_.string() + " && chmod 700 " + dir_.string());
        port_ = free_port();
        run_pg(bin_ + "/initdb -D " + data() + " -U postgres --auth-local=trust --auth-host=scram-sha-256"
               " -E UTF8 --locale=C --no-sync > " + (dir_ / "initdb.log").string() + " 2>&1");
        {
            std::ofstream conf(data() + "/postgresql.conf", std::ios::app);
            conf << "listen_addresses = '127.0.0.1'\n"
                 << "port = " << port_ << "\n"
                 << "unix_socket_directories = '" << (dir_ / "sock").string() << "'\n"
                 << "max_connections = " << max_connections << "\n"
                 << "superuser_reserved_connections = 3\n"
                 << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                 << "shared_buffers = 32MB\n"
                 << "password_encryption = 'scram-sha-256'\n"
                 // pg_stat_statements ships with postgresql-15; CREATE EXTENSION it where needed
                 // (the CLI tests do). HypoPG (postgresql-15-hypopg) needs no preloading.
                 << "shared_preload_libraries = 'pg_stat_statements'\n";
        }
        if (as_postgres_) sh("chown postgres:postgres " + data() + "/postgresql.conf");
        start_watchdog();
        start();
        psql("CREATE ROLE " + std::string(app_user) + " LOGIN SUPERUSER PASSWORD '" + app_password + "'");
        psql("CREATE DATABASE " + std::string(database) + " OWNER " + app_user);
    }

    postgres_server(const postgres_server&) = delete;
    postgres_server& operator=(const postgres_server&) = delete;

    ~postgres_server() {
        if (!can_control()) return;
        resume();
        run_pg_noexcept(bin_ + "/pg_ctl -D " + data() + " -m immediate -w stop > /dev/null 2>&1");
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    /// False when the tests run against CISTERN_TEST_PG_URL (no start/stop/restart).
    bool can_control() const noexcept { return external_url_.empty(); }

    /// The application role over TCP with its password (libpq conninfo).
    std::string conninfo() const {
        if (!can_control()) return external_url_;
        return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + database + " user=" + app_user +
               " password=" + app_password;
    }
    /// The same as a postgresql:// URL.
    std::string url() const {
        if (!can_control()) return external_url_;
        return std::string("postgresql://") + app_user + ":" + app_password + "@127.0.0.1:" + std::to_string(port_) +
               "/" + database;
    }
    /// The application role with a wrong password.
    std::string conninfo_with_password(const std::string& pw) const {
        require_control("conninfo_with_password");
        return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + database + " user=" + app_user +
               " password=" + pw;
    }
    /// The superuser over the Unix socket (no password).
    std::string superuser_conninfo() const {
        if (!can_control()) return external_url_;
        return "host=" + (dir_ / "sock").string() + " port=" + std::to_string(port_) + " dbname=" + database +
               " user=postgres";
    }
    /// The TCP port on 127.0.0.1 (0 with CISTERN_TEST_PG_URL).
    int port() const noexcept { return port_; }
    /// The directory holding the Unix socket (empty with CISTERN_TEST_PG_URL).
    std::string socket_dir() const { return can_control() ? (dir_ / "sock").string() : std::string(); }

    void start() { require_control("start"); run_pg(bin_ + "/pg_ctl -D " + data() + " -l " + log() + " -w -t 60 start > /dev/null"); }
    void stop() { require_control("stop"); run_pg(bin_ + "/pg_ctl -D " + data() + " -m fast -w -t 60 stop > /dev/null"); }
    void restart() { require_control("restart"); run_pg(bin_ + "/pg_ctl -D " + data() + " -l " + log() + " -m fast -w -t 60 restart > /dev/null"); }

    /// Suspends the server (SIGSTOP to the postmaster, then to every process it forked):
    /// alive but silent, the kernel still accepts TCP connections into the backlog and
    /// acknowledges data, nothing answers. resume() (and the destructor) continue them.
    void suspend() {
        require_control("suspend");
        stopped_ = server_pids();
        for (int pid : stopped_) ::kill(pid, SIGSTOP);
    }
    /// Continues the processes suspend() stopped (children first, the postmaster last).
    void resume() noexcept {
        for (auto it = stopped_.rbegin(); it != stopped_.rend(); ++it) ::kill(*it, SIGCONT);
        stopped_.clear();
    }

    /// Runs SQL as the superuser through psql.
    void psql(const std::string& sql) const {
        require_control("psql");
        run_pg(bin_ + "/psql -X -q -v ON_ERROR_STOP=1 -h " + (dir_ / "sock").string() + " -p " +
               std::to_string(port_) + " -U postgres -d postgres -c \"" + sql + "\" > /dev/null");
    }

private:
    /// The postmaster (from postmaster.pid) followed by its children (from /proc).
    std::vector<int> server_pids() const {
        std::ifstream pidfile(data() + "/postmaster.pid");
        int master = 0;
        if (!(pidfile >> master) || master <= 0) throw std::runtime_error("postgres_server: no postmaster.pid");
        std::vector<int> pids{master};
        for (const auto& e : std::filesystem::directory_iterator("/proc")) {
            const auto name = e.path().filename().string();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            std::ifstream stat(e.path() / "stat");
            std::string line;
            if (!std::getline(stat, line)) continue;
            const auto close = line.rfind(')'); // "pid (comm) state ppid ..."
            if (close == std::string::npos) continue;
            char state = 0;
            int ppid = 0;
            if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == master)
                pids.push_back(std::stoi(name));
        }
        return pids;
    }
    void require_control(const char* what) const {
        if (!can_control())
            throw std::logic_error(std::string("postgres_server::") + what +
                                   ": not available with CISTERN_TEST_PG_URL (the server is not ours)");
    }
    static std::string find_bin() {
        for (const char* v : {"15", "16", "17", "14", "13"}) {
            std::string b = std::string("/usr/lib/postgresql/") + v + "/bin";
            if (std::filesystem::exists(b + "/initdb")) return b;
        }
        throw std::runtime_error("postgres_server: no initdb under /usr/lib/postgresql/*/bin "
                                 "(install postgresql-15, or set CISTERN_TEST_PG_URL)");
    }
    static int free_port() {
        int s = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        socklen_t len = sizeof a;
        if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("postgres_server: no free port");
        const int port = ntohs(a.sin_port);
        ::close(s);
        return port;
    }
    static void sh(const std::string& cmd) {
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("postgres_server: command failed: " + cmd);
    }
    std::string wrap(const std::string& cmd) const {
        return as_postgres_ ? "runuser -u postgres -- sh -c '" + escape_single(cmd) + "'" : cmd;
    }
    void run_pg(const std::string& cmd) const {
        if (std::system(wrap(cmd).c_str()) != 0)
            throw std::runtime_error("postgres_server: command failed: " + cmd + " (log: " + log() + ")");
    }
    void run_pg_noexcept(const std::string& cmd) const noexcept { [[maybe_unused]] int rc = std::system(wrap(cmd).c_str()); }
    void start_watchdog() const {
        // Stops the cluster and removes its directory once this process is gone.
        const std::string stop = wrap(bin_ + "/pg_ctl -D " + data() + " -m immediate -w stop > /dev/null 2>&1");
        const std::string cmd = "setsid sh -c 'while kill -0 " + std::to_string(::getpid()) +
                                " 2>/dev/null; do sleep 1; done; " + escape_single(stop) + "; rm -rf " + dir_.string() +
                                "' > /dev/null 2>&1 < /dev/null &";
        sh(cmd);
    }
    static std::string escape_single(const std::string& s) {
        std::string out;
        for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        return out;
    }
    std::string data() const { return (dir_ / "data").string(); }
    std::string log() const { return (dir_ / "server.log").string(); }

    std::string external_url_;
    std::string bin_;
    std::filesystem::path dir_;
    bool as_postgres_ = false;
    int port_ = 0;
    std::vector<int> stopped_; // suspended by suspend(), postmaster first
};

} // namespace cistern::test
