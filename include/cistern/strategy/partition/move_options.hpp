#pragma once
/// \file
/// `cistern::strategy::partition::move_options`: bounds of the operations that move rows
/// out of a PostgreSQL default partition (partition_default, partition_existing).

#include <cistern/error.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace cistern::strategy::partition {

/// How many batches one plan moves and how long each batch waits for its locks.
///
/// A batch is one partition range: the rows of that range leave the default partition and
/// the new partition is attached in one transaction (PostgreSQL cannot attach a partition
/// while the default still holds a row of its range, so a range is never split).
struct move_options {
    /// The most batches (ranges) one plan moves; 0: every range that holds rows. Ranges left
    /// over are reported as an alert; apply the next plan to continue.
    int max_batches = 0;
    /// The most rows one plan moves; 0: no bound. Batches are added while the rows of the
    /// batches so far plus the next one's stay within it; the first batch is always added
    /// (a range is never split, so a range larger than max_rows moves alone). Ranges left
    /// over are reported as an alert; apply the next plan to continue.
    std::int64_t max_rows = 0;
    /// `SET LOCAL lock_timeout` of each batch (0: wait as long as it takes). A batch that
    /// cannot get its locks in time fails and is rolled back; batches before it stay committed.
    std::chrono::milliseconds lock_timeout{5000};

    /// Throws config_error for a negative max_batches or lock_timeout.
    void validate() const {
        if (max_batches < 0) throw config_error("move_options::max_batches", std::to_string(max_batches), "must not be negative");
        if (max_rows < 0) throw config_error("move_options::max_rows", std::to_string(max_rows), "must not be negative");
        if (lock_timeout.count() < 0)
            throw config_error("move_options::lock_timeout", std::to_string(lock_timeout.count()) + "ms", "must not be negative");
    }
};

} // namespace cistern::strategy::partition
