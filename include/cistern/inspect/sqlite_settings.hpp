#pragma once
/// \file
/// `cistern::inspect::sqlite_settings`: a SQLite database's journal mode and a
/// connection's synchronous, cache_size, mmap_size, foreign_keys and busy_timeout compared
/// with recommendations for a file shared by several pooled connections.

#include <cistern/error.hpp>
#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/inspect/setting_advice.hpp>
#include <cistern/strategy/plan.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::inspect {

/// One row per setting. Only journal_mode is stored in the database file (WAL persists);
/// the others belong to each connection, so they are read from `c` and the recommendation
/// says how to set them on every connection (PRAGMA, or the cistern::sqlite::options field
/// that does it). Rules: journal_mode WAL (warning otherwise: readers block the writer);
/// synchronous OFF is a warning, FULL/EXTRA in WAL mode an advice for NORMAL (durable
/// except for the last transactions on power loss, never corrupt); cache_size at least half
/// of min(database size, 64 MiB) (advice); mmap_size min(database size, 256 MiB) for a
/// database larger than the cache (advice); foreign_keys ON when the schema declares
/// foreign keys (warning otherwise: they are not enforced); busy_timeout non-zero (advice:
/// otherwise a connection meeting another's lock fails at once with SQLITE_BUSY).
/// Query errors become state `failed` and a note.
template <class C>
check_result<setting_advice> sqlite_settings(C& c, const options& = {}) {
    check_result<setting_advice> r;
    try {
        auto int_pragma = [&](std::string_view sql) { return c.query(sql).template scalar<std::int64_t>(); };
        const auto page_size = int_pragma("PRAGMA page_size");
        const auto db_bytes = page_size * int_pragma("PRAGMA page_count");
        const auto db_text = detail::memory_text(std::max<std::int64_t>(1024, db_bytes));
        auto per_connection = [](const std::string& pragma, const std::string& option) {
            return "; per connection: PRAGMA " + pragma + (option.empty() ? "" : " (cistern::sqlite::options::" + option + ")");
        };

        setting_advice j;
        j.name = "journal_mode";
        j.current = c.query(std::string_view("PRAGMA journal_mode")).template scalar<std::string>();
        j.recommended = "wal";
        if (j.current == "memory" || j.current == "wal") {
            j.recommended = j.current;
            j.reason = j.current == "wal" ? "readers do not block the writer; stored in the file" : "in-memory database";
        } else {
            j.status = health_status::degraded;
            j.reason = "in " + j.current + " mode readers and the writer block each other; WAL persists in the file";
            j.sql = "PRAGMA journal_mode = WAL";
            j.outside_transaction = true;
            r.add(j.status, "setting_journal_mode", "journal_mode is " + j.current + ": readers and the writer block each other",
                  j.sql + " (once; the mode is stored in the file)");
        }
        const bool wal = j.current == "wal";
        r.rows.push_back(std::move(j));

        setting_advice s;
        s.name = "synchronous";
        const auto sync = int_pragma("PRAGMA synchronous");
        static constexpr const char* sync_names[] = {"off", "normal", "full", "extra"};
        s.current = sync >= 0 && sync <= 3 ? sync_names[sync] : std::to_string(sync);
        s.recommended = s.current;
        if (sync == 0) {
            s.recommended = wal ? "normal" : "full";
            s.status = health_status::degraded;
            s.reason = "OFF does not wait for the disk: a power loss can corrupt the database" + per_connection("synchronous = " + s.recommended, "");
            r.add(s.status, "setting_synchronous", "synchronous is OFF on this connection: a power loss can corrupt the database",
                  "PRAGMA synchronous = " + s.recommended + " on every connection");
        } else if (wal && sync >= 2) {
            s.recommended = "normal";
            s.advice = true;
            s.reason = "in WAL mode NORMAL never corrupts and syncs only at checkpoints (a power loss may lose the last commits)" +
                       per_connection("synchronous = NORMAL", "");
        } else {
            s.reason = wal ? "NORMAL suits WAL mode" : "FULL suits rollback-journal modes";
        }
        r.rows.push_back(std::move(s));

        setting_advice k;
        k.name = "cache_size";
        const auto cache = int_pragma("PRAGMA cache_size");
        const std::int64_t cache_bytes = cache < 0 ? -cache * 1024 : cache * page_size;
        k.current = std::to_string(cache) + " (" + detail::memory_text(cache_bytes) + ")";
        const std::int64_t want = std::min<std::int64_t>(db_bytes, std::int64_t{64} << 20);
        k.recommended = k.current;
        if (cache_bytes * 2 < want) {
            const auto kib = std::max<std::int64_t>(1, want / 1024);
            k.recommended = "-" + std::to_string(kib) + " (" + detail::memory_text(kib * 1024) + ")";
            k.advice = true;
            k.reason = "the database is " + db_text + "; a page cache of min(database, 64MB) keeps hot pages in memory" +
                       per_connection("cache_size = -" + std::to_string(kib), "");
        } else {
            k.reason = "holds at least half of min(database " + db_text + ", 64MB)";
        }
        r.rows.push_back(std::move(k));

        setting_advice m;
        m.name = "mmap_size";
        const auto mmap = int_pragma("PRAGMA mmap_size");
        m.current = std::to_string(mmap);
        m.recommended = m.current;
        if (mmap == 0 && db_bytes > cache_bytes && db_bytes >= (std::int64_t{4} << 20)) {
            const auto rec = std::min<std::int64_t>(detail::round_mb(db_bytes) + (1 << 20), std::int64_t{256} << 20);
            m.recommended = std::to_string(rec);
            m.advice = true;
            m.reason = "the database (" + db_text + ") is larger than the page cache: memory-mapped reads skip a copy per page "
                       "(capped by SQLITE_MAX_MMAP_SIZE)" + per_connection("mmap_size = " + std::to_string(rec), "");
        } else {
            m.reason = mmap == 0 ? "the database fits in the page cache" : "memory-mapped I/O is on";
        }
        r.rows.push_back(std::move(m));

        setting_advice f;
        f.name = "foreign_keys";
        const bool fk_on = int_pragma("PRAGMA foreign_keys") != 0;
        const auto declared = int_pragma("SELECT count(*) FROM sqlite_master t, pragma_foreign_key_list(t.name) "
                                         "WHERE t.type = 'table'");
        f.current = fk_on ? "on" : "off";
        f.recommended = declared > 0 ? "on" : f.current;
        if (!fk_on && declared > 0) {
            f.status = health_status::degraded;
            f.reason = std::to_string(declared) + " foreign key(s) are declared but not enforced" +
                       per_connection("foreign_keys = ON", "foreign_keys, on by default");
            r.add(f.status, "setting_foreign_keys", "foreign_keys is off: the schema's " + std::to_string(declared) +
                                                        " foreign key(s) are not enforced on this connection",
                  "PRAGMA foreign_keys = ON on every connection (cistern::sqlite::options::foreign_keys does it)");
        } else {
            f.reason = declared > 0 ? "the declared foreign keys are enforced" : "the schema declares no foreign key";
        }
        r.rows.push_back(std::move(f));

        setting_advice b;
        b.name = "busy_timeout";
        const auto busy = int_pragma("PRAGMA busy_timeout");
        b.current = std::to_string(busy) + " ms";
        b.recommended = b.current;
        if (busy == 0) {
            b.recommended = "5000 ms";
            b.advice = true;
            b.reason = "with 0 a connection that meets another's lock fails at once with SQLITE_BUSY" +
                       per_connection("busy_timeout = 5000", "busy_timeout, 5 s by default");
        } else {
            b.reason = "waits for another connection's lock";
        }
        r.rows.push_back(std::move(b));
        r.notes.push_back("only journal_mode is stored in the file; the other settings were read from this connection and must be "
                          "set on every connection the application opens");
    } catch (const query_error& e) {
        r.state = availability::failed;
        r.notes.push_back(std::string("settings: ") + e.what());
    }
    return r;
}

/// The statements that apply the recommendations of `r` that live in the database file
/// (journal_mode); per-connection settings become alerts saying where to set them.
inline strategy::plan sqlite_settings_plan(const check_result<setting_advice>& r, const std::vector<std::string>& only = {}) {
    strategy::plan p;
    for (auto& a : r.rows) {
        if (!a.changes()) continue;
        if (!only.empty() && std::find(only.begin(), only.end(), a.name) == only.end()) continue;
        if (a.sql.empty()) continue;
        if (a.outside_transaction) p.add_outside_transaction(a.sql, a.name + ": " + a.reason);
        else p.add(a.sql, a.name + ": " + a.reason);
    }
    return p;
}

} // namespace cistern::inspect
