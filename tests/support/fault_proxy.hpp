#pragma once
// Test support: a fault-injecting TCP proxy on 127.0.0.1, between a client (the pool)
// and a server (the throwaway PostgreSQL), driven from the test:
//
//   pass_through()     forward both ways (the default); data held back is delivered now
//   black_hole()       accept and read, never forward or answer, on existing and new
//                      connections (like a network partition: what was read is held and
//                      delivered once pass_through() is called again, as TCP would after
//                      the partition heals; new connections reach the server only then)
//   set_latency(d)     deliver every chunk read `d` after it was read, both ways
//   reset_all()        close every connection with a TCP reset (SO_LINGER 0)
//   refuse()           close the listening socket: new connects get ECONNREFUSED
//                      (existing connections go on); pass_through() listens again
//
// One background thread polls every socket; nothing blocks it (connects to the server
// are to 127.0.0.1). Only loopback addresses are used.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cistern::test {

class fault_proxy {
public:
    using clock = std::chrono::steady_clock;

    /// Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:`target_port`.
    explicit fault_proxy(int target_port) : target_port_(target_port) {
        listen_fd_ = make_listener(0);
        sockaddr_in a{};
        socklen_t len = sizeof a;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        if (::pipe(wake_) != 0) throw std::runtime_error("fault_proxy: pipe failed");
        set_nonblocking(wake_[0]);
        set_nonblocking(wake_[1]);
        thread_ = std::thread([this] { loop(); });
    }
    fault_proxy(const fault_proxy&) = delete;
    fault_proxy& operator=(const fault_proxy&) = delete;
    ~fault_proxy() {
        stop_ = true;
        wake();
        thread_.join();
        for (auto& c : conns_) close_conn(*c, false);
        if (listen_fd_ >= 0) ::close(listen_fd_);
        ::close(wake_[0]);
        ::close(wake_[1]);
    }

    /// The proxy's port on 127.0.0.1.
    int port() const noexcept { return port_; }

    void pass_through() { command([&] { black_hole_ = false; latency_ = {}; refuse_ = false; }); }
    void black_hole() { command([&] { black_hole_ = true; }); }
    void set_latency(std::chrono::milliseconds d) { command([&] { latency_ = d; }); }
    void reset_all() { command([&] { reset_ = true; }); }
    void refuse() { command([&] { refuse_ = true; }); }

    /// Client connections currently open through the proxy.
    std::size_t connections() const noexcept { return open_.load(); }

private:
    struct direction {
        std::deque<std::pair<clock::time_point, std::string>> held; // read, not yet delivered
        std::size_t bytes = 0;
    };
    struct conn {
        int client = -1, server = -1;
        direction up, down; // up: client → server
    };
    static constexpr std::size_t max_held = 4 << 20;

    template <class F>
    void command(F f) {
        std::unique_lock lk(mu_);
        f();
        const auto want = ++requested_;
        wake();
        done_cv_.wait(lk, [&] { return applied_ >= want; });
    }
    void wake() noexcept {
        const char b = 1;
        [[maybe_unused]] auto r = ::write(wake_[1], &b, 1);
    }
    static void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }
    static sockaddr_in loopback(int port) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        return a;
    }
    static int make_listener(int port) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        auto a = loopback(port);
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 128) != 0)
            throw std::runtime_error("fault_proxy: cannot listen on 127.0.0.1:" + std::to_string(port));
        set_nonblocking(fd);
        return fd;
    }
    void close_conn(conn& c, bool with_reset) noexcept {
        for (int* fd : {&c.client, &c.server}) {
            if (*fd < 0) continue;
            if (with_reset) {
                linger l{1, 0};
                ::setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            }
            ::close(*fd);
            *fd = -1;
        }
    }
    bool connect_server(conn& c) noexcept {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        auto a = loopback(target_port_);
        if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            if (fd >= 0) ::close(fd);
            return false;
        }
        set_nonblocking(fd);
        c.server = fd;
        return true;
    }
    /// Reads what `from` has into `d`; false on EOF or error.
    static bool pull(int from, direction& d, clock::time_point due) {
        char buf[65536];
        for (;;) {
            const auto n = ::recv(from, buf, sizeof buf, 0);
            if (n > 0) {
                d.held.emplace_back(due, std::string(buf, static_cast<std::size_t>(n)));
                d.bytes += static_cast<std::size_t>(n);
                if (d.bytes >= max_held) return true;
                continue;
            }
            if (n == 0) return false;
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        }
    }
    /// Delivers what is due in `d` to `to`; false on error.
    static bool push(int to, direction& d, clock::time_point now) {
        while (!d.held.empty() && d.held.front().first <= now) {
            auto& s = d.held.front().second;
            const auto n = ::send(to, s.data(), s.size(), MSG_NOSIGNAL);
            if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            d.bytes -= static_cast<std::size_t>(n);
            if (static_cast<std::size_t>(n) < s.size()) {
                s.erase(0, static_cast<std::size_t>(n));
                return true;
            }
            d.held.pop_front();
        }
        return true;
    }

    void loop() {
        bool black = false, refusing = false;
        std::chrono::milliseconds latency{};
        while (!stop_) {
            {   // apply commands
                std::lock_guard lk(mu_);
                black = black_hole_;
                latency = latency_;
                if (reset_) {
                    for (auto& c : conns_) close_conn(*c, true);
                    conns_.clear();
                    reset_ = false;
                }
                if (refuse_ && !refusing && listen_fd_ >= 0) {
                    ::close(listen_fd_);
                    listen_fd_ = -1;
                } else if (!refuse_ && listen_fd_ < 0) {
                    listen_fd_ = make_listener(port_);
                }
                refusing = refuse_;
                if (applied_ != requested_) {
                    applied_ = requested_;
                    done_cv_.notify_all();
                }
            }
            const auto now = clock::now();
            // connect the clients accepted while black-holed, and deliver what is due
            for (auto& c : conns_) {
                if (black) continue;
                if (c->server < 0 && !connect_server(*c)) {
                    close_conn(*c, true);
                    continue;
                }
                if (!push(c->server, c->up, now) || !push(c->client, c->down, now)) close_conn(*c, false);
            }
            std::erase_if(conns_, [](const auto& c) { return c->client < 0; });
            open_ = conns_.size();

            std::vector<pollfd> fds;
            fds.push_back({wake_[0], POLLIN, 0});
            if (listen_fd_ >= 0) fds.push_back({listen_fd_, POLLIN, 0});
            const std::size_t first = fds.size();
            for (auto& c : conns_) {
                const bool up_room = c->up.bytes < max_held, down_room = c->down.bytes < max_held;
                short ev_c = up_room ? POLLIN : 0, ev_s = down_room ? POLLIN : 0;
                if (!black && !c->down.held.empty()) ev_c |= POLLOUT;
                if (!black && !c->up.held.empty()) ev_s |= POLLOUT;
                fds.push_back({c->client, ev_c, 0});
                fds.push_back({c->server, ev_s, 0}); // -1 while not connected: ignored by poll
            }
            int timeout = 50;
            if (!black)
                for (auto& c : conns_)
                    for (auto* d : {&c->up, &c->down})
                        if (!d->held.empty()) {
                            const auto left = std::chrono::ceil<std::chrono::milliseconds>(d->held.front().first - now).count();
                            timeout = std::min<int>(timeout, static_cast<int>(std::max<long long>(0, left)));
                        }
            ::poll(fds.data(), fds.size(), timeout);
            if (fds[0].revents & POLLIN) {
                char buf[64];
                while (::read(wake_[0], buf, sizeof buf) > 0) {}
            }
            if (listen_fd_ >= 0 && (fds[1].revents & POLLIN)) {
                for (;;) {
                    const int fd = ::accept(listen_fd_, nullptr, nullptr);
                    if (fd < 0) break;
                    set_nonblocking(fd);
                    auto c = std::make_unique<conn>();
                    c->client = fd;
                    if (!black && !connect_server(*c)) {
                        close_conn(*c, true); // the server is down: the client sees a reset
                        continue;
                    }
                    conns_.push_back(std::move(c));
                }
            }
            const auto due = clock::now() + latency;
            for (std::size_t i = 0; i < conns_.size() && first + 2 * i + 1 < fds.size(); ++i) {
                auto& c = *conns_[i];
                const auto& fc = fds[first + 2 * i];
                const auto& fs = fds[first + 2 * i + 1];
                bool ok = true;
                if (fc.revents & (POLLIN | POLLHUP | POLLERR)) ok = pull(c.client, c.up, due) && ok;
                if (c.server >= 0 && (fs.revents & (POLLIN | POLLHUP | POLLERR))) ok = pull(c.server, c.down, due) && ok;
                if (!ok) {
                    if (!black) { // deliver what is left before closing
                        const auto t = clock::now() + std::chrono::hours(1);
                        if (c.server >= 0) push(c.server, c.up, t);
                        push(c.client, c.down, t);
                    }
                    close_conn(c, false);
                }
            }
        }
    }

    const int target_port_;
    int port_ = 0;
    int listen_fd_ = -1;
    int wake_[2]{-1, -1};
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> open_{0};
    std::mutex mu_;
    std::condition_variable done_cv_;
    std::uint64_t requested_ = 0, applied_ = 0;
    bool black_hole_ = false, reset_ = false, refuse_ = false;
    std::chrono::milliseconds latency_{};
    std::vector<std::unique_ptr<conn>> conns_; // loop thread only (and the destructor)
    std::thread thread_;
};

} // namespace cistern::test
