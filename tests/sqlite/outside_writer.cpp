// Test helper: another process writing a SQLite file, with nothing of cistern in it.
// Usage: outside_writer <database>. Reads one SQL script per line from stdin, runs it
// (sqlite3_exec, busy timeout 5 s) and answers one line on stdout: the steady_clock time
// (nanoseconds, CLOCK_MONOTONIC: the same clock as the test's) right after the script
// returned, i.e. after its commit, or "error <message>". Ends at end of input.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: outside_writer <database>\n");
        return 2;
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        std::printf("error %s\n", db ? sqlite3_errmsg(db) : "cannot open");
        return 1;
    }
    sqlite3_busy_timeout(db, 5000);
    std::string line;
    while (std::getline(std::cin, line)) {
        char* msg = nullptr;
        const int rc = sqlite3_exec(db, line.c_str(), nullptr, nullptr, &msg);
        const auto done = std::chrono::steady_clock::now().time_since_epoch();
        if (rc != SQLITE_OK) std::printf("error %s\n", msg ? msg : sqlite3_errstr(rc));
        else std::printf("%lld\n", static_cast<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(done).count()));
        std::fflush(stdout);
        sqlite3_free(msg);
    }
    sqlite3_close(db);
    return 0;
}
