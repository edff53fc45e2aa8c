#pragma once
/// \file
/// Umbrella header for cistern's core: pool, cache with every built-in eviction and
/// expiry policy, query cache, monitor and their concepts. No database adapter: include <cistern/adapter/sqlite/factory.hpp> or
/// <cistern/adapter/postgres/factory.hpp> for those, and the strategy headers you use.

#include <cistern/version.hpp>
#include <cistern/concepts.hpp>
#include <cistern/error.hpp>
#include <cistern/value.hpp>
#include <cistern/row_set.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/cache/cache.hpp>
#include <cistern/cache/eviction/fifo.hpp>
#include <cistern/cache/eviction/lfu.hpp>
#include <cistern/cache/eviction/lru.hpp>
#include <cistern/cache/eviction/s3fifo.hpp>
#include <cistern/cache/eviction/sieve.hpp>
#include <cistern/cache/eviction/slru.hpp>
#include <cistern/cache/eviction/w_tinylfu.hpp>
#include <cistern/cache/expiry/after_access.hpp>
#include <cistern/cache/expiry/after_write.hpp>
#include <cistern/cache/expiry/never.hpp>
#include <cistern/cache/expiry/per_entry.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/monitor/monitor.hpp>
