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
/// `name` and `text` view the text the owning NamedTable's `storage` keeps: do not keep them beyond
/// the table (or a copy of it).
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

/// A named kstat (type 1): header plus rows in file order. Rows view the file text, which
/// `storage` owns (a string of its own or a TextStore shared by many tables), so copies and moves
/// of the table keep the views valid.
struct NamedTable {
  std::shared_ptr<const void> storage;
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
/// The same without copying: rows view `text`, which `owner` keeps alive (a TextStore).
Result<NamedTable> parse_named(std::string_view text, std::shared_ptr<const void> owner);

/// Parses an io kstat (type 3): header, the padded column line, one line of numbers. Returned as
/// a named table of uint64 rows named by the columns. Fails (parse) on any mismatch.
Result<NamedTable> parse_io(std::string_view text);
/// The same without copying: rows view `text`, which `owner` keeps alive.
Result<NamedTable> parse_io(std::string_view text, std::shared_ptr<const void> owner);

/// Parses a list file: the first line names the columns, every following non-empty line is a
/// row. A first line of seven numbers (a pre-0.8 kstat header) is skipped. Rows whose cell
/// count differs from the header are skipped. Fails (parse) on an empty file.
Result<ListTable> parse_list(std::string_view text);

/// Parses a one-word file (`state`, `guid`): exactly one non-empty token. Fails (parse)
/// otherwise.
Result<std::string> parse_word(std::string_view text);

/// Owns the text of many files in a few large blocks, so that keeping a thousand small kstat
/// files costs a handful of allocations instead of one each. Tables hold it via their storage.
class TextStore {
 public:
  /// Copies `text` into the store; the returned view stays valid as long as the store lives.
  std::string_view keep(std::string_view text);

 private:
  std::vector<std::unique_ptr<char[]>> m_blocks;
  char* m_next = nullptr;  // free space in the current block
  size_t m_left = 0;
};

/// Storage for reading files one after another: it grows to the largest file read and is then
/// reused, so a scrape of a thousand files allocates for reading once or twice.
class ReadBuffer {
 public:
  /// The text of the last successful read.
  std::string_view text() const { return {m_bytes.data(), m_size}; }
  /// Bytes reserved now (grows, never shrinks).
  size_t capacity() const { return m_bytes.size(); }

  /// Reads the open file `fd` from its current offset until end of file (read() returns 0: a
  /// procfs file may answer in several short reads), replacing what the buffer held. Fails
  /// with not_found when the file went away (ENOENT, ENODEV), io on other errors and parse
  /// when it holds more than `max_bytes`; messages do not name the file (the caller does).
  Result<std::string_view> read_from(int fd, size_t max_bytes);

 private:
  std::vector<char> m_bytes;
  size_t m_size = 0;
};

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

/// An open directory: files and subdirectories are opened relative to it (openat), so the
/// kernel looks up one name instead of walking the whole path for every file.
class Directory {
 public:
  /// Opens `path`. Fails with not_found when it does not exist (or is not a directory), io
  /// otherwise.
  static Result<Directory> open(std::string path);

  Directory(Directory&& other) noexcept;
  Directory& operator=(Directory&& other) noexcept;
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;
  ~Directory();

  /// The path it was opened by, for messages.
  const std::string& path() const { return m_path; }

  /// Opens the subdirectory `name` (one path component). Errors as for open().
  Result<Directory> open_directory(std::string_view name) const;

  /// Lists the directory like list_directory().
  Result<std::vector<Entry>> list() const;

  /// Reads file `name` (one path component) into `buffer`, replacing what it held, until end
  /// of file. Fails with not_found when the file is gone, io on other errors (also for a name
  /// that is not a single path component), parse when it is larger than `max_bytes`. The view
  /// is valid until the buffer's next read.
  Result<std::string_view> read(std::string_view name, ReadBuffer& buffer,
                                size_t max_bytes = 1 << 20) const;

 private:
  Directory(int fd, std::string path) : m_fd(fd), m_path(std::move(path)) {}
  Result<int> open_at(std::string_view name, int flags) const;

  int m_fd = -1;
  std::string m_path;
};

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
/// Directory::read() guarded the same way.
Result<std::string_view> read_allowed(const Directory& dir, std::string_view name,
                                      const AllowList& allow, ReadBuffer& buffer,
                                      size_t max_bytes = 1 << 20);

}  // namespace pvex::kstat
