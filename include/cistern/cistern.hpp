#pragma once
/// \file
/// Umbrella header for cistern's core: pool, cache, query cache, monitor and their
/// concepts. No database adapter: include <cistern/adapter/sqlite/factory.hpp> or
/// <cistern/adapter/postgres/factory.hpp> for those, and the strategy headers you use.

#include <cistern/version.hpp>
#include <cistern/concepts.hpp>
#include <cistern/error.hpp>
#include <cistern/value.hpp>
#include <cistern/row_set.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/cache/cache.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/monitor/monitor.hpp>
