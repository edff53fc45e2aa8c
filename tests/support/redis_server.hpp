#pragma once
// Test support: a throwaway redis-server for one test process.
//
// Started on a free 127.0.0.1 port and on a Unix socket in its own temporary directory,
// with `requirepass` (so a wrong password fails for real), no persistence. The destructor
// stops it and removes the directory; a watchdog process (a detached shell polling this
// pid once a second) does the same if the test process dies without running destructors.
// stop()/start() stop and restart it on the same port and socket (data is lost: no
// persistence); suspend()/resume() send SIGSTOP/SIGCONT (a hung server).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace cistern::test {

class redis_server {
public:
    static constexpr const char* password = "r3dis-pa55";

    redis_server() {
        char tmpl[] = "/tmp/cistern-redis-XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("redis_server: mkdtemp failed");
        dir_ = tmpl;
        port_ = free_port();
        {
            std::ofstream conf(dir_ / "redis.conf");
            conf << "bind 127.0.0.1\nport " << port_ << "\nunixsocket " << socket_path() << "\nunixsocketperm 700\n"
                 << "requirepass " << password << "\nsave \"\"\nappendonly no\ndaemonize no\n"
                 << "dir " << dir_.string() << "\nlogfile " << (dir_ / "redis.log").string() << "\n"
                 << "pidfile " << (dir_ / "redis.pid").string() << "\n";
        }
        start_watchdog();
        start();
    }
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;
    ~redis_server() {
        if (pid_ > 0) {
            ::kill(pid_, SIGCONT);
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    int port() const noexcept { return port_; }
    std::string socket_path() const { return (dir_ / "redis.sock").string(); }
    /// redis://:password@127.0.0.1:port/db
    std::string url(int db = 0) const {
        return "redis://:" + std::string(password) + "@127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
    }

    void start() {
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("redis_server: fork failed");
        if (pid_ == 0) {
            const std::string conf = (dir_ / "redis.conf").string();
            ::execlp("redis-server", "redis-server", conf.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // ready when the socket accepts a PING
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (std::system(("redis-cli -s " + socket_path() + " -a " + password +
                            " --no-auth-warning ping > /dev/null 2>&1").c_str()) != 0) {
            int st = 0;
            if (::waitpid(pid_, &st, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("redis_server: redis-server exited (is it installed? log: " +
                                         (dir_ / "redis.log").string() + ")");
            }
            if (std::chrono::steady_clock::now() > until) throw std::runtime_error("redis_server: not ready in 20 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGCONT);
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        std::error_code ec;
        std::filesystem::remove(socket_path(), ec);
        std::filesystem::remove(dir_ / "redis.pid", ec);
    }
    void suspend() { ::kill(pid_, SIGSTOP); }
    void resume() { ::kill(pid_, SIGCONT); }

    /// Runs redis-cli with `args` over the socket; returns its output.
    std::string cli(const std::string& args) const {
        const std::string out = (dir_ / "cli.out").string();
        const std::string cmd = "redis-cli -s " + socket_path() + " -a " + password + " --no-auth-warning " + args +
                                " > " + out + " 2>&1";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("redis_server: redis-cli failed: " + args);
        std::ifstream f(out);
        std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        return s;
    }

private:
    static int free_port() {
        int s = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("redis_server: no free port");
        const int port = ntohs(a.sin_port);
        ::close(s);
        return port;
    }
    void start_watchdog() const {
        const std::string pidfile = (dir_ / "redis.pid").string();
        const std::string cmd = "setsid sh -c 'while kill -0 " + std::to_string(::getpid()) +
                                " 2>/dev/null; do sleep 1; done; [ -f " + pidfile + " ] && kill -CONT $(cat " + pidfile +
                                ") && kill -9 $(cat " + pidfile + "); rm -rf " + dir_.string() +
                                "' > /dev/null 2>&1 < /dev/null &";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("redis_server: watchdog failed");
    }

    std::filesystem::path dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

} // namespace cistern::test
