// kstat: parsers for the Linux SPL kstat text formats (/proc/spl/kstat/...); no ZFS knowledge.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace pvex::kstat {

/// The seven-number line that starts every headed kstat file.
struct Header {
  uint64_t kid = 0;
  int type = 0;  // 0 raw, 1 named, 2 intr, 3 io, 4 timer
  uint32_t flags = 0;
  uint64_t ndata = 0;
  uint64_t data_size = 0;
  uint64_t crtime_ns = 0;    // creation, ns since boot
  uint64_t snaptime_ns = 0;  // this read, ns since boot

  bool operator==(const Header&) const = default;
};

/// The data type code of a named row (the `type` column).
enum class DataType : uint8_t {
  chars = 0,
  int32 = 1,
  uint32 = 2,
  int64 = 3,
  uint64 = 4,
  long_ = 5,
  ulong = 6,
  string = 7,
};

/// One `name type data` row. Integers are kept in integer types; `text` holds string values.
/// `name` and `text` view the owning NamedTable's buffer: do not keep them beyond the table.
struct NamedRow {
  std::string_view name;
  DataType type = DataType::uint64;
  bool is_signed = false;  // value lives in `signed_value` (types 1, 3, 5)
  uint64_t unsigned_value = 0;
  int64_t signed_value = 0;
  std::string_view text;  // types 0 and 7

  bool is_numeric() const { return type != DataType::chars && type != DataType::string; }
  /// The numeric value as a double (precision is lost above 2^53); 0 for string rows.
  double as_double() const;

  bool operator==(const NamedRow&) const = default;
};

/// A named kstat (type 1): header plus rows in file order. Rows view `buffer`, the file text,
/// which is shared so that copies and moves of the table keep the views valid.
struct NamedTable {
  std::shared_ptr<const std::string> buffer;
  Header header;
  std::vector<NamedRow> rows;
  size_t skipped_rows = 0;  // rows with an unknown type code or an unparsable value

  const NamedRow* find(std::string_view name) const;
};

/// A list file (`txgs`, `multihost`, ...): a column header of its own, then rows of cells.
struct ListTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each row has columns.size() cells

  /// Index of `column`, or nullopt.
  std::optional<size_t> column(std::string_view name) const;
};

/// Parses the seven-number header line. Fails (parse) unless it is exactly seven numbers.
Result<Header> parse_header(std::string_view line);

/// Parses a named kstat file: header line, the `name type data` line, then rows. Columns are
/// found by splitting (names may contain spaces, string values may contain spaces); a row with
/// an unknown type code or a bad number is skipped and counted, not fatal. Fails (parse) on a
/// missing or malformed header, a missing column line, or a header that is not type 1.
Result<NamedTable> parse_named(std::string_view text);
/// The same without copying: the table shares `text`.
Result<NamedTable> parse_named(std::shared_ptr<const std::string> text);

/// Parses an io kstat (type 3): header, the padded column line, one line of numbers. Returned as
/// a named table of uint64 rows named by the columns. Fails (parse) on any mismatch.
Result<NamedTable> parse_io(std::string_view text);

/// Parses a list file: the first line names the columns, every following non-empty line is a
/// row. A first line of seven numbers (a pre-0.8 kstat header) is skipped. Rows whose cell
/// count differs from the header are skipped. Fails (parse) on an empty file.
Result<ListTable> parse_list(std::string_view text);

/// Parses a one-word file (`state`, `guid`): exactly one non-empty token. Fails (parse)
/// otherwise.
Result<std::string> parse_word(std::string_view text);

/// A kstat directory entry.
struct Entry {
  std::string name;
  bool is_directory = false;
};

/// Lists `dir` (names sorted, `.`/`..` skipped); directory-ness by stat(), not by name.
/// Fails with not_found when `dir` does not exist, io otherwise.
Result<std::vector<Entry>> list_directory(const std::string& dir);

/// Reads a whole file in one go (kstat content is regenerated per read). Fails with not_found
/// when the file is gone (ENOENT: vanished between listing and reading), io on other errors,
/// and parse when it is larger than `max_bytes`.
Result<std::string> read_file(const std::string& path, size_t max_bytes = 1 << 20);

/// The file names a reader may open: exact names and name prefixes (`objset-0x`). Anything
/// else is refused, so debug tables (dbgmsg, dbufs) are never opened by accident.
struct AllowList {
  std::vector<std::string> names;
  std::vector<std::string> prefixes;

  bool allows(std::string_view file_name) const;
};

/// read_file() guarded by an allow-list on the last path component: refused names fail with
/// ErrorKind::config and are never opened.
Result<std::string> read_allowed(const std::string& dir, std::string_view name,
                                 const AllowList& allow, size_t max_bytes = 1 << 20);

}  // namespace pvex::kstat
