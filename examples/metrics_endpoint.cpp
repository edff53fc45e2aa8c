// Serves a monitor's Prometheus exposition over HTTP on 127.0.0.1 for scraping.
//
//   metrics_endpoint [--port P] [--requests N] [--port-file PATH]
//
// --port 0 (the default) picks a free port; the port is printed and, with --port-file,
// written to PATH once the socket listens. The program answers N requests (default: run
// until killed) and exits. Every request records a few statements first, so successive
// scrapes show the counters moving; GET /metrics returns the exposition, anything else 404.

#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/sinks/prometheus_sink.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

namespace {

void send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        const auto n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        off += static_cast<std::size_t>(n);
    }
}

std::string response(int code, const char* reason, const char* type, const std::string& body) {
    return "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

} // namespace

int main(int argc, char** argv) {
    int port = 0;
    long requests = -1;
    std::string port_file;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--port") port = std::atoi(argv[i + 1]);
        else if (a == "--requests") requests = std::atol(argv[i + 1]);
        else if (a == "--port-file") port_file = argv[i + 1];
        else {
            std::cerr << "usage: metrics_endpoint [--port P] [--requests N] [--port-file PATH]\n";
            return 2;
        }
    }

    cistern::prometheus_sink prom("example");
    cistern::monitor_options opts;
    opts.db_system = "sqlite"; // a monitored<sqlite::connection> would say so itself
    opts.push_interval = std::chrono::milliseconds(500); // background refresh of prom.text()
    cistern::monitor<cistern::prometheus_sink> mon(opts, prom);

    const int srv = ::socket(AF_INET, SOCK_STREAM, 0);
    if (srv < 0) { std::perror("socket"); return 1; }
    int yes = 1;
    ::setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) { std::perror("bind"); return 1; }
    if (::listen(srv, 16) < 0) { std::perror("listen"); return 1; }
    socklen_t len = sizeof addr;
    ::getsockname(srv, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    std::cout << "serving http://127.0.0.1:" << port << "/metrics" << std::endl;
    if (!port_file.empty()) {
        const std::string tmp = port_file + ".tmp";
        { std::ofstream(tmp) << port << '\n'; }
        std::rename(tmp.c_str(), port_file.c_str()); // appears complete
    }

    std::mt19937 rng(7);
    std::lognormal_distribution<double> latency_us(std::log(300.0), 0.8);
    for (long served = 0; requests < 0 || served < requests;) {
        const int c = ::accept(srv, nullptr, nullptr);
        if (c < 0) {
            if (errno == EINTR) continue;
            std::perror("accept");
            break;
        }
        // simulated application work between scrapes
        for (int i = 0; i < 50; ++i) {
            const auto us = static_cast<long>(latency_us(rng));
            mon.record("SELECT name FROM users WHERE id = " + std::to_string(i), std::chrono::microseconds(us), 1, true);
            mon.record("UPDATE users SET seen = now() WHERE id = " + std::to_string(i),
                       std::chrono::microseconds(us * 2), 1, i % 25 != 0);
        }
        std::string req;
        char buf[2048];
        while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
            const auto n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            req.append(buf, static_cast<std::size_t>(n));
        }
        if (req.rfind("GET /metrics", 0) == 0) {
            mon.flush(); // a fresh snapshot for this scrape
            send_all(c, response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", prom.text()));
        } else {
            send_all(c, response(404, "Not Found", "text/plain", "try /metrics\n"));
        }
        ::close(c);
        ++served;
    }
    ::close(srv);
    return 0;
}
