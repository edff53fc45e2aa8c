#pragma once
/// \file
/// Umbrella header for cistern's core (no database adapter: include
/// <cistern/adapter/sqlite/factory.hpp> or <cistern/adapter/postgres/factory.hpp> for those).

#include <cistern/version.hpp>
#include <cistern/concepts.hpp>
#include <cistern/error.hpp>
#include <cistern/value.hpp>
#include <cistern/row_set.hpp>
#include <cistern/pool/pool.hpp>
