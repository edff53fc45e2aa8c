#pragma once
/// \file
/// `cistern::postgres::factory`: creates PostgreSQL connections from a conninfo string or URL.

#include <cistern/adapter/postgres/connection.hpp>
#include <cistern/adapter/postgres/detail/redact.hpp>
#include <cistern/adapter/postgres/options.hpp>
#include <cistern/concepts.hpp>
#include <cistern/error.hpp>

#include <libpq-fe.h>

#include <string>
#include <utility>

namespace cistern::postgres {

/// Creates connections to one PostgreSQL database. Models cistern::ConnectionFactory.
///
/// `target` is anything libpq accepts: `host=db port=5432 dbname=app user=app password=…`
/// or `postgresql://app:secret@db:5432/app?sslmode=require`. It is checked at
/// construction (config_error for a malformed one, its reason with every secret
/// removed). describe() and every message cistern produces leave the password out: they
/// are built from parsed fields, and every libpq message is scrubbed of the password,
/// of anything in the target shaped like one, and of the raw target string.
class factory {
public:
    /// Keeps `target` and `opts` for every connection it creates. Throws config_error when
    /// `opts` is invalid or libpq cannot parse `target` (the message never quotes the target).
    explicit factory(std::string target, options opts = {}) : target_(std::move(target)), opts_(std::move(opts)) {
        opts_.validate();
        char* err = nullptr;
        PQconninfoOption* parsed = PQconninfoParse(target_.c_str(), &err);
        if (!parsed) {
            std::string msg = err ? detail::trim(err) : "unparsable";
            if (err) PQfreemem(err);
            throw config_error("postgres::factory target", "(redacted)",
                               "unparseable target: " + detail::redact_message(msg, target_));
        }
        std::string user, host, port, dbname, hostaddr;
        for (auto* o = parsed; o->keyword; ++o) {
            if (!o->val) continue;
            const std::string_view k = o->keyword;
            if (k == "user") user = o->val;
            else if (k == "host") host = o->val;
            else if (k == "hostaddr") hostaddr = o->val;
            else if (k == "port") port = o->val;
            else if (k == "dbname") dbname = o->val;
        }
        PQconninfoFree(parsed);
        // A URL whose password holds an unescaped '@' or '/' is split elsewhere by libpq:
        // the password lands in the host, port or database name. It could never reach
        // the intended server, and describing it would show the password: refuse it.
        if (detail::is_url_target(target_)) {
            const bool bad_port = port.find_first_not_of("0123456789,") != std::string::npos;
            if (bad_port || host.find('@') != std::string::npos || dbname.find('@') != std::string::npos ||
                user.find('@') != std::string::npos || port.find('@') != std::string::npos)
                throw config_error("postgres::factory target", "(redacted)",
                                   "unparseable target: the user info seems to hold an unescaped '@' or '/' "
                                   "(percent-encode the password: '@' as %40, '/' as %2F)");
        }
        if (host.empty()) host = hostaddr;
        auto clean = [&](const std::string& field) { return detail::redact_message(field, target_); };
        description_ = "postgresql://" + (user.empty() ? "" : clean(user) + "@") +
                       (host.empty() ? "localhost" : clean(host)) + (port.empty() ? "" : ":" + clean(port)) + "/" +
                       clean(dbname);
    }

    /// Opens a new connection; throws connect_error on failure.
    connection create() { return connection(target_, opts_); }

    /// `postgresql://user@host:port/dbname`, built from the parsed fields (never from the
    /// target string), each with any secret of the target masked.
    std::string describe() const { return description_; }

    /// The options every connection is opened with.
    const options& opts() const noexcept { return opts_; }

private:
    std::string target_;
    options opts_;
    std::string description_;
};

static_assert(cistern::detail::check_connection_factory<factory>());

} // namespace cistern::postgres
